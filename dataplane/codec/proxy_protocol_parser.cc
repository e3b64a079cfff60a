#include "dataplane/codec/proxy_protocol_parser.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "dataplane/codec/internal/byte_reader.h"

namespace ringway::codec {
namespace {

using internal::ByteReader;
using Status = ProxyHeaderStatus;

std::string_view AsString(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// True if the bytes received so far agree with `expected` (either may be
// the shorter one).
bool AgreesWith(std::span<const uint8_t> data, std::string_view expected) {
  const size_t n = std::min(data.size(), expected.size());
  return std::memcmp(data.data(), expected.data(), n) == 0;
}

// ---- v1 ----

// "0".."65535" in decimal, no sign, no leading zero (every sender prints
// ports with %u; anything else is a different, ambiguous spelling).
bool ParseV1Port(std::string_view text, uint16_t* port) {
  if (text.empty() || text.size() > 5 || (text[0] == '0' && text.size() > 1)) {
    return false;
  }
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535) return false;
  *port = static_cast<uint16_t>(value);
  return true;
}

// Fills `out` with the address in `text` (for inet_pton, which wants a NUL-
// terminated string) and the port in `port_text`.
bool ParseV1Endpoint(int family, std::string_view text,
                     std::string_view port_text, sockaddr_storage* out) {
  char address[INET6_ADDRSTRLEN];
  uint16_t port;
  if (text.size() >= sizeof(address) || !ParseV1Port(port_text, &port)) {
    return false;
  }
  std::memcpy(address, text.data(), text.size());
  address[text.size()] = '\0';
  if (family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(out);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    return inet_pton(AF_INET, address, &in->sin_addr) == 1;
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(out);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  return inet_pton(AF_INET6, address, &in6->sin6_addr) == 1;
}

// Splits "a b c d" into exactly four fields separated by single spaces.
// Empty fields (double spaces) fail later, in the field parsers.
bool SplitFourFields(std::string_view text, std::string_view fields[4]) {
  for (int i = 0; i < 3; ++i) {
    const size_t space = text.find(' ');
    if (space == std::string_view::npos) return false;
    fields[i] = text.substr(0, space);
    text.remove_prefix(space + 1);
  }
  fields[3] = text;
  return true;
}

// The line after "PROXY ", without its CRLF.
bool ParseV1Line(std::string_view line, ProxyHeader* out) {
  // "UNKNOWN": the receiver must ignore anything up to the CRLF.
  if (line == "UNKNOWN" || line.starts_with("UNKNOWN ")) {
    out->set_local(true);
    return true;
  }
  int family;
  if (line.starts_with("TCP4 ")) {
    family = AF_INET;
  } else if (line.starts_with("TCP6 ")) {
    family = AF_INET6;
  } else {
    return false;
  }
  std::string_view fields[4];  // source, destination, ports
  return SplitFourFields(line.substr(5), fields) &&
         ParseV1Endpoint(family, fields[0], fields[2], out->mutable_source()) &&
         ParseV1Endpoint(family, fields[1], fields[3],
                         out->mutable_destination());
}

Status ParseV1(std::span<const uint8_t> data, ProxyHeader* out) {
  const std::string_view window =
      AsString(data.first(std::min(data.size(), kProxyV1MaxHeaderBytes)));
  const size_t newline = window.find('\n');
  if (newline == std::string_view::npos) {
    return data.size() >= kProxyV1MaxHeaderBytes ? Status::kMalformed
                                                 : Status::kNeedMoreData;
  }
  if (newline == 0 || window[newline - 1] != '\r') return Status::kMalformed;
  const std::string_view line =
      window.substr(kProxyV1Prefix.size(), newline - 1 - kProxyV1Prefix.size());
  if (!ParseV1Line(line, out)) return Status::kMalformed;
  out->set_version(1);
  out->set_header_length(newline + 1);
  return Status::kComplete;
}

// ---- v2 ----

struct V2Family {
  size_t address_bytes;
  int address_family;  // AF_UNSPEC: accepted, but use the socket's addresses
};

bool LookUpV2Family(uint8_t fam, V2Family* family) {
  switch (fam) {
    case kProxyV2Tcp4:
      *family = {kProxyV2Inet4AddressBytes, AF_INET};
      return true;
    case kProxyV2Tcp6:
      *family = {kProxyV2Inet6AddressBytes, AF_INET6};
      return true;
    case kProxyV2Unspec:
      *family = {0, AF_UNSPEC};
      return true;
    case kProxyV2Udp4:
      *family = {kProxyV2Inet4AddressBytes, AF_UNSPEC};
      return true;
    case kProxyV2Udp6:
      *family = {kProxyV2Inet6AddressBytes, AF_UNSPEC};
      return true;
    case kProxyV2UnixStream:
    case kProxyV2UnixDgram:
      *family = {kProxyV2UnixAddressBytes, AF_UNSPEC};
      return true;
    default:
      return false;
  }
}

// Checks ver_cmd, fam and length as soon as each byte arrives, so garbage
// after a valid signature is rejected without waiting for its length.
Status CheckV2Fixed(std::span<const uint8_t> data, V2Family* family) {
  if (data.size() > 12 && data[12] != kProxyV2Local &&
      data[12] != kProxyV2Proxy) {
    return Status::kMalformed;
  }
  // LOCAL: "receivers MUST ignore" the family, and so the address block.
  const bool local = data.size() > 12 && data[12] == kProxyV2Local;
  *family = {0, AF_UNSPEC};
  if (!local && data.size() > 13 && !LookUpV2Family(data[13], family)) {
    return Status::kMalformed;
  }
  if (data.size() < kProxyV2FixedHeaderBytes) return Status::kNeedMoreData;
  const size_t length = size_t{data[14]} << 8 | data[15];
  if (length < family->address_bytes) return Status::kMalformed;
  return Status::kComplete;
}

void ReadV2Inet4(ByteReader* reader, ProxyHeader* out) {
  auto* source = reinterpret_cast<sockaddr_in*>(out->mutable_source());
  auto* destination =
      reinterpret_cast<sockaddr_in*>(out->mutable_destination());
  source->sin_family = destination->sin_family = AF_INET;
  std::span<const uint8_t> bytes;
  reader->ReadBytes(kProxyV2Inet4AddressBytes, &bytes);  // length checked
  std::memcpy(&source->sin_addr, bytes.data(), 4);
  std::memcpy(&destination->sin_addr, bytes.data() + 4, 4);
  std::memcpy(&source->sin_port, bytes.data() + 8, 2);  // network order
  std::memcpy(&destination->sin_port, bytes.data() + 10, 2);
}

void ReadV2Inet6(ByteReader* reader, ProxyHeader* out) {
  auto* source = reinterpret_cast<sockaddr_in6*>(out->mutable_source());
  auto* destination =
      reinterpret_cast<sockaddr_in6*>(out->mutable_destination());
  source->sin6_family = destination->sin6_family = AF_INET6;
  std::span<const uint8_t> bytes;
  reader->ReadBytes(kProxyV2Inet6AddressBytes, &bytes);  // length checked
  std::memcpy(&source->sin6_addr, bytes.data(), 16);
  std::memcpy(&destination->sin6_addr, bytes.data() + 16, 16);
  std::memcpy(&source->sin6_port, bytes.data() + 32, 2);  // network order
  std::memcpy(&destination->sin6_port, bytes.data() + 34, 2);
}

// TLVs fill the rest of the header exactly. ALPN and AUTHORITY may appear
// once each: two different values would make routing ambiguous.
bool ParseV2Tlvs(ByteReader* reader, ProxyHeader* out) {
  bool have_alpn = false;
  bool have_authority = false;
  while (!reader->empty()) {
    uint8_t type;
    std::span<const uint8_t> value;
    if (!reader->ReadU8(&type) || !reader->ReadU16Prefixed(&value)) {
      return false;
    }
    if (type == kProxyV2TlvAlpn) {
      if (have_alpn || !out->set_alpn(AsString(value))) return false;
      have_alpn = true;
    } else if (type == kProxyV2TlvAuthority) {
      if (have_authority || !out->set_authority(AsString(value))) return false;
      have_authority = true;
    }
  }
  return true;
}

Status ParseV2(std::span<const uint8_t> data, ProxyHeader* out) {
  V2Family family;
  const Status fixed = CheckV2Fixed(data, &family);
  if (fixed != Status::kComplete) return fixed;
  const size_t length = size_t{data[14]} << 8 | data[15];
  if (data.size() < kProxyV2FixedHeaderBytes + length) {
    return Status::kNeedMoreData;
  }
  out->set_version(2);
  out->set_header_length(kProxyV2FixedHeaderBytes + length);
  if (data[12] == kProxyV2Local) {
    out->set_local(true);
    return Status::kComplete;
  }
  ByteReader reader(data.subspan(kProxyV2FixedHeaderBytes, length));
  if (family.address_family == AF_INET) {
    ReadV2Inet4(&reader, out);
  } else if (family.address_family == AF_INET6) {
    ReadV2Inet6(&reader, out);
  } else {
    reader.Skip(family.address_bytes);  // length checked
    out->set_local(true);
  }
  return ParseV2Tlvs(&reader, out) ? Status::kComplete : Status::kMalformed;
}

// Dispatches on the first bytes: 'P' can only be v1, '\r' only v2.
Status ParseAnyVersion(std::span<const uint8_t> data, ProxyHeader* out) {
  if (data.empty()) return Status::kNeedMoreData;
  const std::string_view v2_signature(
      reinterpret_cast<const char*>(kProxyV2Signature.data()),
      kProxyV2Signature.size());
  if (AgreesWith(data, kProxyV1Prefix)) {
    return data.size() < kProxyV1Prefix.size() ? Status::kNeedMoreData
                                               : ParseV1(data, out);
  }
  if (AgreesWith(data, v2_signature)) {
    return data.size() < v2_signature.size() ? Status::kNeedMoreData
                                             : ParseV2(data, out);
  }
  return Status::kNotProxy;
}

}  // namespace

std::string_view ProxyHeaderStatusName(ProxyHeaderStatus status) {
  switch (status) {
    case Status::kNeedMoreData:
      return "need_more_data";
    case Status::kComplete:
      return "complete";
    case Status::kNotProxy:
      return "not_proxy";
    case Status::kMalformed:
      return "malformed";
  }
  return "unknown";
}

void ProxyHeader::Clear() {
  version_ = 0;
  local_ = false;
  source_ = {};
  destination_ = {};
  header_length_ = 0;
  alpn_len_ = 0;
  authority_len_ = 0;
}

bool ProxyHeader::set_alpn(std::string_view value) {
  if (value.size() > kProxyTlvMaxValueBytes) return false;
  std::memcpy(alpn_, value.data(), value.size());
  alpn_len_ = static_cast<uint8_t>(value.size());
  return true;
}

bool ProxyHeader::set_authority(std::string_view value) {
  if (value.size() > kProxyTlvMaxValueBytes) return false;
  std::memcpy(authority_, value.data(), value.size());
  authority_len_ = static_cast<uint8_t>(value.size());
  return true;
}

ProxyHeaderStatus ParseProxyHeader(std::span<const uint8_t> data,
                                   ProxyHeader* out) {
  out->Clear();
  const Status status = ParseAnyVersion(data, out);
  // Only a malformed header can have been half written.
  if (status == Status::kMalformed) out->Clear();
  return status;
}

}  // namespace ringway::codec
