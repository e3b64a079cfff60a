#include "dataplane/codec/proxy_protocol_test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace ringway::codec {

sockaddr_storage Endpoint(const std::string& address, uint16_t port) {
  sockaddr_storage storage = {};
  auto* in = reinterpret_cast<sockaddr_in*>(&storage);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, address.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
  } else if (inet_pton(AF_INET6, address.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
  } else {
    std::fprintf(stderr, "Endpoint: bad address %s\n", address.c_str());
    std::abort();
  }
  return storage;
}

std::string EndpointText(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN];
  if (address.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(address);
    inet_ntop(AF_INET, &in.sin_addr, text, sizeof(text));
    return std::string(text) + ":" + std::to_string(ntohs(in.sin_port));
  }
  if (address.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
    return "[" + std::string(text) +
           "]:" + std::to_string(ntohs(in6.sin6_port));
  }
  return address.ss_family == AF_UNSPEC ? "?" : "family?";
}

Bytes V2Header(uint8_t ver_cmd, uint8_t fam, const Bytes& body) {
  Bytes out = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
               0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
  out.push_back(ver_cmd);
  out.push_back(fam);
  out.push_back(static_cast<uint8_t>(body.size() >> 8));
  out.push_back(static_cast<uint8_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Bytes V2Tlv(uint8_t type, const std::string& value) {
  Bytes out(3 + value.size());
  out[0] = type;
  out[1] = static_cast<uint8_t>(value.size() >> 8);
  out[2] = static_cast<uint8_t>(value.size());
  std::copy(value.begin(), value.end(), out.begin() + 3);
  return out;
}

Bytes ToBytes(const std::string& text) {
  return Bytes(text.begin(), text.end());
}

}  // namespace ringway::codec
