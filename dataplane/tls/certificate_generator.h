// Fresh keys and X.509 certificates made with BoringSSL: the self-signed
// certificate ringway serves on first start (like Debian's snakeoil), and
// the CAs, leaves and client certificates the TLS tests need.
//
//   auto ca = GenerateCertificate({.common_name = "test CA", .is_ca = true});
//   auto leaf = GenerateCertificate({.common_name = "a.example.org",
//                                    .dns_names = {"a.example.org"},
//                                    .issuer = &*ca});
//   // leaf->cert_pem, leaf->key_pem (PKCS#8)

#ifndef RINGWAY_DATAPLANE_TLS_CERTIFICATE_GENERATOR_H_
#define RINGWAY_DATAPLANE_TLS_CERTIFICATE_GENERATOR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ringway::tls {

enum class KeyType { kEcdsaP256, kRsa2048 };

struct GeneratedCertificate {
  std::string cert_pem;
  std::string key_pem;  // unencrypted PKCS#8
};

struct CertificateRequest {
  std::string common_name;
  // subjectAltName dNSName entries (what clients check); may be empty.
  std::vector<std::string> dns_names;
  KeyType key_type = KeyType::kEcdsaP256;
  // A CA (basicConstraints CA:TRUE, keyCertSign) or a leaf usable for TLS
  // servers and clients.
  bool is_ca = false;
  // Validity starts `not_before_days` from now (negative: in the past) and
  // lasts `days`; an expired certificate for tests is {-10, 5}.
  int not_before_days = -1;
  int days = 365;
  // Signs the new certificate; nullptr: self-signed.
  const GeneratedCertificate* issuer = nullptr;
};

absl::StatusOr<GeneratedCertificate> GenerateCertificate(
    const CertificateRequest& request);

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_CERTIFICATE_GENERATOR_H_
