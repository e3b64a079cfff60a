// The text of an IP address without its port, as inet_ntop(3) writes it:
// "203.0.113.7", "2001:db8::1". An IPv4-mapped IPv6 address (a dual-stack
// listener's IPv4 client) is written as the IPv4 address it carries.
//
// IPv4 is formatted here by hand: glibc's inet_ntop formats IPv4 through
// sprintf, a cost every access log line and forwarded header would pay.
// Fixed size, no allocation:
//
//   address::IpText text(peer);
//   out.append(text.view());

#ifndef RINGWAY_DATAPLANE_ADDRESS_IP_TEXT_H_
#define RINGWAY_DATAPLANE_ADDRESS_IP_TEXT_H_

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string_view>

namespace ringway::address {

class IpText {
 public:
  // Empty for a family other than AF_INET and AF_INET6.
  explicit IpText(const sockaddr_storage& address);

  std::string_view view() const { return {text_, length_}; }

 private:
  char text_[INET6_ADDRSTRLEN];
  size_t length_ = 0;
};

// The port of an AF_INET or AF_INET6 address, host byte order; 0 otherwise.
uint16_t PortOf(const sockaddr_storage& address);

}  // namespace ringway::address

#endif  // RINGWAY_DATAPLANE_ADDRESS_IP_TEXT_H_
