// Reads a HAProxy PROXY protocol header (v1 text or v2 binary) from the
// start of a connection accepted behind a load balancer, to learn the real
// client and server addresses (and, in v2, the ALPN and SNI it saw).
// Spec: https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt
// Pure and allocation-free; stateless re-parse like ParseClientHello.
//
//   ProxyHeader header;
//   if (ParseProxyHeader(received, &header) == ProxyHeaderStatus::kComplete)
//     Consume(header.header_length());  // the rest is the client's payload

#ifndef RINGWAY_DATAPLANE_CODEC_PROXY_PROTOCOL_PARSER_H_
#define RINGWAY_DATAPLANE_CODEC_PROXY_PROTOCOL_PARSER_H_

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/codec/proxy_protocol_wire.h"

namespace ringway::codec {

enum class ProxyHeaderStatus {
  kNeedMoreData,  // a valid prefix so far; call again with more bytes
  kComplete,      // header parsed; header_length() bytes belong to it
  kNotProxy,      // cannot start with "PROXY " nor the v2 signature
  kMalformed,     // starts like a PROXY header but breaks the spec
};

// "need_more_data", "complete", "not_proxy", "malformed": stable names for
// counters and logs.
std::string_view ProxyHeaderStatusName(ProxyHeaderStatus status);

// A parsed header, stored inline (no heap). Shard-local.
class ProxyHeader {
 public:
  // 1 or 2; 0 before a successful parse.
  int version() const { return version_; }
  // True when the header carries no usable addresses (v1 UNKNOWN, v2 LOCAL,
  // v2 UNSPEC/UDP/UNIX): use the socket's own addresses then. source() and
  // destination() are AF_UNSPEC in that case.
  bool local() const { return local_; }
  // sockaddr_in (TCP4) or sockaddr_in6 (TCP6), port in network order.
  // IPv4-mapped IPv6 addresses are kept as sent (AF_INET6).
  const sockaddr_storage& source() const { return source_; }
  const sockaddr_storage& destination() const { return destination_; }
  // v2 PP2_TYPE_ALPN (0x01) and PP2_TYPE_AUTHORITY (0x02, the SNI the
  // sender saw); empty when absent.
  std::string_view alpn() const { return {alpn_, alpn_len_}; }
  std::string_view authority() const { return {authority_, authority_len_}; }
  // Bytes the header takes at the start of the input; payload follows.
  size_t header_length() const { return header_length_; }

  // Mutators, for ParseProxyHeader and tests.
  void Clear();
  void set_version(int version) { version_ = version; }
  void set_local(bool local) { local_ = local; }
  void set_header_length(size_t n) { header_length_ = n; }
  sockaddr_storage* mutable_source() { return &source_; }
  sockaddr_storage* mutable_destination() { return &destination_; }
  // Return false (and change nothing) if longer than kProxyTlvMaxValueBytes.
  bool set_alpn(std::string_view value);
  bool set_authority(std::string_view value);

 private:
  int version_ = 0;
  bool local_ = false;
  sockaddr_storage source_ = {};
  sockaddr_storage destination_ = {};
  size_t header_length_ = 0;
  uint8_t alpn_len_ = 0;
  uint8_t authority_len_ = 0;
  char alpn_[kProxyTlvMaxValueBytes] = {};
  char authority_[kProxyTlvMaxValueBytes] = {};
};

// Parses the PROXY header at the start of `data` (all bytes received so
// far). kNotProxy is returned as soon as the bytes received cannot be a
// prefix of "PROXY " or of the v2 signature, so a TLS ClientHello or an HTTP
// request is recognised from its first byte.
//
// v1: exactly "PROXY TCP4 <src> <dst> <sport> <dport>\r\n" (or TCP6), single
// spaces, addresses as inet_pton accepts them for the family, ports decimal
// 0..65535 without sign or leading zero; or "PROXY UNKNOWN" followed by
// anything up to CRLF (local). No CRLF within 107 bytes is kMalformed.
//
// v2: version 2 only; command LOCAL (addresses and TLVs are ignored, as the
// spec requires) or PROXY; family/transport TCP4 (0x11), TCP6 (0x21), or
// UNSPEC (0x00), UDP (0x12, 0x22) and UNIX (0x31, 0x32), which are accepted
// as local; any other value is kMalformed. The length must cover the address
// block; TLVs after it must fill the rest exactly. ALPN and AUTHORITY are
// stored (longer than 255 bytes, or given twice: kMalformed); other TLVs are
// skipped (CRC32C is not verified).
ProxyHeaderStatus ParseProxyHeader(std::span<const uint8_t> data,
                                   ProxyHeader* out);

}  // namespace ringway::codec

#endif  // RINGWAY_DATAPLANE_CODEC_PROXY_PROTOCOL_PARSER_H_
