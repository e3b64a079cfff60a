#include "dataplane/tls/ktls_socket.h"

#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef SOL_TLS
#define SOL_TLS 282
#endif

namespace ringway::tls {
namespace {

constexpr const char* kCipherNames[] = {"aes-128-gcm", "aes-256-gcm",
                                        "chacha20-poly1305"};

// Closes the fds it holds.
struct LoopbackPair {
  int client = -1;
  int server = -1;
  int listener = -1;
  ~LoopbackPair() {
    for (int fd : {client, server, listener}) {
      if (fd >= 0) close(fd);
    }
  }
};

// A connected TCP pair over 127.0.0.1, or "" → the error.
std::string Connect(LoopbackPair* pair) {
  pair->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  pair->client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (pair->listener < 0 || pair->client < 0) {
    return absl::StrCat("socket: ", std::strerror(errno));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (bind(pair->listener, reinterpret_cast<sockaddr*>(&address),
           sizeof(address)) != 0 ||
      listen(pair->listener, 1) != 0 ||
      getsockname(pair->listener, reinterpret_cast<sockaddr*>(&address),
                  &length) != 0 ||
      connect(pair->client, reinterpret_cast<sockaddr*>(&address),
              sizeof(address)) != 0) {
    return absl::StrCat("loopback: ", std::strerror(errno));
  }
  pair->server = accept4(pair->listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (pair->server < 0) return absl::StrCat("accept: ", std::strerror(errno));
  return "";
}

std::string InstallUlp(int fd) {
  if (setsockopt(fd, SOL_TCP, TCP_ULP, "tls", sizeof("tls")) != 0) {
    return absl::StrCat("TCP_ULP tls: ", std::strerror(errno));
  }
  return "";
}

// Both directions of `cipher` in `version`, throwaway keys, on a fresh
// pair: "" if the kernel took them.
std::string TryCipher(uint16_t version, KtlsCipher cipher) {
  LoopbackPair pair;
  std::string error = Connect(&pair);
  if (error.empty()) error = InstallUlp(pair.client);
  if (!error.empty()) return error;
  KtlsKeys keys;
  keys.version = version;
  keys.cipher = cipher;
  keys.key_length = cipher == KtlsCipher::kAes128Gcm ? 16 : 32;
  keys.iv_length =
      version == TLS1_2_VERSION && cipher != KtlsCipher::kChacha20Poly1305 ? 4
                                                                           : 12;
  KtlsCryptoInfo info(keys);
  for (int direction : {TLS_TX, TLS_RX}) {
    if (setsockopt(pair.client, SOL_TLS, direction, info.data(),
                   static_cast<socklen_t>(info.size())) != 0) {
      return absl::StrCat(
          direction == TLS_TX ? "TLS_TX " : "TLS_RX ",
          kCipherNames[static_cast<int>(cipher)],
          version == TLS1_2_VERSION ? " (TLS 1.2): " : " (TLS 1.3): ",
          std::strerror(errno));
    }
  }
  return "";
}

}  // namespace

bool KtlsSupport::Supports(const SSL* ssl, std::string* why) const {
  if (!available) {
    *why = "kernel: " + reason;
    return false;
  }
  const uint16_t version = SSL_version(ssl);
  if (version != TLS1_2_VERSION && version != TLS1_3_VERSION) {
    *why = absl::StrCat(SSL_get_version(ssl), " has no kernel TLS");
    return false;
  }
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  int index = -1;
  switch (cipher != nullptr ? SSL_CIPHER_get_cipher_nid(cipher) : 0) {
    case NID_aes_128_gcm:
      index = 0;
      break;
    case NID_aes_256_gcm:
      index = 1;
      break;
    case NID_chacha20_poly1305:
      index = 2;
      break;
    default:
      break;
  }
  if (index < 0 || !ciphers[index]) {
    *why = absl::StrCat(
        "cipher ", cipher != nullptr ? SSL_CIPHER_get_name(cipher) : "?",
        index < 0 ? " has no kernel TLS" : " refused by the kernel");
    return false;
  }
  return true;
}

std::string KtlsSupport::Describe() const {
  if (!available) return absl::StrCat("unavailable (", reason, ")");
  std::string out;
  for (size_t i = 0; i < ciphers.size(); ++i) {
    if (!ciphers[i]) continue;
    if (!out.empty()) out += " ";
    out += kCipherNames[i];
  }
  return out.empty() ? "no cipher (" + reason + ")" : out;
}

// A cipher counts only if the kernel takes it both ways in both versions.
// One cipher's failure (or a loopback pair that could not be made) leaves
// the others as found; kTLS is available if any cipher is.
KtlsSupport ProbeKtlsSupport() {
  KtlsSupport support;
  for (KtlsCipher cipher : {KtlsCipher::kAes128Gcm, KtlsCipher::kAes256Gcm,
                            KtlsCipher::kChacha20Poly1305}) {
    std::string error;
    for (uint16_t version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
      if (error.empty()) error = TryCipher(version, cipher);
    }
    if (error.empty()) {
      support.available = true;
      support.ciphers[static_cast<size_t>(cipher)] = true;
    } else if (support.reason.empty()) {
      support.reason = error;
    }
  }
  return support;
}

const KtlsSupport& KernelKtlsSupport() {
  static const KtlsSupport* const support = new KtlsSupport(ProbeKtlsSupport());
  return *support;
}

absl::Status InstallKtlsUlp(int fd) {
  std::string error = InstallUlp(fd);
  return error.empty() ? absl::OkStatus() : absl::UnavailableError(error);
}

absl::Status InstallKtls(int fd, const SSL* ssl) {
  absl::Status ulp = InstallKtlsUlp(fd);
  return ulp.ok() ? InstallKtlsKeys(fd, ssl) : ulp;
}

absl::Status InstallKtlsKeys(int fd, const SSL* ssl) {
  // A record BoringSSL read but did not hand out would be lost: the
  // kernel's sequence numbers start after it.
  if (SSL_has_pending(ssl)) {
    return absl::InternalError("BoringSSL holds an unread record");
  }
  absl::StatusOr<KtlsKeys> tx = ExportKtlsKeys(ssl, KtlsDirection::kTransmit);
  if (!tx.ok()) return tx.status();
  absl::StatusOr<KtlsKeys> rx = ExportKtlsKeys(ssl, KtlsDirection::kReceive);
  if (!rx.ok()) return rx.status();
  KtlsCryptoInfo tx_info(*tx);
  if (setsockopt(fd, SOL_TLS, TLS_TX, tx_info.data(),
                 static_cast<socklen_t>(tx_info.size())) != 0) {
    return absl::UnavailableError(
        absl::StrCat("TLS_TX: ", std::strerror(errno)));
  }
  KtlsCryptoInfo rx_info(*rx);
  if (setsockopt(fd, SOL_TLS, TLS_RX, rx_info.data(),
                 static_cast<socklen_t>(rx_info.size())) != 0) {
    return absl::UnavailableError(
        absl::StrCat("TLS_RX: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace ringway::tls
