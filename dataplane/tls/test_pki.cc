#include "dataplane/tls/test_pki.h"

#include <cstdio>
#include <cstdlib>

namespace ringway::tls {
namespace {

GeneratedCertificate MustGenerate(const CertificateRequest& request) {
  auto cert = GenerateCertificate(request);
  if (!cert.ok()) {
    std::fprintf(stderr, "test PKI: %s\n", cert.status().ToString().c_str());
    std::abort();
  }
  return *cert;
}

TestPki Build() {
  TestPki pki;
  pki.ca = MustGenerate({.common_name = "ringway test CA", .is_ca = true});
  pki.a_ecdsa = MustGenerate({.common_name = "a.example.org",
                              .dns_names = {"a.example.org"},
                              .issuer = &pki.ca});
  pki.a_rsa = MustGenerate({.common_name = "a.example.org",
                            .dns_names = {"a.example.org"},
                            .key_type = KeyType::kRsa2048,
                            .issuer = &pki.ca});
  pki.wildcard = MustGenerate({.common_name = "wildcard",
                               .dns_names = {"*.example.org"},
                               .issuer = &pki.ca});
  pki.fallback = MustGenerate({.common_name = "default.test",
                               .dns_names = {"default.test"},
                               .issuer = &pki.ca});
  pki.client = MustGenerate({.common_name = "client", .issuer = &pki.ca});
  pki.other_ca = MustGenerate({.common_name = "other CA", .is_ca = true});
  pki.stranger =
      MustGenerate({.common_name = "stranger", .issuer = &pki.other_ca});
  return pki;
}

}  // namespace

const TestPki& GetTestPki() {
  static const TestPki* pki = new TestPki(Build());
  return *pki;
}

}  // namespace ringway::tls
