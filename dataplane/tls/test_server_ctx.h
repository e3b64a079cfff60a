// A BoringSSL server context for tests that play the TLS server on a
// socket of their own: the test PKI's ECDSA certificate for
// "a.example.org".

#ifndef RINGWAY_DATAPLANE_TLS_TEST_SERVER_CTX_H_
#define RINGWAY_DATAPLANE_TLS_TEST_SERVER_CTX_H_

#include <openssl/ssl.h>

#include <cstdint>

namespace ringway::tls {

// `version`: the one TLS version allowed (0: TLS 1.2 and 1.3);
// `cipher_list`: TLS 1.2 suites (null: BoringSSL's default); `tickets`:
// session tickets on (TLS 1.3 servers send them after the handshake) or
// off.
bssl::UniquePtr<SSL_CTX> TestServerCtx(uint16_t version,
                                       const char* cipher_list, bool tickets);

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_TEST_SERVER_CTX_H_
