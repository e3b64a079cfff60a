// A software model of the kernel's TLS record layer (net/tls) for one
// direction, built from the same crypto info bytes ringway gives
// setsockopt(SOL_TLS): it seals records as a kTLS TX socket writes them and
// opens records as a kTLS RX socket reads them, with BoringSSL's AEADs.
// Tests use it to show that exported keys work where the kernel has no
// `tls` module; the VM tests show the same with the real kernel.
//
//   auto tx = KtlsRecordModel::Create(KtlsCryptoInfo(keys).bytes());
//   (*tx)->Seal(kApplicationData, plaintext, &wire);
//   auto record = (*rx)->Open(wire, &consumed);
//
// Test-only. Record sizes up to 16 KiB of plaintext.

#ifndef RINGWAY_DATAPLANE_TLS_KTLS_RECORD_MODEL_H_
#define RINGWAY_DATAPLANE_TLS_KTLS_RECORD_MODEL_H_

#include <openssl/aead.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/tls/ktls_keys.h"

namespace ringway::tls {

inline constexpr uint8_t kContentHandshake = 22;
inline constexpr uint8_t kContentApplicationData = 23;

class KtlsRecordModel {
 public:
  struct Record {
    uint8_t type = 0;  // the real content type (TLS 1.3: the inner one)
    std::string plaintext;
  };

  static absl::StatusOr<std::unique_ptr<KtlsRecordModel>> Create(
      std::span<const uint8_t> crypto_info);

  // Appends one record of `type` carrying `plaintext` to `wire`.
  void Seal(uint8_t type, std::span<const uint8_t> plaintext,
            std::vector<uint8_t>* wire);
  // Opens the record at the start of `wire`; `*consumed` is its size.
  // kUnavailable while the record is incomplete; any other error means the
  // record does not authenticate under these keys.
  absl::StatusOr<Record> Open(std::span<const uint8_t> wire, size_t* consumed);

  uint64_t sequence() const { return keys_.sequence; }

 private:
  explicit KtlsRecordModel(const KtlsKeys& keys) : keys_(keys) {}
  // The per-record nonce: TLS 1.2 AES-GCM is the salt and the explicit
  // part; the others are the IV XOR the sequence number.
  std::array<uint8_t, 12> Nonce(const uint8_t* explicit_part) const;
  bool tls13() const { return keys_.version == 0x0304; }
  bool explicit_nonce() const {
    return !tls13() && keys_.cipher != KtlsCipher::kChacha20Poly1305;
  }

  KtlsKeys keys_;
  bssl::ScopedEVP_AEAD_CTX aead_;
};

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_KTLS_RECORD_MODEL_H_
