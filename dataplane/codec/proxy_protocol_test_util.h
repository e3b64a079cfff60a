// Builds PROXY protocol inputs for tests, benchmarks and fuzz seeds:
// socket addresses from text, and hand-made v2 headers (to break one rule at
// a time).
//
//   sockaddr_storage client = Endpoint("192.0.2.1", 56324);
//   Bytes header = V2Header(0x21, 0x11, body);

#ifndef RINGWAY_DATAPLANE_CODEC_PROXY_PROTOCOL_TEST_UTIL_H_
#define RINGWAY_DATAPLANE_CODEC_PROXY_PROTOCOL_TEST_UTIL_H_

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ringway::codec {

using Bytes = std::vector<uint8_t>;

// An AF_INET or AF_INET6 address (chosen by the text); aborts if invalid.
sockaddr_storage Endpoint(const std::string& address, uint16_t port);

// "192.0.2.1:56324" or "[2001:db8::1]:443"; "?" for AF_UNSPEC.
std::string EndpointText(const sockaddr_storage& address);

// Signature, ver_cmd, fam, big-endian length of `body`, then `body`.
Bytes V2Header(uint8_t ver_cmd, uint8_t fam, const Bytes& body);

// One v2 TLV: type, 16-bit length, value.
Bytes V2Tlv(uint8_t type, const std::string& value);

Bytes ToBytes(const std::string& text);

}  // namespace ringway::codec

#endif  // RINGWAY_DATAPLANE_CODEC_PROXY_PROTOCOL_TEST_UTIL_H_
