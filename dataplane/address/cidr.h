// An IPv4 or IPv6 network ("10.0.0.0/8", "::1/128", or a bare address for a
// single host) and membership tests, for trusting PROXY protocol senders
// (nginx's set_real_ip_from). IPv4-mapped IPv6 peers (::ffff:a.b.c.d) match
// IPv4 networks.

#ifndef RINGWAY_DATAPLANE_ADDRESS_CIDR_H_
#define RINGWAY_DATAPLANE_ADDRESS_CIDR_H_

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ringway::address {

class Cidr {
 public:
  static absl::StatusOr<Cidr> Parse(std::string_view text);
  bool Contains(const sockaddr_storage& address) const;
  std::string ToString() const;

 private:
  int family_ = 0;
  std::array<uint8_t, 16> network_{};  // masked
  int prefix_ = 0;
};

// True if any network contains the address. Lists are short (a few load
// balancers): a scan beats anything cleverer.
bool AnyContains(const std::vector<Cidr>& networks,
                 const sockaddr_storage& address);

}  // namespace ringway::address

#endif  // RINGWAY_DATAPLANE_ADDRESS_CIDR_H_
