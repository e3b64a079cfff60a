// kTLS records after the handshake and every TLS 1.3 suite, in the real
// kernel (inside the VM of //test:ktls_vm_test; skipped elsewhere unless
// RINGWAY_REQUIRE_KTLS=1 makes that a failure).

#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "dataplane/tls/ktls_control_records.h"
#include "dataplane/tls/ktls_kernel_test_util.h"
#include "dataplane/tls/ktls_keys.h"
#include "dataplane/tls/openssl_server_test_util.h"
#include "dataplane/tls/test_pki.h"
#include "dataplane/tls/test_server_ctx.h"
#include "gtest/gtest.h"

namespace ringway::tls {
namespace {

// Records after the handshake, TLS 1.3, the kernel as the client: the
// server's NewSessionTickets arrive on the kTLS socket as handshake
// records and are kept for resumption; application data still flows;
// close_notify goes out through TLS_SET_RECORD_TYPE and comes back as an
// alert; a KeyUpdate is recognised (the 6.1 kernel cannot rekey, so the
// connection must end there) instead of failing or looping.
struct Tls13Connection {
  int client_fd = -1, server_fd = -1;
  bssl::UniquePtr<SSL_CTX> server_ctx, client_ctx;
  bssl::UniquePtr<SSL> server, client;
  ~Tls13Connection() {
    close(client_fd);
    close(server_fd);
  }
};

void ConnectTls13(Tls13Connection* t) {
  ASSERT_NO_FATAL_FAILURE(ConnectedPair(&t->client_fd, &t->server_fd));
  t->server_ctx = TestServerCtx(0x0304, "", /*tickets=*/true);
  t->client_ctx.reset(SSL_CTX_new(TLS_method()));
  SSL_CTX_set_min_proto_version(t->client_ctx.get(), 0x0304);
  SSL_CTX_set_session_cache_mode(t->client_ctx.get(), SSL_SESS_CACHE_CLIENT);
  t->server.reset(SSL_new(t->server_ctx.get()));
  t->client.reset(SSL_new(t->client_ctx.get()));
  SSL_set_fd(t->server.get(), t->server_fd);
  SSL_set_fd(t->client.get(), t->client_fd);
  int accepted = 0;
  std::thread server_side([&] { accepted = SSL_accept(t->server.get()); });
  const int connected = SSL_connect(t->client.get());
  server_side.join();
  ASSERT_EQ(connected, 1);
  ASSERT_EQ(accepted, 1);
  // Nothing read past the client's Finished: the tickets, whenever they
  // come, are the kernel's to read.
  const std::string why = EnableKtls(t->client_fd, t->client.get());
  if (!why.empty()) {
    if (getenv("RINGWAY_REQUIRE_KTLS") != nullptr) FAIL() << why;
    GTEST_SKIP() << "no kernel TLS here: " << why;
  }
}

// Reads records until `done` says stop (bounded); returns the controls
// seen and appends application data to `data`.
std::vector<KtlsControl> ReadRecords(
    Tls13Connection& t, std::string* data, int* tickets_kept,
    bool (*done)(const std::vector<KtlsControl>&, const std::string&)) {
  std::vector<KtlsControl> seen;
  std::vector<uint8_t> buffer(32 * 1024);
  for (int i = 0; i < 100 && !done(seen, *data); ++i) {
    uint8_t type = 0;
    ssize_t n = KtlsReceive(t.client_fd, buffer, &type);
    if (n <= 0) {
      ADD_FAILURE() << "KtlsReceive: " << n;
      break;
    }
    std::span<const uint8_t> record(buffer.data(), static_cast<size_t>(n));
    if (type == kRecordApplicationData) {
      data->append(reinterpret_cast<const char*>(record.data()), record.size());
    } else if (type == kRecordAlert) {
      seen.push_back(ClassifyAlert(record));
    } else if (type == kRecordHandshake) {
      std::vector<HandshakeMessage> messages;
      EXPECT_TRUE(SplitHandshakeMessages(record, &messages));
      for (const HandshakeMessage& m : messages) {
        seen.push_back(ClassifyHandshakeMessage(m));
        if (seen.back() != KtlsControl::kNewSessionTicket) continue;
        bssl::UniquePtr<SSL_SESSION> session(
            SSL_process_tls13_new_session_ticket(t.client.get(), m.bytes.data(),
                                                 m.bytes.size()));
        if (session != nullptr && SSL_SESSION_is_resumable(session.get())) {
          ++*tickets_kept;
        }
      }
    } else {
      seen.push_back(KtlsControl::kUnexpected);
    }
  }
  return seen;
}

TEST(KtlsKernelControlTest, TicketsDataAndCloseNotifyBothWays) {
  Tls13Connection t;
  ASSERT_NO_FATAL_FAILURE(ConnectTls13(&t));
  if (IsSkipped()) return;
  ASSERT_EQ(SSL_write(t.server.get(), "after tickets", 13), 13);
  std::string data;
  int tickets = 0;
  std::vector<KtlsControl> seen =
      ReadRecords(t, &data, &tickets,
                  [](const std::vector<KtlsControl>&, const std::string& d) {
                    return d == "after tickets";
                  });
  EXPECT_EQ(data, "after tickets");
  EXPECT_GE(tickets, 1) << "no resumable ticket kept";
  for (KtlsControl control : seen) {
    EXPECT_EQ(control, KtlsControl::kNewSessionTicket);
  }
  // Ours out through the kernel: the peer sees a clean end of stream.
  ASSERT_EQ(KtlsSendCloseNotify(t.client_fd), 0);
  char byte;
  EXPECT_EQ(SSL_read(t.server.get(), &byte, 1), 0);
  EXPECT_EQ(SSL_get_error(t.server.get(), 0), SSL_ERROR_ZERO_RETURN);
  // Theirs in.
  SSL_shutdown(t.server.get());
  seen = ReadRecords(t, &data, &tickets,
                     [](const std::vector<KtlsControl>& s, const std::string&) {
                       return !s.empty();
                     });
  EXPECT_EQ(seen, std::vector<KtlsControl>{KtlsControl::kCloseNotify});
}

TEST(KtlsKernelControlTest, KeyUpdateIsRecognisedNotFatal) {
  Tls13Connection t;
  ASSERT_NO_FATAL_FAILURE(ConnectTls13(&t));
  if (IsSkipped()) return;
  ASSERT_EQ(SSL_write(t.server.get(), "before", 6), 6);
  ASSERT_EQ(SSL_key_update(t.server.get(), SSL_KEY_UPDATE_NOT_REQUESTED), 1);
  ASSERT_EQ(SSL_write(t.server.get(), "after", 5), 5);  // new keys
  std::string data;
  int tickets = 0;
  std::vector<KtlsControl> seen =
      ReadRecords(t, &data, &tickets,
                  [](const std::vector<KtlsControl>& s, const std::string&) {
                    return !s.empty() && s.back() == KtlsControl::kKeyUpdate;
                  });
  EXPECT_EQ(data, "before");
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), KtlsControl::kKeyUpdate);
}

// TLS 1.3 with every suite, which only an OpenSSL peer lets us choose:
// `openssl s_server -www` (also in the VM) answers a request the kernel
// sealed with a page the kernel opens, its NewSessionTickets arriving as
// handshake records first.
struct OpensslSuite {
  const char* name;
  const char* suite;
  KtlsCipher cipher;
};

class KtlsKernelOpensslTest : public testing::TestWithParam<OpensslSuite> {};

TEST_P(KtlsKernelOpensslTest, KernelTalksToOpenssl) {
  const OpensslSuite& c = GetParam();
  if (!OpensslServer::Available()) {
    if (getenv("RINGWAY_REQUIRE_KTLS") != nullptr) FAIL() << "no openssl";
    GTEST_SKIP() << "no openssl command";
  }
  OpensslServer server;
  const int port = server.StartWww(GetTestPki().a_ecdsa,
                                   {"-tls1_3", "-ciphersuites", c.suite});
  ASSERT_GT(port, 0);
  const int fd = ConnectLoopback(port, 20);
  ASSERT_GE(fd, 0);
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  SSL_CTX_set_min_proto_version(ctx.get(), 0x0304);
  bssl::UniquePtr<SSL> ssl(SSL_new(ctx.get()));
  SSL_set_fd(ssl.get(), fd);
  ASSERT_EQ(SSL_connect(ssl.get()), 1);
  absl::StatusOr<KtlsKeys> keys =
      ExportKtlsKeys(ssl.get(), KtlsDirection::kTransmit);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->cipher, c.cipher);
  const std::string why = EnableKtls(fd, ssl.get());
  if (!why.empty()) {
    close(fd);
    if (getenv("RINGWAY_REQUIRE_KTLS") != nullptr) FAIL() << why;
    GTEST_SKIP() << "no kernel TLS here: " << why;
  }
  const std::string request = "GET / HTTP/1.0\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  std::string page;
  int tickets = 0;
  std::vector<uint8_t> buffer(32 * 1024);
  for (int i = 0; i < 200 && page.find("</HTML>") == std::string::npos; ++i) {
    uint8_t type = 0;
    const ssize_t n = KtlsReceive(fd, buffer, &type);
    if (n <= 0) break;
    const std::span<const uint8_t> record(buffer.data(),
                                          static_cast<size_t>(n));
    if (type == kRecordApplicationData) {
      page.append(reinterpret_cast<const char*>(record.data()), record.size());
    } else if (type == kRecordHandshake) {
      std::vector<HandshakeMessage> messages;
      ASSERT_TRUE(SplitHandshakeMessages(record, &messages));
      for (const HandshakeMessage& m : messages) {
        EXPECT_EQ(ClassifyHandshakeMessage(m), KtlsControl::kNewSessionTicket);
        ++tickets;
      }
    } else {
      break;  // close_notify
    }
  }
  close(fd);
  EXPECT_GE(tickets, 1);
  EXPECT_EQ(page.rfind("HTTP/1.0 200 ok", 0), 0u) << page.substr(0, 200);
  EXPECT_NE(page.find(absl::StrCat("Cipher is ", c.suite)), std::string::npos)
      << page;
}

INSTANTIATE_TEST_SUITE_P(
    Openssl, KtlsKernelOpensslTest,
    testing::Values(OpensslSuite{"Aes128Gcm", "TLS_AES_128_GCM_SHA256",
                                 KtlsCipher::kAes128Gcm},
                    OpensslSuite{"Aes256Gcm", "TLS_AES_256_GCM_SHA384",
                                 KtlsCipher::kAes256Gcm},
                    OpensslSuite{"Chacha20", "TLS_CHACHA20_POLY1305_SHA256",
                                 KtlsCipher::kChacha20Poly1305}),
    [](const testing::TestParamInfo<OpensslSuite>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace ringway::tls
