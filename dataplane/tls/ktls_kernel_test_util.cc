#include "dataplane/tls/ktls_kernel_test_util.h"

#include <arpa/inet.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "dataplane/tls/ktls_keys.h"
#include "dataplane/tls/ktls_socket.h"
#include "dataplane/tls/test_pki.h"
#include "gtest/gtest.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

namespace ringway::tls {

std::map<std::string, long> TlsStats() {
  std::map<std::string, long> stats;
  std::ifstream in("/proc/net/tls_stat");
  std::string name;
  long value;
  while (in >> name >> value) stats[name] = value;
  return stats;
}

// A connected TCP pair over loopback.
void ConnectedPair(int* client, int* server) {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(
      bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
      0);
  ASSERT_EQ(listen(listener, 1), 0);
  socklen_t length = sizeof(address);
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  *client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(
      connect(*client, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
      0);
  *server = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_GE(*server, 0);
  close(listener);
}

bssl::UniquePtr<SSL_CTX> KernelTestServerCtx(uint16_t version,
                                             const char* cipher_list,
                                             bool tickets) {
  const TestPki& pki = GetTestPki();
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  bssl::UniquePtr<BIO> cert_bio(
      BIO_new_mem_buf(pki.a_ecdsa.cert_pem.data(),
                      static_cast<int>(pki.a_ecdsa.cert_pem.size())));
  bssl::UniquePtr<X509> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  bssl::UniquePtr<BIO> key_bio(
      BIO_new_mem_buf(pki.a_ecdsa.key_pem.data(),
                      static_cast<int>(pki.a_ecdsa.key_pem.size())));
  bssl::UniquePtr<EVP_PKEY> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  SSL_CTX_use_certificate(ctx.get(), cert.get());
  SSL_CTX_use_PrivateKey(ctx.get(), key.get());
  SSL_CTX_set_min_proto_version(ctx.get(), version);
  SSL_CTX_set_max_proto_version(ctx.get(), version);
  if (version == 0x0303) {
    SSL_CTX_set_strict_cipher_list(ctx.get(), cipher_list);
  }
  // No session tickets: nothing but application data follows the
  // handshake, so the kernel's RX never meets a handshake record here.
  if (!tickets) {
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx.get(), 0);
  }
  return ctx;
}

std::string EnableKtls(int fd, const SSL* ssl) {
  absl::Status installed = InstallKtls(fd, ssl);
  return installed.ok() ? "" : std::string(installed.message());
}

}  // namespace ringway::tls
