// Fuzz target for ParseProxyHeader: untrusted bytes from whatever connects
// to a PROXY-protocol listener. Besides crashes and sanitizer reports, it
// aborts when a parsed header does not survive WriteProxyV1/V2 and a second
// parse unchanged.

#include <netinet/in.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

#include "dataplane/codec/proxy_protocol_parser.h"
#include "dataplane/codec/proxy_protocol_writer.h"

namespace ringway::codec {
namespace {

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

bool SameAddress(const sockaddr_storage& a, const sockaddr_storage& b) {
  const size_t size = a.ss_family == AF_INET    ? sizeof(sockaddr_in)
                      : a.ss_family == AF_INET6 ? sizeof(sockaddr_in6)
                                                : sizeof(sockaddr_storage);
  return std::memcmp(&a, &b, size) == 0;
}

// The IPv4 form of an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else the
// address unchanged.
sockaddr_storage Unmapped(const sockaddr_storage& address) {
  const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
  if (address.ss_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
    return address;
  }
  sockaddr_storage out = {};
  auto& in = reinterpret_cast<sockaddr_in&>(out);
  in.sin_family = AF_INET;
  in.sin_port = in6.sin6_port;
  std::memcpy(&in.sin_addr, &in6.sin6_addr.s6_addr[12], 4);
  return out;
}

// What the writer should reproduce: both ends IPv4 (or IPv4-mapped) are
// written as IPv4, as a dual-stack listener's IPv4 clients must be.
void ExpectedEnds(const ProxyHeader& header, sockaddr_storage* source,
                  sockaddr_storage* destination) {
  *source = header.source();
  *destination = header.destination();
  sockaddr_storage s = Unmapped(*source), d = Unmapped(*destination);
  if (s.ss_family == AF_INET && d.ss_family == AF_INET) {
    *source = s;
    *destination = d;
  }
}

// Re-encodes a header with addresses and parses it back.
void CheckRoundTrip(const ProxyHeader& header) {
  std::array<uint8_t, kProxyV2MaxHeaderBytes> buffer;
  const size_t n =
      header.version() == 1
          ? WriteProxyV1(header.source(), header.destination(), buffer)
          : WriteProxyV2(header.source(), header.destination(), header.alpn(),
                         header.authority(), buffer);
  Require(n > 0, "writer refused a parsed header");
  ProxyHeader again;
  Require(ParseProxyHeader(std::span(buffer).first(n), &again) ==
              ProxyHeaderStatus::kComplete,
          "written header does not parse");
  Require(again.header_length() == n, "header length");
  sockaddr_storage source, destination;
  ExpectedEnds(header, &source, &destination);
  Require(SameAddress(source, again.source()), "source differs");
  Require(SameAddress(destination, again.destination()), "destination differs");
  Require(header.alpn() == again.alpn(), "alpn differs");
  Require(header.authority() == again.authority(), "authority differs");
}

}  // namespace
}  // namespace ringway::codec

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ringway::codec;
  const std::span<const uint8_t> input(data, size);
  ProxyHeader header;
  const ProxyHeaderStatus status = ParseProxyHeader(input, &header);
  Require(!ProxyHeaderStatusName(status).empty(), "status name");
  if (status != ProxyHeaderStatus::kComplete) return 0;
  Require(header.header_length() > 0 && header.header_length() <= size,
          "header length outside the input");
  Require(header.version() == 1 || header.version() == 2, "version");
  if (!header.local()) CheckRoundTrip(header);
  return 0;
}
