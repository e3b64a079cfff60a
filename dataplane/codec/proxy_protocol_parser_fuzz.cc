// Fuzz target for ParseProxyHeader: untrusted bytes from whatever connects
// to a PROXY-protocol listener. Besides crashes and sanitizer reports, it
// aborts when a parsed header does not survive WriteProxyV1/V2 and a second
// parse unchanged.

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
  Require(SameAddress(header.source(), again.source()), "source differs");
  Require(SameAddress(header.destination(), again.destination()),
          "destination differs");
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
