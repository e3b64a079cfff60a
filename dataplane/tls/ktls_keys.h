// The keys of one direction of an established TLS connection, in the form
// the kernel's TLS record layer takes them (setsockopt SOL_TLS TLS_TX /
// TLS_RX, <linux/tls.h>), exported from BoringSSL after the handshake.
//
// TLS 1.2: key and fixed IV from the key block (RFC 5246 section 6.3),
// sequence numbers from BoringSSL. TLS 1.3: key and IV derived from the
// traffic secret with HKDF-Expand-Label (RFC 8446 section 7.3), with the
// hash of the cipher suite. AES-128-GCM, AES-256-GCM and
// ChaCha20-Poly1305, the AEADs both BoringSSL and the kernel have.
//
//   auto keys = ExportKtlsKeys(ssl, KtlsDirection::kTransmit);
//   KtlsCryptoInfo info = ToCryptoInfo(*keys);
//   setsockopt(fd, SOL_TLS, TLS_TX, info.data(), info.size());
//
// NOTE: export only when BoringSSL holds no unsent output for the direction
// (TX) and has not buffered records past the handshake that the kernel
// would then never see (RX): the sequence numbers must match what is on
// the wire.

#ifndef RINGWAY_DATAPLANE_TLS_KTLS_KEYS_H_
#define RINGWAY_DATAPLANE_TLS_KTLS_KEYS_H_

#include <openssl/base.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "absl/status/statusor.h"

namespace ringway::tls {

enum class KtlsCipher : uint8_t { kAes128Gcm, kAes256Gcm, kChacha20Poly1305 };

// kTransmit: the records this side writes; kReceive: those it reads.
enum class KtlsDirection : uint8_t { kTransmit, kReceive };

struct KtlsKeys {
  uint16_t version = 0;  // 0x0303 (TLS 1.2) or 0x0304 (TLS 1.3)
  KtlsCipher cipher = KtlsCipher::kAes128Gcm;
  std::array<uint8_t, 32> key{};
  size_t key_length = 0;  // 16 or 32
  // The write IV: 12 bytes, except TLS 1.2 AES-GCM's 4-byte implicit part
  // (the other 8 travel in each record as the explicit nonce).
  std::array<uint8_t, 12> iv{};
  size_t iv_length = 0;
  uint64_t sequence = 0;  // of the next record in this direction

  bool operator==(const KtlsKeys&) const = default;
};

// The keys of `direction` of `ssl`, whose handshake is complete. Fails on
// versions and ciphers the kernel cannot take (naming them).
absl::StatusOr<KtlsKeys> ExportKtlsKeys(const SSL* ssl,
                                        KtlsDirection direction);

// The bytes of the kernel's tls12_crypto_info_* struct for `keys` (for
// TLS 1.3 as well: the kernel uses the same structs). Large enough for
// every cipher.
class KtlsCryptoInfo {
 public:
  explicit KtlsCryptoInfo(const KtlsKeys& keys);
  const void* data() const { return bytes_.data(); }
  size_t size() const { return size_; }
  std::span<const uint8_t> bytes() const { return {bytes_.data(), size_}; }

 private:
  std::array<uint8_t, 64> bytes_{};
  size_t size_ = 0;
};

// The kernel's struct read back: what the kernel will use. For tests and
// the software model of the record layer.
absl::StatusOr<KtlsKeys> ParseCryptoInfo(std::span<const uint8_t> bytes);

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_KTLS_KEYS_H_
