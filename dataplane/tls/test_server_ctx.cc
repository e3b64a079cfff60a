#include "dataplane/tls/test_server_ctx.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "dataplane/tls/test_pki.h"

namespace ringway::tls {

bssl::UniquePtr<SSL_CTX> TestServerCtx(uint16_t version,
                                       const char* cipher_list, bool tickets) {
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
  if (version != 0) {
    SSL_CTX_set_min_proto_version(ctx.get(), version);
    SSL_CTX_set_max_proto_version(ctx.get(), version);
  }
  if (cipher_list != nullptr) {
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

}  // namespace ringway::tls
