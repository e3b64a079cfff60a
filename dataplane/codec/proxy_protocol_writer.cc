#include "dataplane/codec/proxy_protocol_writer.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace ringway::codec {
namespace {

// Both endpoints in one family, as the header needs them. Addresses and
// ports stay in network byte order.
struct Endpoints {
  int family = AF_UNSPEC;  // AF_INET, AF_INET6, or AF_UNSPEC: unknown
  in_addr source4 = {}, destination4 = {};
  in6_addr source6 = {}, destination6 = {};
  uint16_t source_port = 0, destination_port = 0;
};

bool IsInet(const sockaddr_storage& address) {
  return address.ss_family == AF_INET || address.ss_family == AF_INET6;
}

// An IPv6 view of either family: IPv4 becomes ::ffff:a.b.c.d (RFC 4291
// section 2.5.5.2).
void ToInet6(const sockaddr_storage& address, in6_addr* out, uint16_t* port) {
  if (address.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    *out = in6.sin6_addr;
    *port = in6.sin6_port;
    return;
  }
  const auto& in = reinterpret_cast<const sockaddr_in&>(address);
  *out = {};
  out->s6_addr[10] = 0xff;
  out->s6_addr[11] = 0xff;
  std::memcpy(&out->s6_addr[12], &in.sin_addr, 4);
  *port = in.sin_port;
}

// The IPv4 address of an AF_INET address, or of an IPv4-mapped AF_INET6
// one (::ffff:a.b.c.d: what a dual-stack socket reports for an IPv4 peer).
bool AsInet4(const sockaddr_storage& address, in_addr* out, uint16_t* port) {
  if (address.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(address);
    *out = in.sin_addr;
    *port = in.sin_port;
    return true;
  }
  const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
  if (address.ss_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
    return false;
  }
  std::memcpy(out, &in6.sin6_addr.s6_addr[12], 4);
  *port = in6.sin6_port;
  return true;
}

Endpoints ResolveEndpoints(const sockaddr_storage& source,
                           const sockaddr_storage& destination) {
  Endpoints e;
  if (!IsInet(source) || !IsInet(destination)) return e;
  // An IPv4 client of a dual-stack listener is an IPv4 connection: TCP4,
  // as nginx and HAProxy write it, not TCP6 ::ffff:a.b.c.d.
  if (AsInet4(source, &e.source4, &e.source_port) &&
      AsInet4(destination, &e.destination4, &e.destination_port)) {
    e.family = AF_INET;
    return e;
  }
  e.family = AF_INET6;
  ToInet6(source, &e.source6, &e.source_port);
  ToInet6(destination, &e.destination6, &e.destination_port);
  return e;
}

// Appends to a fixed buffer; once something does not fit, every later
// append fails too and the caller reports 0.
class Appender {
 public:
  explicit Appender(std::span<uint8_t> out) : out_(out) {}

  void Bytes(const void* data, size_t n) {
    if (!ok_ || n > out_.size() - size_) {
      ok_ = false;
      return;
    }
    std::memcpy(out_.data() + size_, data, n);
    size_ += n;
  }
  void Text(std::string_view text) { Bytes(text.data(), text.size()); }
  void Fail() { ok_ = false; }
  void U8(uint8_t v) { Bytes(&v, 1); }
  void U16(uint16_t v) {
    const uint8_t big_endian[2] = {static_cast<uint8_t>(v >> 8),
                                   static_cast<uint8_t>(v)};
    Bytes(big_endian, 2);
  }
  // Decimal, as v1 wants ports.
  void Decimal(uint16_t v) {
    char digits[5];
    size_t n = 0;
    do {
      digits[4 - n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    Bytes(digits + 5 - n, n);
  }

  size_t Result() const { return ok_ ? size_ : 0; }

 private:
  std::span<uint8_t> out_;
  size_t size_ = 0;
  bool ok_ = true;
};

void AppendAddressText(int family, const void* address, Appender* out) {
  char text[INET6_ADDRSTRLEN];
  if (inet_ntop(family, address, text, sizeof(text)) == nullptr) {
    out->Fail();  // cannot happen for AF_INET and AF_INET6
    return;
  }
  out->Text(text);
}

void AppendTlv(uint8_t type, std::string_view value, Appender* out) {
  if (value.empty()) return;
  out->U8(type);
  out->U16(static_cast<uint16_t>(value.size()));
  out->Text(value);
}

size_t TlvBytes(std::string_view value) {
  return value.empty() ? 0 : kProxyV2TlvHeaderBytes + value.size();
}

}  // namespace

size_t WriteProxyV1(const sockaddr_storage& source,
                    const sockaddr_storage& destination,
                    std::span<uint8_t> out) {
  const Endpoints e = ResolveEndpoints(source, destination);
  Appender appender(out);
  appender.Text(kProxyV1Prefix);
  if (e.family == AF_UNSPEC) {
    appender.Text("UNKNOWN\r\n");
    return appender.Result();
  }
  const bool v4 = e.family == AF_INET;
  appender.Text(v4 ? "TCP4 " : "TCP6 ");
  AppendAddressText(e.family,
                    v4 ? static_cast<const void*>(&e.source4) : &e.source6,
                    &appender);
  appender.Text(" ");
  AppendAddressText(
      e.family,
      v4 ? static_cast<const void*>(&e.destination4) : &e.destination6,
      &appender);
  appender.Text(" ");
  appender.Decimal(ntohs(e.source_port));
  appender.Text(" ");
  appender.Decimal(ntohs(e.destination_port));
  appender.Text("\r\n");
  return appender.Result();
}

size_t WriteProxyV2(const sockaddr_storage& source,
                    const sockaddr_storage& destination, std::string_view alpn,
                    std::string_view authority, std::span<uint8_t> out) {
  if (alpn.size() > kProxyTlvMaxValueBytes ||
      authority.size() > kProxyTlvMaxValueBytes) {
    return 0;
  }
  const Endpoints e = ResolveEndpoints(source, destination);
  const size_t address_bytes = e.family == AF_INET ? kProxyV2Inet4AddressBytes
                               : e.family == AF_INET6
                                   ? kProxyV2Inet6AddressBytes
                                   : 0;
  Appender appender(out);
  appender.Bytes(kProxyV2Signature.data(), kProxyV2Signature.size());
  appender.U8(e.family == AF_UNSPEC ? kProxyV2Local : kProxyV2Proxy);
  appender.U8(e.family == AF_INET    ? kProxyV2Tcp4
              : e.family == AF_INET6 ? kProxyV2Tcp6
                                     : kProxyV2Unspec);
  appender.U16(static_cast<uint16_t>(address_bytes + TlvBytes(alpn) +
                                     TlvBytes(authority)));
  if (e.family == AF_INET) {
    appender.Bytes(&e.source4, 4);
    appender.Bytes(&e.destination4, 4);
  } else if (e.family == AF_INET6) {
    appender.Bytes(&e.source6, 16);
    appender.Bytes(&e.destination6, 16);
  }
  if (e.family != AF_UNSPEC) {
    appender.Bytes(&e.source_port, 2);  // already in network order
    appender.Bytes(&e.destination_port, 2);
  }
  AppendTlv(kProxyV2TlvAlpn, alpn, &appender);
  AppendTlv(kProxyV2TlvAuthority, authority, &appender);
  return appender.Result();
}

}  // namespace ringway::codec
