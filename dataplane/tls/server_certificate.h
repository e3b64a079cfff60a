// One certificate chain and its private key, loaded once on the control
// thread and shared read-only by every shard's TLS contexts. Knows what the
// handshake needs to pick it: the names it covers and its key type.
//
//   auto cert = ServerCertificate::FromPem(chain_pem, key_pem, ocsp_der);
//   cert->names();     // subjectAltName dNSNames (or the CN without SANs)
//   cert->is_ecdsa();  // for clients that only sign-verify RSA

#ifndef RINGWAY_DATAPLANE_TLS_SERVER_CERTIFICATE_H_
#define RINGWAY_DATAPLANE_TLS_SERVER_CERTIFICATE_H_

#include <openssl/base.h>
#include <openssl/pool.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ringway::tls {

// Every PEM certificate in `pem`, in order (a chain, or a CA bundle).
std::vector<bssl::UniquePtr<X509>> ReadPemCertificates(std::string_view pem);

// Immutable, shared.
class ServerCertificate {
 public:
  // `chain_pem`: the leaf first, then intermediates. `key_pem`: the leaf's
  // key (PKCS#8, or traditional RSA/EC). `ocsp_der`: a DER OCSP response to
  // staple, or empty. Errors name what is wrong (no certificate, key does
  // not match, unsupported key type, expired).
  static absl::StatusOr<std::shared_ptr<const ServerCertificate>> FromPem(
      std::string_view chain_pem, std::string_view key_pem,
      std::string ocsp_der = "");

  const std::vector<std::string>& names() const { return names_; }
  bool is_ecdsa() const { return is_ecdsa_; }
  // The DER chain, leaf first, as SSL_set_chain_and_key takes it.
  CRYPTO_BUFFER* const* chain_data() const { return chain_pointers_.data(); }
  size_t chain_size() const { return chain_pointers_.size(); }
  EVP_PKEY* key() const { return key_.get(); }
  const std::string& ocsp_response() const { return ocsp_der_; }

 private:
  std::vector<std::string> names_;  // lower case; "*.example.org" kept
  bool is_ecdsa_ = false;
  std::vector<bssl::UniquePtr<CRYPTO_BUFFER>> chain_;
  std::vector<CRYPTO_BUFFER*> chain_pointers_;  // into chain_
  bssl::UniquePtr<EVP_PKEY> key_;
  std::string ocsp_der_;
};

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_SERVER_CERTIFICATE_H_
