#include "dataplane/address/ip_text.h"

#include <arpa/inet.h>

#include <cstring>

namespace ringway::address {
namespace {

// "a.b.c.d" from four bytes in network order; returns the length.
size_t FormatIpv4(const uint8_t* bytes, char* out) {
  char* p = out;
  for (int i = 0; i < 4; ++i) {
    const unsigned byte = bytes[i];
    if (byte >= 100) *p++ = static_cast<char>('0' + byte / 100);
    if (byte >= 10) *p++ = static_cast<char>('0' + byte / 10 % 10);
    *p++ = static_cast<char>('0' + byte % 10);
    if (i < 3) *p++ = '.';
  }
  return static_cast<size_t>(p - out);
}

}  // namespace

IpText::IpText(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    length_ = FormatIpv4(reinterpret_cast<const uint8_t*>(&v4.sin_addr.s_addr),
                         text_);
  } else if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    if (IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr)) {
      length_ = FormatIpv4(&v6.sin6_addr.s6_addr[12], text_);
    } else if (inet_ntop(AF_INET6, &v6.sin6_addr, text_, sizeof(text_)) !=
               nullptr) {
      length_ = std::strlen(text_);
    }
  }
}

uint16_t PortOf(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  }
  return 0;
}

}  // namespace ringway::address
