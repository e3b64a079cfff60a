#include "dataplane/tls/ktls_record_model.h"

#include <endian.h>

#include <cstring>

namespace ringway::tls {
namespace {

constexpr size_t kHeaderBytes = 5;
constexpr size_t kTagBytes = 16;
constexpr size_t kExplicitNonceBytes = 8;

// The big-endian form TLS uses for sequence numbers.
void PutBigEndian64(uint64_t value, uint8_t* out) {
  const uint64_t big = htobe64(value);
  std::memcpy(out, &big, sizeof(big));
}

void PutHeader(uint8_t type, size_t length, uint8_t* out) {
  out[0] = type;
  out[1] = 0x03;
  out[2] = 0x03;  // TLS 1.3 records say TLS 1.2 too
  out[3] = static_cast<uint8_t>(length >> 8);
  out[4] = static_cast<uint8_t>(length);
}

// TLS 1.2 additional data: seq_num + type + version + plaintext length.
std::array<uint8_t, 13> Tls12Aad(uint64_t sequence, uint8_t type,
                                 size_t plaintext_length) {
  std::array<uint8_t, 13> aad;
  PutBigEndian64(sequence, aad.data());
  PutHeader(type, plaintext_length, aad.data() + 8);
  return aad;
}

const EVP_AEAD* AeadOf(KtlsCipher cipher) {
  switch (cipher) {
    case KtlsCipher::kAes128Gcm:
      return EVP_aead_aes_128_gcm();
    case KtlsCipher::kAes256Gcm:
      return EVP_aead_aes_256_gcm();
    case KtlsCipher::kChacha20Poly1305:
      break;
  }
  return EVP_aead_chacha20_poly1305();
}

}  // namespace

absl::StatusOr<std::unique_ptr<KtlsRecordModel>> KtlsRecordModel::Create(
    std::span<const uint8_t> crypto_info) {
  absl::StatusOr<KtlsKeys> keys = ParseCryptoInfo(crypto_info);
  if (!keys.ok()) return keys.status();
  std::unique_ptr<KtlsRecordModel> model(new KtlsRecordModel(*keys));
  if (!EVP_AEAD_CTX_init(model->aead_.get(), AeadOf(keys->cipher),
                         keys->key.data(), keys->key_length, kTagBytes,
                         nullptr)) {
    return absl::InternalError("EVP_AEAD_CTX_init failed");
  }
  return model;
}

std::array<uint8_t, 12> KtlsRecordModel::Nonce(
    const uint8_t* explicit_part) const {
  std::array<uint8_t, 12> nonce{};
  if (explicit_nonce()) {
    std::memcpy(nonce.data(), keys_.iv.data(), 4);
    std::memcpy(nonce.data() + 4, explicit_part, kExplicitNonceBytes);
    return nonce;
  }
  std::memcpy(nonce.data(), keys_.iv.data(), 12);
  uint8_t sequence[8];
  PutBigEndian64(keys_.sequence, sequence);
  for (int i = 0; i < 8; ++i) nonce[4 + i] ^= sequence[i];
  return nonce;
}

void KtlsRecordModel::Seal(uint8_t type, std::span<const uint8_t> plaintext,
                           std::vector<uint8_t>* wire) {
  std::vector<uint8_t> inner(plaintext.begin(), plaintext.end());
  if (tls13()) inner.push_back(type);  // TLSInnerPlaintext, no padding
  const size_t prefix = explicit_nonce() ? kExplicitNonceBytes : 0;
  const size_t body = prefix + inner.size() + kTagBytes;
  const size_t start = wire->size();
  wire->resize(start + kHeaderBytes + body);
  uint8_t* header = wire->data() + start;
  PutHeader(tls13() ? kContentApplicationData : type, body, header);
  uint8_t* explicit_part = header + kHeaderBytes;
  if (prefix > 0) PutBigEndian64(keys_.sequence, explicit_part);
  const std::array<uint8_t, 12> nonce = Nonce(explicit_part);
  const std::array<uint8_t, 13> aad12 =
      Tls12Aad(keys_.sequence, type, plaintext.size());
  const uint8_t* aad = tls13() ? header : aad12.data();
  const size_t aad_length = tls13() ? kHeaderBytes : aad12.size();
  size_t written = 0;
  EVP_AEAD_CTX_seal(aead_.get(), explicit_part + prefix, &written,
                    inner.size() + kTagBytes, nonce.data(), nonce.size(),
                    inner.data(), inner.size(), aad, aad_length);
  ++keys_.sequence;
}

absl::StatusOr<KtlsRecordModel::Record> KtlsRecordModel::Open(
    std::span<const uint8_t> wire, size_t* consumed) {
  *consumed = 0;
  if (wire.size() < kHeaderBytes) return absl::UnavailableError("partial");
  const size_t body = (size_t{wire[3]} << 8) | wire[4];
  if (wire.size() < kHeaderBytes + body) {
    return absl::UnavailableError("partial");
  }
  const size_t prefix = explicit_nonce() ? kExplicitNonceBytes : 0;
  if (body < prefix + kTagBytes + (tls13() ? 1 : 0)) {
    return absl::DataLossError("record too short");
  }
  const uint8_t* header = wire.data();
  const uint8_t* explicit_part = header + kHeaderBytes;
  const uint8_t* ciphertext = explicit_part + prefix;
  const size_t ciphertext_length = body - prefix;
  const std::array<uint8_t, 12> nonce = Nonce(explicit_part);
  const std::array<uint8_t, 13> aad12 =
      Tls12Aad(keys_.sequence, header[0], ciphertext_length - kTagBytes);
  const uint8_t* aad = tls13() ? header : aad12.data();
  const size_t aad_length = tls13() ? kHeaderBytes : aad12.size();
  std::vector<uint8_t> inner(ciphertext_length);
  size_t opened = 0;
  if (!EVP_AEAD_CTX_open(aead_.get(), inner.data(), &opened, inner.size(),
                         nonce.data(), nonce.size(), ciphertext,
                         ciphertext_length, aad, aad_length)) {
    return absl::DataLossError("record does not authenticate");
  }
  inner.resize(opened);
  Record record;
  record.type = header[0];
  if (tls13()) {
    while (!inner.empty() && inner.back() == 0) inner.pop_back();  // padding
    if (inner.empty()) return absl::DataLossError("no content type");
    record.type = inner.back();
    inner.pop_back();
  }
  record.plaintext.assign(inner.begin(), inner.end());
  ++keys_.sequence;
  *consumed = kHeaderBytes + body;
  return record;
}

}  // namespace ringway::tls
