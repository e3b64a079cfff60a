// Writes the HAProxy PROXY protocol header that ringway sends first on an
// upstream connection, so the backend learns the real client address (and,
// with v2, the ALPN and SNI ringway saw). Pure, allocation-free; the inverse
// of ParseProxyHeader.
//
//   std::array<uint8_t, kProxyV2MaxHeaderBytes> header;
//   size_t n = WriteProxyV2(client, local, "h2", "api.example", header);

#ifndef RINGWAY_DATAPLANE_CODEC_PROXY_PROTOCOL_WRITER_H_
#define RINGWAY_DATAPLANE_CODEC_PROXY_PROTOCOL_WRITER_H_

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/codec/proxy_protocol_wire.h"

namespace ringway::codec {

// Writes "PROXY TCP4 ...\r\n" or "PROXY TCP6 ...\r\n" into `out`. Mixed
// families are sent as TCP6, the IPv4 side as an IPv4-mapped IPv6 address
// (::ffff:a.b.c.d). Any other family (AF_UNIX, AF_UNSPEC) gives
// "PROXY UNKNOWN\r\n". Returns the bytes written, or 0 if `out` is too
// small; kProxyV1MaxHeaderBytes (107) always suffice.
size_t WriteProxyV1(const sockaddr_storage& source,
                    const sockaddr_storage& destination,
                    std::span<uint8_t> out);

// Writes a v2 PROXY command with TCP4 or TCP6 addresses (mixed families as
// for v1), then PP2_TYPE_ALPN and PP2_TYPE_AUTHORITY TLVs for non-empty
// `alpn` and `authority`. Any other family gives a LOCAL command with
// UNSPEC family, as HAProxy sends (receivers then ignore the TLVs). Returns
// the bytes written: 16 + 12 or 36 + (3 + alpn.size()) + (3 +
// authority.size()) for the non-empty ones. Returns 0 if `out` is too small
// or a value is longer than kProxyTlvMaxValueBytes (255);
// kProxyV2MaxHeaderBytes always suffice.
size_t WriteProxyV2(const sockaddr_storage& source,
                    const sockaddr_storage& destination, std::string_view alpn,
                    std::string_view authority, std::span<uint8_t> out);

}  // namespace ringway::codec

#endif  // RINGWAY_DATAPLANE_CODEC_PROXY_PROTOCOL_WRITER_H_
