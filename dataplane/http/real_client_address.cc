#include "dataplane/http/real_client_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string_view>
#include <vector>

#include "dataplane/http/text.h"

namespace ringway::http {
namespace {

// An IP literal as a sockaddr (port 0); false if it is not one.
bool ParseIp(std::string_view text, sockaddr_storage* out) {
  std::string ip(StripWhitespace(text));
  *out = sockaddr_storage{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(out);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
  if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    return true;
  }
  return false;
}

}  // namespace

std::string IpText(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
  } else if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], text, sizeof(text));
    } else {
      inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
    }
  }
  return text;
}

std::string RealClientIp(const route::RealIpFromHeader& config,
                         const sockaddr_storage& peer,
                         const codec::HttpHeaders& headers) {
  if (!config.enabled || !address::AnyContains(config.trusted, peer)) {
    return IpText(peer);
  }
  // Every element of every instance of the header, left to right.
  std::vector<std::string_view> elements;
  for (const codec::HttpHeader& field : headers) {
    if (!EqualsIgnoreCase(field.name, config.header)) continue;
    std::string_view rest = field.value;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view element = StripWhitespace(rest.substr(0, comma));
      if (!element.empty()) elements.push_back(element);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (elements.empty()) return IpText(peer);
  sockaddr_storage candidate;
  if (!config.recursive) {
    return ParseIp(elements.back(), &candidate) ? IpText(candidate)
                                                : IpText(peer);
  }
  // From the right: the first address that is not a trusted proxy.
  for (size_t i = elements.size(); i-- > 0;) {
    if (!ParseIp(elements[i], &candidate)) return IpText(peer);
    if (!address::AnyContains(config.trusted, candidate) || i == 0) {
      return IpText(candidate);
    }
  }
  return IpText(peer);
}

}  // namespace ringway::http
