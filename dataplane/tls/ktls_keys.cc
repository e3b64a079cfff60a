#include "dataplane/tls/ktls_keys.h"

#include <endian.h>
#include <linux/tls.h>
#include <openssl/digest.h>
#include <openssl/hkdf.h>
#include <openssl/nid.h>
#include <openssl/ssl.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"

namespace ringway::tls {
namespace {

constexpr uint16_t kTls12 = 0x0303;
constexpr uint16_t kTls13 = 0x0304;

// The big-endian form TLS uses for sequence numbers.
void PutBigEndian64(uint64_t value, uint8_t* out) {
  const uint64_t big = htobe64(value);
  std::memcpy(out, &big, sizeof(big));
}

uint64_t GetBigEndian64(const uint8_t* in) {
  uint64_t big;
  std::memcpy(&big, in, sizeof(big));
  return be64toh(big);
}

absl::StatusOr<KtlsCipher> CipherOf(const SSL* ssl) {
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  if (cipher == nullptr) return absl::FailedPreconditionError("no cipher yet");
  switch (SSL_CIPHER_get_cipher_nid(cipher)) {
    case NID_aes_128_gcm:
      return KtlsCipher::kAes128Gcm;
    case NID_aes_256_gcm:
      return KtlsCipher::kAes256Gcm;
    case NID_chacha20_poly1305:
      return KtlsCipher::kChacha20Poly1305;
    default:
      return absl::UnimplementedError(absl::StrFormat(
          "cipher %s has no kernel TLS support", SSL_CIPHER_get_name(cipher)));
  }
}

size_t KeyLength(KtlsCipher cipher) {
  return cipher == KtlsCipher::kAes128Gcm ? 16 : 32;
}

// HKDF-Expand-Label(secret, label, "", length) (RFC 8446 section 7.1).
bool ExpandLabel(const EVP_MD* digest, std::span<const uint8_t> secret,
                 const std::string& label, uint8_t* out, size_t length) {
  const std::string full_label = "tls13 " + label;
  std::vector<uint8_t> info;
  info.push_back(static_cast<uint8_t>(length >> 8));
  info.push_back(static_cast<uint8_t>(length));
  info.push_back(static_cast<uint8_t>(full_label.size()));
  info.insert(info.end(), full_label.begin(), full_label.end());
  info.push_back(0);  // empty context
  return HKDF_expand(out, length, digest, secret.data(), secret.size(),
                     info.data(), info.size()) == 1;
}

absl::Status ExportTls12(const SSL* ssl, KtlsDirection direction,
                         KtlsKeys* keys) {
  const size_t key_length = keys->key_length;
  // AEAD suites have no MAC keys: client key, server key, client IV,
  // server IV.
  const size_t iv_length =
      keys->cipher == KtlsCipher::kChacha20Poly1305 ? 12 : 4;
  std::vector<uint8_t> block(SSL_get_key_block_len(ssl));
  if (block.size() != 2 * (key_length + iv_length)) {
    return absl::InternalError(absl::StrFormat(
        "unexpected TLS 1.2 key block of %d bytes", block.size()));
  }
  if (!SSL_generate_key_block(ssl, block.data(), block.size())) {
    return absl::InternalError("SSL_generate_key_block failed");
  }
  // Our writes use our side's keys; our reads the peer's.
  const bool client_keys =
      (SSL_is_server(ssl) != 0) == (direction == KtlsDirection::kReceive);
  const uint8_t* key = block.data() + (client_keys ? 0 : key_length);
  const uint8_t* iv =
      block.data() + 2 * key_length + (client_keys ? 0 : iv_length);
  std::memcpy(keys->key.data(), key, key_length);
  std::memcpy(keys->iv.data(), iv, iv_length);
  keys->iv_length = iv_length;
  return absl::OkStatus();
}

absl::Status ExportTls13(const SSL* ssl, KtlsDirection direction,
                         KtlsKeys* keys) {
  bssl::Span<const uint8_t> read_secret, write_secret;
  if (!bssl::SSL_get_traffic_secrets(ssl, &read_secret, &write_secret)) {
    return absl::FailedPreconditionError("no TLS 1.3 traffic secrets");
  }
  const bssl::Span<const uint8_t> secret =
      direction == KtlsDirection::kTransmit ? write_secret : read_secret;
  const EVP_MD* digest =
      keys->cipher == KtlsCipher::kAes256Gcm ? EVP_sha384() : EVP_sha256();
  const std::span<const uint8_t> bytes(secret.data(), secret.size());
  if (!ExpandLabel(digest, bytes, "key", keys->key.data(), keys->key_length) ||
      !ExpandLabel(digest, bytes, "iv", keys->iv.data(), 12)) {
    return absl::InternalError("HKDF-Expand-Label failed");
  }
  keys->iv_length = 12;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<KtlsKeys> ExportKtlsKeys(const SSL* ssl,
                                        KtlsDirection direction) {
  if (!SSL_is_init_finished(ssl)) {
    return absl::FailedPreconditionError("the handshake is not complete");
  }
  KtlsKeys keys;
  keys.version = static_cast<uint16_t>(SSL_version(ssl));
  if (keys.version != kTls12 && keys.version != kTls13) {
    return absl::UnimplementedError(
        absl::StrFormat("%s has no kernel TLS support", SSL_get_version(ssl)));
  }
  absl::StatusOr<KtlsCipher> cipher = CipherOf(ssl);
  if (!cipher.ok()) return cipher.status();
  keys.cipher = *cipher;
  keys.key_length = KeyLength(keys.cipher);
  absl::Status exported = keys.version == kTls12
                              ? ExportTls12(ssl, direction, &keys)
                              : ExportTls13(ssl, direction, &keys);
  if (!exported.ok()) return exported;
  keys.sequence = direction == KtlsDirection::kTransmit
                      ? SSL_get_write_sequence(ssl)
                      : SSL_get_read_sequence(ssl);
  return keys;
}

KtlsCryptoInfo::KtlsCryptoInfo(const KtlsKeys& keys) {
  uint8_t rec_seq[8];
  PutBigEndian64(keys.sequence, rec_seq);
  auto fill_gcm = [&](auto& info, uint16_t cipher_type) {
    info.info.version = keys.version;
    info.info.cipher_type = cipher_type;
    std::memcpy(info.key, keys.key.data(), sizeof(info.key));
    std::memcpy(info.salt, keys.iv.data(), sizeof(info.salt));
    if (keys.version == kTls13) {
      std::memcpy(info.iv, keys.iv.data() + 4, sizeof(info.iv));
    } else {
      // TLS 1.2: the explicit nonce of the next record, which the kernel
      // counts up per record; BoringSSL uses the sequence number too.
      std::memcpy(info.iv, rec_seq, sizeof(info.iv));
    }
    std::memcpy(info.rec_seq, rec_seq, sizeof(info.rec_seq));
    std::memcpy(bytes_.data(), &info, sizeof(info));
    size_ = sizeof(info);
  };
  switch (keys.cipher) {
    case KtlsCipher::kAes128Gcm: {
      tls12_crypto_info_aes_gcm_128 info{};
      fill_gcm(info, TLS_CIPHER_AES_GCM_128);
      break;
    }
    case KtlsCipher::kAes256Gcm: {
      tls12_crypto_info_aes_gcm_256 info{};
      fill_gcm(info, TLS_CIPHER_AES_GCM_256);
      break;
    }
    case KtlsCipher::kChacha20Poly1305: {
      tls12_crypto_info_chacha20_poly1305 info{};
      info.info.version = keys.version;
      info.info.cipher_type = TLS_CIPHER_CHACHA20_POLY1305;
      std::memcpy(info.key, keys.key.data(), sizeof(info.key));
      std::memcpy(info.iv, keys.iv.data(), sizeof(info.iv));
      std::memcpy(info.rec_seq, rec_seq, sizeof(info.rec_seq));
      std::memcpy(bytes_.data(), &info, sizeof(info));
      size_ = sizeof(info);
      break;
    }
  }
  static_assert(sizeof(tls12_crypto_info_aes_gcm_256) <= sizeof(bytes_));
}

absl::StatusOr<KtlsKeys> ParseCryptoInfo(std::span<const uint8_t> bytes) {
  tls_crypto_info header;
  if (bytes.size() < sizeof(header)) {
    return absl::InvalidArgumentError("crypto info too short");
  }
  std::memcpy(&header, bytes.data(), sizeof(header));
  KtlsKeys keys;
  keys.version = header.version;
  if (keys.version != kTls12 && keys.version != kTls13) {
    return absl::InvalidArgumentError("unknown TLS version");
  }
  auto parse_gcm = [&](auto info, KtlsCipher cipher) -> absl::Status {
    if (bytes.size() != sizeof(info)) {
      return absl::InvalidArgumentError("crypto info of the wrong size");
    }
    std::memcpy(&info, bytes.data(), sizeof(info));
    keys.cipher = cipher;
    keys.key_length = sizeof(info.key);
    std::memcpy(keys.key.data(), info.key, sizeof(info.key));
    std::memcpy(keys.iv.data(), info.salt, sizeof(info.salt));
    keys.iv_length = sizeof(info.salt);
    if (keys.version == kTls13) {
      std::memcpy(keys.iv.data() + 4, info.iv, sizeof(info.iv));
      keys.iv_length = 12;
    }
    keys.sequence = GetBigEndian64(info.rec_seq);
    return absl::OkStatus();
  };
  absl::Status parsed;
  switch (header.cipher_type) {
    case TLS_CIPHER_AES_GCM_128:
      parsed =
          parse_gcm(tls12_crypto_info_aes_gcm_128{}, KtlsCipher::kAes128Gcm);
      break;
    case TLS_CIPHER_AES_GCM_256:
      parsed =
          parse_gcm(tls12_crypto_info_aes_gcm_256{}, KtlsCipher::kAes256Gcm);
      break;
    case TLS_CIPHER_CHACHA20_POLY1305: {
      tls12_crypto_info_chacha20_poly1305 info{};
      if (bytes.size() != sizeof(info)) {
        return absl::InvalidArgumentError("crypto info of the wrong size");
      }
      std::memcpy(&info, bytes.data(), sizeof(info));
      keys.cipher = KtlsCipher::kChacha20Poly1305;
      keys.key_length = sizeof(info.key);
      std::memcpy(keys.key.data(), info.key, sizeof(info.key));
      std::memcpy(keys.iv.data(), info.iv, sizeof(info.iv));
      keys.iv_length = sizeof(info.iv);
      keys.sequence = GetBigEndian64(info.rec_seq);
      break;
    }
    default:
      return absl::InvalidArgumentError("unknown cipher type");
  }
  if (!parsed.ok()) return parsed;
  return keys;
}

}  // namespace ringway::tls
