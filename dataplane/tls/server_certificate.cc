#include "dataplane/tls/server_certificate.h"

#include <openssl/bytestring.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace ringway::tls {
namespace {

std::string Lower(const uint8_t* data, int length) {
  return absl::AsciiStrToLower(
      std::string(reinterpret_cast<const char*>(data), length));
}

// subjectAltName dNSNames; the CN only when there are none (RFC 6125 6.4.4).
std::vector<std::string> NamesOf(X509* leaf) {
  std::vector<std::string> names;
  bssl::UniquePtr<GENERAL_NAMES> sans(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr)));
  for (size_t i = 0; sans && i < sk_GENERAL_NAME_num(sans.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans.get(), i);
    if (name->type != GEN_DNS) continue;
    names.push_back(Lower(ASN1_STRING_get0_data(name->d.dNSName),
                          ASN1_STRING_length(name->d.dNSName)));
  }
  if (!names.empty()) return names;
  X509_NAME* subject = X509_get_subject_name(leaf);
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    ASN1_STRING* cn =
        X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    names.push_back(Lower(ASN1_STRING_get0_data(cn), ASN1_STRING_length(cn)));
  }
  return names;
}

bssl::UniquePtr<CRYPTO_BUFFER> ToBuffer(X509* cert) {
  uint8_t* der = nullptr;
  int length = i2d_X509(cert, &der);
  if (length <= 0) return nullptr;
  bssl::UniquePtr<uint8_t> owned(der);
  return bssl::UniquePtr<CRYPTO_BUFFER>(
      CRYPTO_BUFFER_new(der, static_cast<size_t>(length), nullptr));
}

}  // namespace

std::vector<bssl::UniquePtr<X509>> ReadPemCertificates(std::string_view pem) {
  std::vector<bssl::UniquePtr<X509>> certs;
  bssl::UniquePtr<BIO> bio(BIO_new_mem_buf(pem.data(), pem.size()));
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(cert);
  }
  ERR_clear_error();  // the read that ended the loop
  return certs;
}

absl::StatusOr<std::shared_ptr<const ServerCertificate>>
ServerCertificate::FromPem(std::string_view chain_pem, std::string_view key_pem,
                           std::string ocsp_der) {
  std::vector<bssl::UniquePtr<X509>> chain = ReadPemCertificates(chain_pem);
  if (chain.empty()) {
    return absl::InvalidArgumentError("no PEM certificate found");
  }
  bssl::UniquePtr<BIO> key_bio(BIO_new_mem_buf(key_pem.data(), key_pem.size()));
  bssl::UniquePtr<EVP_PKEY> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key) return absl::InvalidArgumentError("no PEM private key found");
  if (!X509_check_private_key(chain[0].get(), key.get())) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        "the private key does not match the first certificate");
  }
  const int type = EVP_PKEY_id(key.get());
  if (type != EVP_PKEY_EC && type != EVP_PKEY_RSA) {
    return absl::InvalidArgumentError("key type must be ECDSA or RSA");
  }
  if (X509_cmp_current_time(X509_get0_notAfter(chain[0].get())) < 0) {
    return absl::InvalidArgumentError("the certificate has expired");
  }
  auto cert = std::make_shared<ServerCertificate>();
  cert->names_ = NamesOf(chain[0].get());
  cert->is_ecdsa_ = type == EVP_PKEY_EC;
  for (auto& x509 : chain) {
    bssl::UniquePtr<CRYPTO_BUFFER> buffer = ToBuffer(x509.get());
    if (!buffer) return absl::InvalidArgumentError("cannot encode certificate");
    cert->chain_pointers_.push_back(buffer.get());
    cert->chain_.push_back(std::move(buffer));
  }
  cert->key_ = std::move(key);
  cert->ocsp_der_ = std::move(ocsp_der);
  return std::shared_ptr<const ServerCertificate>(std::move(cert));
}

}  // namespace ringway::tls
