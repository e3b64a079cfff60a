// Wire constants of the HAProxy PROXY protocol, shared by the parser and the
// writer. Spec: https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt
// (section 2.1 for the v1 text header, 2.2 for v2, 2.2.1 for TLVs).

#ifndef RINGWAY_DATAPLANE_CODEC_PROXY_PROTOCOL_WIRE_H_
#define RINGWAY_DATAPLANE_CODEC_PROXY_PROTOCOL_WIRE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ringway::codec {

inline constexpr std::string_view kProxyV1Prefix = "PROXY ";
// Longest v1 header, CRLF included.
inline constexpr size_t kProxyV1MaxHeaderBytes = 107;

inline constexpr std::array<uint8_t, 12> kProxyV2Signature = {
    0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
// Signature, ver_cmd, fam, 16-bit big-endian length of what follows.
inline constexpr size_t kProxyV2FixedHeaderBytes = 16;

// ver_cmd: high nibble version (2), low nibble command.
inline constexpr uint8_t kProxyV2Local = 0x20;
inline constexpr uint8_t kProxyV2Proxy = 0x21;

// fam: high nibble address family, low nibble transport.
inline constexpr uint8_t kProxyV2Unspec = 0x00;
inline constexpr uint8_t kProxyV2Tcp4 = 0x11;
inline constexpr uint8_t kProxyV2Udp4 = 0x12;
inline constexpr uint8_t kProxyV2Tcp6 = 0x21;
inline constexpr uint8_t kProxyV2Udp6 = 0x22;
inline constexpr uint8_t kProxyV2UnixStream = 0x31;
inline constexpr uint8_t kProxyV2UnixDgram = 0x32;

// Address block sizes: two addresses, then two 16-bit ports (none for UNIX).
inline constexpr size_t kProxyV2Inet4AddressBytes = 4 + 4 + 2 + 2;
inline constexpr size_t kProxyV2Inet6AddressBytes = 16 + 16 + 2 + 2;
inline constexpr size_t kProxyV2UnixAddressBytes = 108 + 108;

// TLV types (section 2.2.1); a TLV is type, 16-bit length, value.
inline constexpr uint8_t kProxyV2TlvAlpn = 0x01;
inline constexpr uint8_t kProxyV2TlvAuthority = 0x02;
inline constexpr size_t kProxyV2TlvHeaderBytes = 3;

// Longest ALPN or AUTHORITY value ringway stores or writes: an ALPN
// protocol id (RFC 7301) and a DNS name both fit in 255 bytes.
inline constexpr size_t kProxyTlvMaxValueBytes = 255;

// Largest v2 header WriteProxyV2 produces: IPv6 addresses and both TLVs at
// their longest.
inline constexpr size_t kProxyV2MaxHeaderBytes =
    kProxyV2FixedHeaderBytes + kProxyV2Inet6AddressBytes +
    2 * (kProxyV2TlvHeaderBytes + kProxyTlvMaxValueBytes);

}  // namespace ringway::codec

#endif  // RINGWAY_DATAPLANE_CODEC_PROXY_PROTOCOL_WIRE_H_
