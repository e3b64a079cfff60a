#include "dataplane/tls/certificate_generator.h"

#include <openssl/bn.h>
#include <openssl/bytestring.h>
#include <openssl/ec_key.h>
#include <openssl/evp.h>
#include <openssl/nid.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ringway::tls {
namespace {

constexpr long kSecondsPerDay = 24 * 60 * 60;

bssl::UniquePtr<EVP_PKEY> NewKey(KeyType type) {
  bssl::UniquePtr<EVP_PKEY> key(EVP_PKEY_new());
  if (type == KeyType::kEcdsaP256) {
    bssl::UniquePtr<EC_KEY> ec(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
    if (!ec || !EC_KEY_generate_key(ec.get()) ||
        !EVP_PKEY_assign_EC_KEY(key.get(), ec.release())) {
      return nullptr;
    }
    return key;
  }
  bssl::UniquePtr<RSA> rsa(RSA_new());
  bssl::UniquePtr<BIGNUM> e(BN_new());
  if (!rsa || !e || !BN_set_word(e.get(), RSA_F4) ||
      !RSA_generate_key_ex(rsa.get(), 2048, e.get(), nullptr) ||
      !EVP_PKEY_assign_RSA(key.get(), rsa.release())) {
    return nullptr;
  }
  return key;
}

template <typename T, typename Reader>
bssl::UniquePtr<T> FromPem(const std::string& pem, Reader read) {
  bssl::UniquePtr<BIO> bio(BIO_new_mem_buf(pem.data(), pem.size()));
  return bssl::UniquePtr<T>(read(bio.get(), nullptr, nullptr, nullptr));
}

bool AddExtension(X509* cert, X509V3_CTX* ctx, int nid,
                  const std::string& value) {
  bssl::UniquePtr<X509_EXTENSION> ext(
      X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1);
}

bool SetSubjectAndValidity(X509* cert, const CertificateRequest& request) {
  uint8_t serial_bytes[16];
  RAND_bytes(serial_bytes, sizeof(serial_bytes));
  serial_bytes[0] &= 0x7f;  // a positive INTEGER
  bssl::UniquePtr<BIGNUM> serial(
      BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr));
  bssl::UniquePtr<ASN1_INTEGER> asn1_serial(
      BN_to_ASN1_INTEGER(serial.get(), nullptr));
  X509_NAME* name = X509_get_subject_name(cert);
  return X509_set_version(cert, X509_VERSION_3) &&
         X509_set_serialNumber(cert, asn1_serial.get()) &&
         X509_gmtime_adj(X509_getm_notBefore(cert),
                         request.not_before_days * kSecondsPerDay) &&
         X509_gmtime_adj(
             X509_getm_notAfter(cert),
             (request.not_before_days + request.days) * kSecondsPerDay) &&
         X509_NAME_add_entry_by_txt(
             name, "CN", MBSTRING_UTF8,
             reinterpret_cast<const uint8_t*>(request.common_name.data()),
             static_cast<int>(request.common_name.size()), -1, 0);
}

bool AddExtensions(X509* cert, X509* issuer, const CertificateRequest& r) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  bool ok = AddExtension(cert, &ctx, NID_basic_constraints,
                         r.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE") &&
            AddExtension(cert, &ctx, NID_key_usage,
                         r.is_ca ? "critical,keyCertSign,cRLSign"
                                 : "critical,digitalSignature,"
                                   "keyEncipherment") &&
            AddExtension(cert, &ctx, NID_subject_key_identifier, "hash");
  if (ok && !r.is_ca) {
    ok = AddExtension(cert, &ctx, NID_ext_key_usage, "serverAuth,clientAuth");
  }
  if (ok && issuer != cert) {
    ok = AddExtension(cert, &ctx, NID_authority_key_identifier, "keyid:always");
  }
  if (ok && !r.dns_names.empty()) {
    ok = AddExtension(cert, &ctx, NID_subject_alt_name,
                      "DNS:" + absl::StrJoin(r.dns_names, ",DNS:"));
  }
  return ok;
}

absl::StatusOr<GeneratedCertificate> ToPem(X509* cert, EVP_PKEY* key) {
  bssl::UniquePtr<BIO> cert_bio(BIO_new(BIO_s_mem()));
  bssl::UniquePtr<BIO> key_bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509(cert_bio.get(), cert) ||
      !PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0,
                                nullptr, nullptr)) {
    return absl::InternalError("cannot write PEM");
  }
  const uint8_t* data;
  size_t length;
  GeneratedCertificate out;
  BIO_mem_contents(cert_bio.get(), &data, &length);
  out.cert_pem.assign(reinterpret_cast<const char*>(data), length);
  BIO_mem_contents(key_bio.get(), &data, &length);
  out.key_pem.assign(reinterpret_cast<const char*>(data), length);
  return out;
}

}  // namespace

absl::StatusOr<GeneratedCertificate> GenerateCertificate(
    const CertificateRequest& request) {
  bssl::UniquePtr<EVP_PKEY> key = NewKey(request.key_type);
  if (!key) return absl::InternalError("key generation failed");
  bssl::UniquePtr<X509> cert(X509_new());
  bssl::UniquePtr<X509> issuer_cert;
  bssl::UniquePtr<EVP_PKEY> issuer_key;
  if (request.issuer != nullptr) {
    issuer_cert = FromPem<X509>(request.issuer->cert_pem, PEM_read_bio_X509);
    issuer_key =
        FromPem<EVP_PKEY>(request.issuer->key_pem, PEM_read_bio_PrivateKey);
    if (!issuer_cert || !issuer_key) {
      return absl::InvalidArgumentError("issuer: unreadable PEM");
    }
  }
  X509* issuer = issuer_cert ? issuer_cert.get() : cert.get();
  EVP_PKEY* signing_key = issuer_key ? issuer_key.get() : key.get();
  if (!SetSubjectAndValidity(cert.get(), request) ||
      !X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer)) ||
      !X509_set_pubkey(cert.get(), key.get()) ||
      !AddExtensions(cert.get(), issuer, request) ||
      !X509_sign(cert.get(), signing_key, EVP_sha256())) {
    return absl::InternalError(
        absl::StrCat("cannot build certificate for ", request.common_name));
  }
  return ToPem(cert.get(), key.get());
}

}  // namespace ringway::tls
