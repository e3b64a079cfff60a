// Fuzz target for ParseClientHello: untrusted bytes straight off a socket.
// Besides crashes and sanitizer reports, it aborts when a documented
// invariant of the result breaks.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "dataplane/codec/client_hello_parser.h"

namespace ringway::codec {
namespace {

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

void CheckComplete(std::span<const uint8_t> data, size_t max_bytes,
                   std::span<uint8_t> scratch, const ClientHelloInfo& info) {
  Require(info.bytes_needed() <= data.size(), "complete beyond the input");
  Require(info.bytes_needed() <= max_bytes, "complete beyond the limit");
  const std::string_view name = info.server_name();
  Require(name.size() <= ClientHelloInfo::kMaxServerNameBytes, "sni size");
  for (char c : name) Require(c < 'A' || c > 'Z', "sni not lowercased");
  for (size_t i = 0; i < info.alpn_count(); ++i) {
    Require(!info.alpn(i).empty(), "empty alpn stored");
  }
  // Bytes after the ClientHello must not matter.
  ClientHelloInfo again;
  Require(ParseClientHello(data.first(info.bytes_needed()), max_bytes, scratch,
                           &again) == ClientHelloStatus::kComplete,
          "prefix of a complete hello is not complete");
  Require(again.server_name() == name, "prefix gives another sni");
}

void ParseOnce(std::span<const uint8_t> data, size_t max_bytes) {
  static std::array<uint8_t, 20000> scratch;
  const std::span<uint8_t> buffer = std::span(scratch).first(max_bytes);
  ClientHelloInfo info;
  const ClientHelloStatus status =
      ParseClientHello(data, max_bytes, buffer, &info);
  Require(!ClientHelloStatusName(status).empty(), "status name");
  if (status == ClientHelloStatus::kComplete) {
    CheckComplete(data, max_bytes, buffer, info);
  } else if (status == ClientHelloStatus::kNeedMoreData) {
    Require(info.bytes_needed() > data.size(), "needs no more bytes");
    Require(info.bytes_needed() <= max_bytes, "need beyond the limit");
  }
}

}  // namespace
}  // namespace ringway::codec

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  ringway::codec::ParseOnce(input, ringway::codec::kDefaultClientHelloMaxBytes);
  ringway::codec::ParseOnce(input, 512);  // small limits take other paths
  return 0;
}
