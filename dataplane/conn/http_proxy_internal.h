// Constants and small helpers shared by the HttpProxy's source files
// (http_proxy*.cc); not part of its interface.

#ifndef RINGWAY_DATAPLANE_CONN_HTTP_PROXY_INTERNAL_H_
#define RINGWAY_DATAPLANE_CONN_HTTP_PROXY_INTERNAL_H_

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "dataplane/buffer/byte_queue.h"
#include "dataplane/tls/tls_session.h"

namespace ringway::conn {

// Bytes asked of one client or upstream receive.
inline constexpr size_t kRecvBytes = 16 * 1024;
// Ciphertext from upstreams is read in bigger pieces: several records per
// receive.
inline constexpr size_t kTlsRecvBytes = 64 * 1024;
// A direction whose unsent bytes pass this stops reading its source until
// the destination catches up.
inline constexpr size_t kMaxBufferedBytes = 64 * 1024;
// A TLS handshake and first request head are bounded by this many bytes
// of ciphertext held at once (the head limit plus record overhead).
inline constexpr size_t kMaxRawBytes = 64 * 1024;

inline void AppendBytes(std::string* out, std::span<const uint8_t> bytes) {
  out->append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Decrypts every whole record of the input `tls` was given (SetInput) into
// `plain`, then drops the ciphertext it took from `raw`. Returns what
// stopped it: kWantRead, kWantWrite, kClosed or kError (never kOk).
inline tls::TlsResult DecryptAll(tls::TlsSession& tls, buffer::ByteQueue* raw,
                                 buffer::ByteQueue* plain) {
  for (;;) {
    size_t n = 0;
    uint8_t* tail = plain->PrepareTail(kRecvBytes);
    tls::TlsResult result = tls.Read({tail, plain->tail_room()}, &n);
    if (result != tls::TlsResult::kOk) {
      raw->Consume(tls.TakeInputConsumed());
      return result;
    }
    plain->Commit(n);
  }
}

// Seals the front of `plaintext` that fits in the session's output and
// drops it; the rest waits for the next send's completion.
inline void SealFront(tls::TlsSession& tls, std::string* plaintext) {
  plaintext->erase(
      0, tls.Seal({reinterpret_cast<const uint8_t*>(plaintext->data()),
                   plaintext->size()}));
}

// close() after this sends RST instead of FIN.
inline void ArmReset(int fd) {
  if (fd < 0) return;
  linger hard{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
}

}  // namespace ringway::conn

#endif  // RINGWAY_DATAPLANE_CONN_HTTP_PROXY_INTERNAL_H_
