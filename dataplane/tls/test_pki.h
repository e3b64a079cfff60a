// Certificates for the TLS tests, generated once per test binary (RSA keys
// take a while): a CA, server certificates for "a.example.org" (ECDSA and
// RSA), "*.example.org" and "default.test", a client certificate issued by
// the CA and one issued by an unrelated CA.

#ifndef RINGWAY_DATAPLANE_TLS_TEST_PKI_H_
#define RINGWAY_DATAPLANE_TLS_TEST_PKI_H_

#include "dataplane/tls/certificate_generator.h"

namespace ringway::tls {

struct TestPki {
  GeneratedCertificate ca;
  GeneratedCertificate a_ecdsa;   // a.example.org
  GeneratedCertificate a_rsa;     // a.example.org
  GeneratedCertificate wildcard;  // *.example.org (ECDSA)
  GeneratedCertificate fallback;  // default.test (ECDSA)
  GeneratedCertificate client;    // CN=client, issued by `ca`
  GeneratedCertificate other_ca;
  GeneratedCertificate stranger;  // CN=stranger, issued by `other_ca`
};

const TestPki& GetTestPki();

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_TEST_PKI_H_
