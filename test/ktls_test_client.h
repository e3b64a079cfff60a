// What the kTLS integration tests share: whether the kernel under test has
// kTLS (inside the VM it must), random payloads, and a BoringSSL client
// whose handshake with a ringway listener is done.

#ifndef RINGWAY_TEST_KTLS_TEST_CLIENT_H_
#define RINGWAY_TEST_KTLS_TEST_CLIENT_H_

#include <openssl/ssl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

#include "dataplane/address/socket_address.h"
#include "dataplane/tls/ktls_socket.h"
#include "gtest/gtest.h"
#include "test/support/tcp_client.h"

namespace ringway::test {

// kTLS is expected: the kernel has it (and inside the VM it must).
inline bool KernelHasKtls() {
  const tls::KtlsSupport& kernel = tls::KernelKtlsSupport();
  if (!kernel.available && getenv("RINGWAY_REQUIRE_KTLS") != nullptr) {
    ADD_FAILURE() << "the VM's kernel has no kTLS: " << kernel.reason;
  }
  return kernel.available;
}

inline std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 random(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(random());
  return s;
}

// A TLS client connected to `address` as "a.example.org", handshake done
// (null and a test failure otherwise). `version` 0: 1.2 or 1.3; `ciphers`:
// TLS 1.2 suites. Owns the fd through the SSL.
inline bssl::UniquePtr<SSL> ConnectTls(const address::SocketAddress& address,
                                       uint16_t version = 0,
                                       const char* ciphers = nullptr) {
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  if (version != 0) {
    SSL_CTX_set_min_proto_version(ctx.get(), version);
    SSL_CTX_set_max_proto_version(ctx.get(), version);
  }
  if (ciphers != nullptr) SSL_CTX_set_strict_cipher_list(ctx.get(), ciphers);
  int fd = ConnectTo(address);
  if (fd < 0) {
    ADD_FAILURE() << "connect to ringway";
    return nullptr;
  }
  bssl::UniquePtr<SSL> ssl(SSL_new(ctx.get()));  // holds ctx
  SSL_set_fd(ssl.get(), fd);
  SSL_set_tlsext_host_name(ssl.get(), "a.example.org");
  if (SSL_connect(ssl.get()) != 1) {
    ADD_FAILURE() << "TLS handshake with ringway failed";
    close(fd);
    return nullptr;
  }
  return ssl;
}

}  // namespace ringway::test

#endif  // RINGWAY_TEST_KTLS_TEST_CLIENT_H_
