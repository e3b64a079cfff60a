// Small conversions between BoringSSL and text, shared by the server and
// client TLS contexts.

#ifndef RINGWAY_DATAPLANE_TLS_BORINGSSL_TEXT_H_
#define RINGWAY_DATAPLANE_TLS_BORINGSSL_TEXT_H_

#include <openssl/err.h>

#include <string>
#include <vector>

namespace ringway::tls {

// The reason of the oldest error on this thread's queue, which is cleared.
inline std::string SslError() {
  uint32_t error = ERR_get_error();
  ERR_clear_error();
  const char* reason = ERR_reason_error_string(error);
  return reason != nullptr ? reason : "unknown error";
}

// ALPN protocol IDs in wire form: each prefixed by its length.
inline std::string AlpnWire(const std::vector<std::string>& protocols) {
  std::string wire;
  for (const std::string& p : protocols) {
    wire.push_back(static_cast<char>(p.size()));
    wire += p;
  }
  return wire;
}

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_BORINGSSL_TEXT_H_
