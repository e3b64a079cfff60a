#include "dataplane/address/socket_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dataplane/address/ip_text.h"

namespace ringway::address {
namespace {

absl::StatusOr<uint16_t> ParsePort(std::string_view text,
                                   std::string_view whole) {
  unsigned value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      value > 65535) {
    return absl::InvalidArgumentError(
        absl::StrFormat("bad port in address \"%s\" (want 0-65535)", whole));
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

SocketAddress::SocketAddress(const sockaddr_storage& storage)
    : storage_(storage) {}

absl::StatusOr<SocketAddress> SocketAddress::Parse(std::string_view text) {
  SocketAddress address;
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() ||
        text[close + 1] != ':') {
      return absl::InvalidArgumentError(
          absl::StrFormat("bad address \"%s\" (want \"[IPv6]:port\")", text));
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage_);
    v6->sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) != 1) {
      return absl::InvalidArgumentError(
          absl::StrFormat("bad IPv6 address in \"%s\"", text));
    }
    auto port = ParsePort(port_text, text);
    if (!port.ok()) return port.status();
    v6->sin6_port = htons(*port);
    return address;
  }
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "bad address \"%s\" (want \"IPv4:port\" or \"[IPv6]:port\")", text));
  }
  host = std::string(text.substr(0, colon));
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage_);
  v4->sin_family = AF_INET;
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "bad IPv4 address in \"%s\" (host names are not resolved)", text));
  }
  auto port = ParsePort(text.substr(colon + 1), text);
  if (!port.ok()) return port.status();
  v4->sin_port = htons(*port);
  return address;
}

uint16_t SocketAddress::port() const { return PortOf(storage_); }

socklen_t SocketAddress::length() const {
  return family() == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

std::string SocketAddress::ToString() const {
  char host[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET6) {
    inet_ntop(AF_INET6,
              &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr,
              host, sizeof(host));
    return absl::StrCat("[", host, "]:", port());
  }
  if (family() == AF_INET) {
    inet_ntop(AF_INET,
              &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, host,
              sizeof(host));
    return absl::StrCat(host, ":", port());
  }
  return "unspecified";
}

}  // namespace ringway::address
