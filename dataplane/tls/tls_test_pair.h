// Two TlsSessions talking in memory for the TLS unit tests: each one's
// sealed output is pumped into the other's input, split the way a socket
// may split it.

#ifndef RINGWAY_DATAPLANE_TLS_TLS_TEST_PAIR_H_
#define RINGWAY_DATAPLANE_TLS_TLS_TEST_PAIR_H_

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/tls/tls_session.h"
#include "gtest/gtest.h"

namespace ringway::tls {

// Moves what `from` sealed into `to_inbox`, `chunk` bytes at a time.
inline void Move(TlsSession& from, std::vector<uint8_t>* to_inbox) {
  auto out = from.output();
  to_inbox->insert(to_inbox->end(), out.begin(), out.end());
  from.ConsumeOutput(out.size());
}

inline TlsResult Step(TlsSession& s, std::vector<uint8_t>* inbox,
                      size_t chunk) {
  size_t offer = std::min(chunk, inbox->size());
  s.SetInput({inbox->data(), offer});
  TlsResult r = s.Handshake();
  inbox->erase(inbox->begin(), inbox->begin() + s.TakeInputConsumed());
  return r;
}

struct Pair {
  std::unique_ptr<TlsSession> client;
  std::unique_ptr<TlsSession> server;
  std::vector<uint8_t> to_client, to_server;
  TlsResult client_result = TlsResult::kWantRead;
  TlsResult server_result = TlsResult::kWantRead;

  // Bounded: a handshake is a few flights.
  bool Handshake(size_t chunk = 1 << 20) {
    for (int round = 0; round < 20'000; ++round) {
      client_result = Step(*client, &to_client, chunk);
      Move(*client, &to_server);
      server_result = Step(*server, &to_server, chunk);
      Move(*server, &to_client);
      if (client_result == TlsResult::kError ||
          server_result == TlsResult::kError) {
        return false;
      }
      if (client_result == TlsResult::kOk && server_result == TlsResult::kOk &&
          to_client.empty() && to_server.empty()) {
        return true;
      }
    }
    return false;
  }

  // Sends `text` from `a` to `b` and reads it there (post-handshake records
  // such as tickets are processed on the way).
  static std::string Transfer(TlsSession& a, TlsSession& b,
                              std::vector<uint8_t>* b_inbox,
                              const std::string& text) {
    size_t n = 0;
    EXPECT_EQ(
        a.Write({reinterpret_cast<const uint8_t*>(text.data()), text.size()},
                &n),
        TlsResult::kOk);
    Move(a, b_inbox);
    std::string got;
    uint8_t buffer[4096];
    for (int i = 0; i < 100 && got.size() < text.size(); ++i) {
      b.SetInput(*b_inbox);
      size_t read = 0;
      TlsResult r = b.Read(buffer, &read);
      b_inbox->erase(b_inbox->begin(),
                     b_inbox->begin() + b.TakeInputConsumed());
      if (r != TlsResult::kOk) break;
      got.append(reinterpret_cast<char*>(buffer), read);
    }
    return got;
  }
};

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_TLS_TEST_PAIR_H_
