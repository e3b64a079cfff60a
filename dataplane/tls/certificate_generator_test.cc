#include "dataplane/tls/certificate_generator.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dataplane/tls/server_certificate.h"
#include "gtest/gtest.h"

namespace ringway::tls {
namespace {

bssl::UniquePtr<X509> ReadCert(const std::string& pem) {
  bssl::UniquePtr<BIO> bio(BIO_new_mem_buf(pem.data(), pem.size()));
  return bssl::UniquePtr<X509>(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// Issued by `issuer`: its issuer name is the issuer's subject and the
// issuer's key verifies its signature.
bool IssuedBy(const GeneratedCertificate& cert,
              const GeneratedCertificate& issuer) {
  bssl::UniquePtr<X509> x509 = ReadCert(cert.cert_pem);
  bssl::UniquePtr<X509> issuer_x509 = ReadCert(issuer.cert_pem);
  bssl::UniquePtr<EVP_PKEY> key(X509_get_pubkey(issuer_x509.get()));
  return X509_NAME_cmp(X509_get_issuer_name(x509.get()),
                       X509_get_subject_name(issuer_x509.get())) == 0 &&
         X509_verify(x509.get(), key.get()) == 1;
}

bool CoversHost(const GeneratedCertificate& cert, const std::string& host) {
  bssl::UniquePtr<X509> x509 = ReadCert(cert.cert_pem);
  return X509_check_host(x509.get(), host.data(), host.size(), 0, nullptr) == 1;
}

TEST(CertificateGeneratorTest, LeafIssuedByCaVerifiesForItsName) {
  auto ca = GenerateCertificate({.common_name = "CA", .is_ca = true});
  ASSERT_TRUE(ca.ok()) << ca.status();
  auto leaf = GenerateCertificate({.common_name = "www.example.org",
                                   .dns_names = {"www.example.org"},
                                   .issuer = &*ca});
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  EXPECT_TRUE(IssuedBy(*leaf, *ca));
  EXPECT_TRUE(CoversHost(*leaf, "www.example.org"));
  EXPECT_FALSE(CoversHost(*leaf, "other.example.org"));
  auto other_ca = GenerateCertificate({.common_name = "CA2", .is_ca = true});
  EXPECT_FALSE(IssuedBy(*leaf, *other_ca));
}

TEST(CertificateGeneratorTest, SelfSignedRsaLoadsAsServerCertificate) {
  auto cert = GenerateCertificate({.common_name = "localhost",
                                   .dns_names = {"localhost", "Example.TEST"},
                                   .key_type = KeyType::kRsa2048});
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_TRUE(IssuedBy(*cert, *cert));
  EXPECT_TRUE(CoversHost(*cert, "localhost"));
  auto loaded = ServerCertificate::FromPem(cert->cert_pem, cert->key_pem);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_FALSE((*loaded)->is_ecdsa());
  EXPECT_EQ((*loaded)->names(),
            (std::vector<std::string>{"localhost", "example.test"}));
}

TEST(CertificateGeneratorTest, ExpiredCertificateIsRefusedOnLoad) {
  auto cert = GenerateCertificate(
      {.common_name = "old", .not_before_days = -10, .days = 5});
  ASSERT_TRUE(cert.ok());
  auto loaded = ServerCertificate::FromPem(cert->cert_pem, cert->key_pem);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(), "the certificate has expired");
}

TEST(CertificateGeneratorTest, MismatchedKeyIsRefusedOnLoad) {
  auto a = GenerateCertificate({.common_name = "a"});
  auto b = GenerateCertificate({.common_name = "b"});
  auto loaded = ServerCertificate::FromPem(a->cert_pem, b->key_pem);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(),
            "the private key does not match the first certificate");
  EXPECT_FALSE(ServerCertificate::FromPem("", a->key_pem).ok());
}

}  // namespace
}  // namespace ringway::tls
