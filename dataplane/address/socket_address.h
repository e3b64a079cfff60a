// An IPv4 or IPv6 TCP endpoint, parsed from and printed as "a.b.c.d:port" or
// "[v6]:port".
//
// Used by the config compiler (parse once), listeners and upstream connects
// (copied by value; no allocation).

#ifndef RINGWAY_DATAPLANE_ADDRESS_SOCKET_ADDRESS_H_
#define RINGWAY_DATAPLANE_ADDRESS_SOCKET_ADDRESS_H_

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ringway::address {

class SocketAddress {
 public:
  SocketAddress() = default;
  explicit SocketAddress(const sockaddr_storage& storage);

  // Accepts "127.0.0.1:80", "[::1]:443". Rejects host names (no DNS on the
  // data plane), missing or out-of-range ports.
  static absl::StatusOr<SocketAddress> Parse(std::string_view text);

  int family() const { return storage_.ss_family; }
  uint16_t port() const;
  const sockaddr* sockaddr_ptr() const {
    return reinterpret_cast<const sockaddr*>(&storage_);
  }
  socklen_t length() const;
  const sockaddr_storage& storage() const { return storage_; }
  std::string ToString() const;

  friend bool operator==(const SocketAddress& a, const SocketAddress& b) {
    return a.ToString() == b.ToString();
  }

 private:
  sockaddr_storage storage_{};
};

}  // namespace ringway::address

#endif  // RINGWAY_DATAPLANE_ADDRESS_SOCKET_ADDRESS_H_
