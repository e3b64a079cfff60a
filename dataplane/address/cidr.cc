#include "dataplane/address/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace ringway::address {
namespace {

void Mask(std::array<uint8_t, 16>& bytes, int prefix) {
  for (int i = 0; i < 16; ++i) {
    int keep = std::clamp(prefix - i * 8, 0, 8);
    bytes[i] &= static_cast<uint8_t>(0xff00 >> keep);
  }
}

// The address as (family, 16 bytes), unmapping ::ffff:a.b.c.d to IPv4.
int Normalise(const sockaddr_storage& address, std::array<uint8_t, 16>* out) {
  out->fill(0);
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    std::memcpy(out->data(), &v4->sin_addr, 4);
    return AF_INET;
  }
  if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      std::memcpy(out->data(), v6->sin6_addr.s6_addr + 12, 4);
      return AF_INET;
    }
    std::memcpy(out->data(), v6->sin6_addr.s6_addr, 16);
    return AF_INET6;
  }
  return 0;
}

}  // namespace

absl::StatusOr<Cidr> Cidr::Parse(std::string_view text) {
  Cidr cidr;
  size_t slash = text.find('/');
  std::string host(text.substr(0, slash));
  if (inet_pton(AF_INET, host.c_str(), cidr.network_.data()) == 1) {
    cidr.family_ = AF_INET;
  } else if (inet_pton(AF_INET6, host.c_str(), cidr.network_.data()) == 1) {
    cidr.family_ = AF_INET6;
  } else {
    return absl::InvalidArgumentError(
        absl::StrFormat("bad network \"%s\" (want \"a.b.c.d/n\" or "
                        "\"v6::/n\")",
                        text));
  }
  int max_prefix = cidr.family_ == AF_INET ? 32 : 128;
  cidr.prefix_ = max_prefix;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(
        digits.data(), digits.data() + digits.size(), cidr.prefix_);
    if (digits.empty() || ec != std::errc() ||
        end != digits.data() + digits.size() || cidr.prefix_ < 0 ||
        cidr.prefix_ > max_prefix) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "bad prefix length in \"%s\" (want 0-%d)", text, max_prefix));
    }
  }
  Mask(cidr.network_, cidr.prefix_);
  return cidr;
}

bool Cidr::Contains(const sockaddr_storage& address) const {
  std::array<uint8_t, 16> bytes;
  if (Normalise(address, &bytes) != family_) return false;
  Mask(bytes, prefix_);
  return bytes == network_;
}

std::string Cidr::ToString() const {
  char host[INET6_ADDRSTRLEN] = {};
  inet_ntop(family_, network_.data(), host, sizeof(host));
  return absl::StrFormat("%s/%d", host, prefix_);
}

bool AnyContains(const std::vector<Cidr>& networks,
                 const sockaddr_storage& address) {
  for (const Cidr& network : networks) {
    if (network.Contains(address)) return true;
  }
  return false;
}

}  // namespace ringway::address
