#include "dataplane/codec/client_hello_parser.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "absl/strings/ascii.h"
#include "dataplane/codec/internal/byte_reader.h"

namespace ringway::codec {
namespace {

using internal::ByteReader;

constexpr uint8_t kContentTypeHandshake = 22;
constexpr uint8_t kHandshakeTypeClientHello = 1;
constexpr size_t kRecordHeaderBytes = 5;
constexpr size_t kHandshakeHeaderBytes = 4;
// RFC 8446 section 5.1 caps plaintext records at 2^14 bytes; like many
// servers, tolerate the 2^14 + 256 that section 5.2 allows ciphertext.
constexpr size_t kMaxRecordPayloadBytes = 16384 + 256;
constexpr size_t kMaxSessionIdBytes = 32;
constexpr size_t kRandomBytes = 32;

constexpr uint16_t kExtServerName = 0;
constexpr uint16_t kExtAlpn = 16;
constexpr uint16_t kExtSupportedVersions = 43;
constexpr uint16_t kExtEncryptedClientHello = 0xfe0d;
constexpr uint8_t kNameTypeHostName = 0;
constexpr uint16_t kTls13Version = 0x0304;

std::string_view AsString(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Remembers which extension types were seen, to reject duplicates (RFC 8446
// section 4.2) in O(1) each: a hostile 16 KiB hello can carry 4096
// extensions. The 8 KiB bitmap is split into 256 pages by the type's high
// byte and a page is zeroed only when first used (real hellos touch a few).
class ExtensionTypeSet {
 public:
  // Returns false if `type` was already inserted.
  bool Insert(uint16_t type) {
    const unsigned page = type >> 8;
    const uint64_t page_bit = uint64_t{1} << (page % 64);
    if ((page_ready_[page / 64] & page_bit) == 0) {
      page_ready_[page / 64] |= page_bit;
      pages_[page] = {};
    }
    const unsigned low = type & 0xff;
    uint64_t& word = pages_[page][low / 64];
    const uint64_t bit = uint64_t{1} << (low % 64);
    if (word & bit) return false;
    word |= bit;
    return true;
  }

 private:
  std::array<uint64_t, 4> page_ready_ = {};
  // NOTE: deliberately uninitialised; a page is read only after page_ready_
  // says it was zeroed.
  std::array<uint64_t, 4> pages_[256];
};

// Collects the handshake message from the records walked so far. A message
// inside one record stays a view of the input; one spanning records is
// copied into the caller's scratch buffer. The handshake header is read as
// soon as its bytes arrive: the type from the first byte, the length once
// all four are there.
class HandshakeAssembler {
 public:
  explicit HandshakeAssembler(std::span<uint8_t> scratch) : scratch_(scratch) {}

  // Message bytes still to come (until the header is read, of the header).
  size_t missing() const { return message_bytes_ - size_; }
  std::span<const uint8_t> message() const {
    return copied_ ? std::span<const uint8_t>(scratch_.first(size_)) : first_;
  }

  // Takes what the message still needs from a record's payload (as much of
  // it as was received) and sets `*used` to the bytes taken.
  ClientHelloStatus Consume(std::span<const uint8_t> payload, size_t* used) {
    *used = 0;
    while (missing() > 0 && *used < payload.size()) {
      const size_t take = std::min(payload.size() - *used, missing());
      if (!Append(payload.subspan(*used, take))) {
        return ClientHelloStatus::kTooLarge;
      }
      *used += take;
      if (!length_known_ && !ReadHeader()) return ClientHelloStatus::kMalformed;
    }
    return ClientHelloStatus::kComplete;
  }

 private:
  // Returns false if the bytes do not fit in scratch.
  bool Append(std::span<const uint8_t> bytes) {
    // Bytes that directly follow the view (the same record) extend it.
    if (!copied_ && (size_ == 0 || bytes.data() == first_.data() + size_)) {
      first_ = {size_ == 0 ? bytes.data() : first_.data(),
                size_ + bytes.size()};
      size_ = first_.size();
      return true;
    }
    if (!copied_) {
      if (first_.size() > scratch_.size()) return false;
      std::copy(first_.begin(), first_.end(), scratch_.begin());
      copied_ = true;
    }
    if (bytes.size() > scratch_.size() - size_) return false;
    std::copy(bytes.begin(), bytes.end(), scratch_.begin() + size_);
    size_ += bytes.size();
    return true;
  }

  bool ReadHeader() {
    const std::span<const uint8_t> m = message();
    if (m[0] != kHandshakeTypeClientHello) return false;
    if (m.size() < kHandshakeHeaderBytes) return true;
    message_bytes_ =
        kHandshakeHeaderBytes + (size_t{m[1]} << 16 | size_t{m[2]} << 8 | m[3]);
    length_known_ = true;
    return true;
  }

  std::span<uint8_t> scratch_;
  std::span<const uint8_t> first_;
  size_t size_ = 0;
  bool copied_ = false;
  size_t message_bytes_ = kHandshakeHeaderBytes;  // until the header is read
  bool length_known_ = false;
};

// Checks the (possibly partial) record header at the start of `rest`. A bad
// first record is not TLS at all; a bad later one is broken TLS.
ClientHelloStatus CheckRecordHeader(std::span<const uint8_t> rest, bool first,
                                    size_t* payload_bytes) {
  const ClientHelloStatus reject =
      first ? ClientHelloStatus::kNotTls : ClientHelloStatus::kMalformed;
  if (rest.size() >= 1 && rest[0] != kContentTypeHandshake) return reject;
  if (rest.size() >= 2 && rest[1] != 3) return reject;
  if (rest.size() >= 3 && (rest[2] < 1 || rest[2] > 4)) return reject;
  if (rest.size() < kRecordHeaderBytes) return ClientHelloStatus::kNeedMoreData;
  *payload_bytes = size_t{rest[3]} << 8 | rest[4];
  // RFC 8446 section 5.1: zero-length handshake fragments are forbidden.
  if (*payload_bytes == 0 || *payload_bytes > kMaxRecordPayloadBytes) {
    return ClientHelloStatus::kMalformed;
  }
  return ClientHelloStatus::kComplete;
}

// Smallest stream offset at which the message can end, given the record at
// `record_start` (payload_bytes long, `used` of them consumed) and the
// `missing` message bytes still to come. Later records add at least a header.
size_t LowerBoundEnd(size_t record_start, size_t payload_bytes, size_t used,
                     size_t missing) {
  const size_t payload_start = record_start + kRecordHeaderBytes;
  if (missing <= payload_bytes - used) return payload_start + used + missing;
  return payload_start + payload_bytes + kRecordHeaderBytes +
         (missing - (payload_bytes - used));
}

// Records the lower bound of where the ClientHello ends, and whether the
// limit already rules it out.
ClientHelloStatus NeedMore(size_t end, size_t max_bytes,
                           ClientHelloInfo* info) {
  info->set_bytes_needed(end);
  return end > max_bytes ? ClientHelloStatus::kTooLarge
                         : ClientHelloStatus::kNeedMoreData;
}

// Walks records until the whole handshake message is in `message` (header
// included), deciding kNotTls / kMalformed / kTooLarge as early as possible.
ClientHelloStatus ReassembleMessage(std::span<const uint8_t> data,
                                    size_t max_bytes,
                                    std::span<uint8_t> scratch,
                                    std::span<const uint8_t>* message,
                                    ClientHelloInfo* info) {
  HandshakeAssembler assembler(scratch);
  for (size_t pos = 0;;) {
    size_t payload_bytes = 0;
    ClientHelloStatus status =
        CheckRecordHeader(data.subspan(pos), pos == 0, &payload_bytes);
    if (status == ClientHelloStatus::kNeedMoreData) {
      return NeedMore(pos + kRecordHeaderBytes + assembler.missing(), max_bytes,
                      info);
    }
    if (status != ClientHelloStatus::kComplete) return status;
    if (pos == 0) info->set_record_version(uint16_t(data[1] << 8 | data[2]));

    const size_t payload_start = pos + kRecordHeaderBytes;
    size_t used = 0;
    status = assembler.Consume(
        data.subspan(payload_start)
            .first(std::min(payload_bytes, data.size() - payload_start)),
        &used);
    if (status != ClientHelloStatus::kComplete) return status;
    const size_t end =
        LowerBoundEnd(pos, payload_bytes, used, assembler.missing());
    if (end > max_bytes) return NeedMore(end, max_bytes, info);  // too large
    if (assembler.missing() == 0) {
      info->set_bytes_needed(end);
      *message = assembler.message();
      return ClientHelloStatus::kComplete;
    }
    // The rest of this record has not arrived yet.
    if (used < payload_bytes) return NeedMore(end, max_bytes, info);
    pos = payload_start + payload_bytes;
  }
}

// RFC 6066 section 3. Entries of unknown name types cannot be delimited by
// the RFC's grammar; like deployed servers, assume a 16-bit length prefix.
bool ParseServerName(std::span<const uint8_t> body, ClientHelloInfo* info) {
  ByteReader reader(body);
  std::span<const uint8_t> list;
  if (!reader.ReadU16Prefixed(&list) || !reader.empty() || list.empty()) {
    return false;
  }
  ByteReader entries(list);
  bool have_host_name = false;
  while (!entries.empty()) {
    uint8_t name_type;
    std::span<const uint8_t> name;
    if (!entries.ReadU8(&name_type) || !entries.ReadU16Prefixed(&name)) {
      return false;
    }
    if (name_type != kNameTypeHostName) continue;
    // "The ServerNameList MUST NOT contain more than one name of the same
    // name_type": two host names would make routing ambiguous.
    if (have_host_name || !info->SetServerName(AsString(name))) return false;
    have_host_name = true;
  }
  return true;
}

// RFC 7301 section 3.1: ProtocolName protocol_name_list<2..2^16-1>, each
// name 1..255 bytes.
bool ParseAlpn(std::span<const uint8_t> body, ClientHelloInfo* info) {
  ByteReader reader(body);
  std::span<const uint8_t> list;
  if (!reader.ReadU16Prefixed(&list) || !reader.empty() || list.empty()) {
    return false;
  }
  ByteReader names(list);
  while (!names.empty()) {
    std::span<const uint8_t> name;
    if (!names.ReadU8Prefixed(&name) || name.empty()) return false;
    info->AddAlpn(AsString(name));
  }
  return true;
}

// RFC 8446 section 4.2.1: ProtocolVersion versions<2..254> in a ClientHello.
bool ParseSupportedVersions(std::span<const uint8_t> body,
                            ClientHelloInfo* info) {
  ByteReader reader(body);
  std::span<const uint8_t> list;
  if (!reader.ReadU8Prefixed(&list) || !reader.empty() || list.size() < 2 ||
      list.size() % 2 != 0) {
    return false;
  }
  ByteReader versions(list);
  uint16_t version;
  while (versions.ReadU16(&version)) {
    if (version == kTls13Version) info->set_offers_tls13(true);
  }
  return true;
}

bool ParseExtension(uint16_t type, std::span<const uint8_t> body,
                    ClientHelloInfo* info) {
  switch (type) {
    case kExtServerName:
      return ParseServerName(body, info);
    case kExtAlpn:
      return ParseAlpn(body, info);
    case kExtSupportedVersions:
      return ParseSupportedVersions(body, info);
    case kExtEncryptedClientHello:
      info->set_has_ech_extension(true);
      return true;
    default:
      return true;
  }
}

bool ParseExtensions(std::span<const uint8_t> block, ClientHelloInfo* info) {
  ExtensionTypeSet seen;
  ByteReader reader(block);
  while (!reader.empty()) {
    uint16_t type;
    std::span<const uint8_t> body;
    if (!reader.ReadU16(&type) || !reader.ReadU16Prefixed(&body) ||
        !seen.Insert(type) || !ParseExtension(type, body, info)) {
      return false;
    }
  }
  return true;
}

// The ClientHello body after the 4-byte handshake header.
bool ParseBody(std::span<const uint8_t> body, ClientHelloInfo* info) {
  ByteReader reader(body);
  uint16_t legacy_version;
  std::span<const uint8_t> session_id, cipher_suites, compression_methods;
  if (!reader.ReadU16(&legacy_version) || !reader.Skip(kRandomBytes) ||
      !reader.ReadU8Prefixed(&session_id) ||
      session_id.size() > kMaxSessionIdBytes ||
      !reader.ReadU16Prefixed(&cipher_suites) || cipher_suites.size() < 2 ||
      cipher_suites.size() % 2 != 0 ||
      !reader.ReadU8Prefixed(&compression_methods) ||
      compression_methods.empty()) {
    return false;
  }
  info->set_legacy_version(legacy_version);
  // RFC 5246 section 7.4.1.2: a ClientHello may end before the extensions.
  if (reader.empty()) return true;
  std::span<const uint8_t> extensions;
  return reader.ReadU16Prefixed(&extensions) && reader.empty() &&
         ParseExtensions(extensions, info);
}

}  // namespace

std::string_view ClientHelloStatusName(ClientHelloStatus status) {
  switch (status) {
    case ClientHelloStatus::kNeedMoreData:
      return "need_more_data";
    case ClientHelloStatus::kComplete:
      return "complete";
    case ClientHelloStatus::kNotTls:
      return "not_tls";
    case ClientHelloStatus::kMalformed:
      return "malformed";
    case ClientHelloStatus::kTooLarge:
      return "too_large";
  }
  return "unknown";
}

std::string_view ClientHelloInfo::alpn(size_t i) const {
  if (i >= alpn_count_) return {};
  const size_t begin = i == 0 ? 0 : alpn_end_[i - 1];
  return {alpn_buffer_ + begin, alpn_end_[i] - begin};
}

bool ClientHelloInfo::HasAlpn(std::string_view protocol) const {
  for (size_t i = 0; i < alpn_count_; ++i) {
    if (alpn(i) == protocol) return true;
  }
  return false;
}

void ClientHelloInfo::Clear() {
  sni_len_ = 0;
  alpn_count_ = 0;
  alpn_dropped_ = 0;
  legacy_version_ = 0;
  record_version_ = 0;
  offers_tls13_ = false;
  has_ech_extension_ = false;
  bytes_needed_ = 0;
}

bool ClientHelloInfo::SetServerName(std::string_view host_name) {
  if (host_name.empty() || host_name.size() > kMaxServerNameBytes) {
    return false;
  }
  for (unsigned char c : host_name) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  // A fully qualified "example.com." names the same host as "example.com".
  if (host_name.back() == '.') host_name.remove_suffix(1);
  if (host_name.empty()) return false;
  for (size_t i = 0; i < host_name.size(); ++i) {
    sni_[i] = absl::ascii_tolower(static_cast<unsigned char>(host_name[i]));
  }
  sni_len_ = static_cast<uint8_t>(host_name.size());
  return true;
}

void ClientHelloInfo::AddAlpn(std::string_view protocol) {
  const size_t begin = alpn_count_ == 0 ? 0 : alpn_end_[alpn_count_ - 1];
  if (protocol.empty() || alpn_count_ == kMaxAlpnProtocols ||
      protocol.size() > kAlpnBufferBytes - begin) {
    if (alpn_dropped_ < UINT16_MAX) ++alpn_dropped_;
    return;
  }
  std::memcpy(alpn_buffer_ + begin, protocol.data(), protocol.size());
  alpn_end_[alpn_count_++] = static_cast<uint16_t>(begin + protocol.size());
}

ClientHelloStatus ParseClientHello(std::span<const uint8_t> data,
                                   size_t max_bytes, std::span<uint8_t> scratch,
                                   ClientHelloInfo* info) {
  info->Clear();
  std::span<const uint8_t> message;
  const ClientHelloStatus status =
      ReassembleMessage(data, max_bytes, scratch, &message, info);
  if (status != ClientHelloStatus::kComplete) return status;
  return ParseBody(message.subspan(kHandshakeHeaderBytes), info)
             ? ClientHelloStatus::kComplete
             : ClientHelloStatus::kMalformed;
}

}  // namespace ringway::codec
