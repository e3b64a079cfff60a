// Handing an established TLS connection's record layer to the kernel:
// whether this kernel can take it at all (probed once), and installing the
// keys of both directions on a socket (TCP_ULP "tls", TLS_TX, TLS_RX).
//
//   const KtlsSupport& kernel = KernelKtlsSupport();  // first call probes
//   if (kernel.Supports(ssl)) {
//     absl::Status installed = InstallKtls(fd, ssl);
//     ...  // from here on send() takes plaintext, splice() reads it
//   }
//
// The probe opens a loopback TCP pair per cipher and version and tries the
// ULP, TLS_TX and TLS_RX with throwaway keys: a kernel without the `tls` module
// (or without one cipher's crypto) says so there, once, instead of on every
// connection. Thread-safe: the result is computed once and then only read.

#ifndef RINGWAY_DATAPLANE_TLS_KTLS_SOCKET_H_
#define RINGWAY_DATAPLANE_TLS_KTLS_SOCKET_H_

#include <openssl/base.h>

#include <array>
#include <string>

#include "absl/status/status.h"
#include "dataplane/tls/ktls_keys.h"

namespace ringway::tls {

struct KtlsSupport {
  bool available = false;  // the ULP installs and takes some cipher
  // Why not, when !available ("TCP_ULP tls: No such file or directory");
  // otherwise why a cipher is missing, if one is.
  std::string reason;
  // By KtlsCipher: the kernel took TLS_TX and TLS_RX for it, TLS 1.2 and
  // 1.3.
  std::array<bool, 3> ciphers{};

  bool Supports(KtlsCipher cipher) const {
    return available && ciphers[static_cast<size_t>(cipher)];
  }
  // The version and cipher `ssl` negotiated are ones the kernel takes;
  // otherwise `*why` says which is missing.
  bool Supports(const SSL* ssl, std::string* why) const;
  // "aes-128-gcm aes-256-gcm chacha20-poly1305" or "unavailable (reason)".
  std::string Describe() const;
};

// This kernel's support, probed on the first call.
const KtlsSupport& KernelKtlsSupport();

// Probes now (tests).
KtlsSupport ProbeKtlsSupport();

// Installs the kernel's record layer on `fd` with the keys of `ssl`, whose
// handshake is complete, in both directions. `fd` must carry no unsent
// sealed output and no unread record of `ssl` (checked: an error if
// BoringSSL holds one; the sequence numbers must
// match the wire). On error the socket may be half set up: close it.
absl::Status InstallKtls(int fd, const SSL* ssl);
// The two steps of InstallKtls, for a caller that must be able to back out
// to user-space TLS: the `tls` ULP alone (no keys yet: the socket still
// carries plain bytes; fails on a socket that is no longer ESTABLISHED,
// the peer's FIN having come first), then both directions' keys.
absl::Status InstallKtlsUlp(int fd);
absl::Status InstallKtlsKeys(int fd, const SSL* ssl);

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_KTLS_SOCKET_H_
