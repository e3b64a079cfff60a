// Reads the SNI and ALPN of a TLS ClientHello without terminating TLS, so a
// shard can pick a route (or a passthrough upstream) from a connection's
// first bytes. Pure and allocation-free: no sockets, no BoringSSL.
//
// Stateless re-parse: call again with everything received so far each time
// more bytes arrive, until the status is no longer kNeedMoreData.
//
//   ClientHelloInfo info;  // reused across calls; ~800 bytes, no heap
//   switch (ParseClientHello(received, 16384, scratch, &info)) {
//     case ClientHelloStatus::kComplete: Route(info.server_name()); break;
//     case ClientHelloStatus::kNeedMoreData: RecvMore(); break;
//     default: CountAndClose();
//   }

#ifndef RINGWAY_DATAPLANE_CODEC_CLIENT_HELLO_PARSER_H_
#define RINGWAY_DATAPLANE_CODEC_CLIENT_HELLO_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ringway::codec {

enum class ClientHelloStatus {
  kNeedMoreData,  // valid so far; call again with more bytes
  kComplete,      // the whole ClientHello parsed; info is filled
  kNotTls,        // the first record is not a TLS handshake record
  kMalformed,     // TLS framing, but a rule below is broken
  kTooLarge,      // the ClientHello must take more than max_bytes
};

// "need_more_data", "complete", "not_tls", "malformed", "too_large": stable
// names for counters and logs.
std::string_view ClientHelloStatusName(ClientHelloStatus status);

// Default for ParseClientHello's max_bytes (the config's default limit).
inline constexpr size_t kDefaultClientHelloMaxBytes = 16384;

// What a ClientHello says, stored inline (fixed size, no heap) so a
// connection can keep it without allocating. Shard-local.
class ClientHelloInfo {
 public:
  static constexpr size_t kMaxServerNameBytes = 255;
  static constexpr size_t kMaxAlpnProtocols = 16;
  static constexpr size_t kAlpnBufferBytes = 512;

  // The SNI host_name (RFC 6066 section 3), lowercased, one trailing dot
  // removed; empty if the client sent no server_name extension.
  std::string_view server_name() const { return {sni_, sni_len_}; }

  // ALPN protocols (RFC 7301) in the client's order. At most
  // kMaxAlpnProtocols, in kAlpnBufferBytes; protocols that do not fit are
  // skipped (later shorter ones may still be stored) and counted in
  // alpn_dropped(). HasAlpn only sees stored protocols.
  size_t alpn_count() const { return alpn_count_; }
  std::string_view alpn(size_t i) const;
  bool HasAlpn(std::string_view protocol) const;
  size_t alpn_dropped() const { return alpn_dropped_; }

  // ClientHello.legacy_version (0x0303 for TLS 1.2 and 1.3 clients).
  uint16_t legacy_version() const { return legacy_version_; }
  // Version field of the first TLS record header (often 0x0301).
  uint16_t record_version() const { return record_version_; }
  // supported_versions (RFC 8446 section 4.2.1) lists TLS 1.3 (0x0304).
  bool offers_tls13() const { return offers_tls13_; }
  // encrypted_client_hello (0xfe0d) is present: the real SNI is encrypted
  // and server_name() is the outer (public) name, which is what we route on.
  bool has_ech_extension() const { return has_ech_extension_; }

  // Total bytes (record headers included) from the start of the stream to
  // the end of the ClientHello message. After kComplete: exact. After
  // kNeedMoreData: a lower bound, always more than the bytes given. After
  // kTooLarge because of max_bytes: the lower bound that exceeded it.
  size_t bytes_needed() const { return bytes_needed_; }

  // Mutators, for ParseClientHello and tests.
  void Clear();
  // Validates and normalises a raw host_name: 1..255 bytes of visible ASCII
  // (0x21..0x7e: no NUL, space, control or non-ASCII byte), not only ".".
  // Returns false (and leaves server_name() unchanged) if invalid.
  bool SetServerName(std::string_view host_name);
  // Stores a non-empty protocol if there is room, else counts it dropped.
  void AddAlpn(std::string_view protocol);
  void set_legacy_version(uint16_t v) { legacy_version_ = v; }
  void set_record_version(uint16_t v) { record_version_ = v; }
  void set_offers_tls13(bool v) { offers_tls13_ = v; }
  void set_has_ech_extension(bool v) { has_ech_extension_ = v; }
  void set_bytes_needed(size_t n) { bytes_needed_ = n; }

 private:
  char sni_[kMaxServerNameBytes + 1] = {};
  uint8_t sni_len_ = 0;
  uint8_t alpn_count_ = 0;
  uint16_t alpn_dropped_ = 0;
  // alpn(i) is alpn_buffer_[alpn_end_[i-1] (or 0) .. alpn_end_[i]).
  uint16_t alpn_end_[kMaxAlpnProtocols] = {};
  char alpn_buffer_[kAlpnBufferBytes] = {};
  uint16_t legacy_version_ = 0;
  uint16_t record_version_ = 0;
  bool offers_tls13_ = false;
  bool has_ech_extension_ = false;
  size_t bytes_needed_ = 0;
};

// Parses the ClientHello at the start of `data` (all bytes received so far
// from the client; bytes after the ClientHello are ignored).
//
// Framing (RFC 8446 section 5.1): records of type 22 (handshake) with version
// 0x0301..0x0304; anything else in the first record header is kNotTls (so
// "GET /" is rejected after one byte). A record payload of 0 or more than
// 16384+256 bytes is kMalformed, as is a non-handshake record before the
// ClientHello ends. The first handshake message must be a ClientHello (type
// 1); it may span several records, whose payloads are reassembled into
// `scratch` (a message inside the first record is parsed in place).
//
// Body (RFC 8446 section 4.1.2): legacy_version, random, session_id (<= 32),
// cipher_suites (even, >= 2 bytes), compression methods (>= 1), then an
// optional extensions block (absent is valid: no SNI) that must end exactly
// at the end of the message. Duplicate extension types, and any length that
// overruns its container, are kMalformed. server_name: one host_name entry
// at most, checked as in ClientHelloInfo::SetServerName; entries of other
// name types are skipped. ALPN: a non-empty list of non-empty names.
// Encrypted Client Hello: parsed as any ClientHello (outer SNI).
//
// Limits: kTooLarge as soon as the declared lengths prove that the
// ClientHello (record headers included) would end beyond max_bytes, or when
// a message spanning records does not fit in `scratch`. Pass a scratch of at
// least max_bytes to accept every ClientHello within the limit.
//
// Only after kComplete is `info` fully filled; otherwise only bytes_needed()
// is meaningful.
ClientHelloStatus ParseClientHello(std::span<const uint8_t> data,
                                   size_t max_bytes, std::span<uint8_t> scratch,
                                   ClientHelloInfo* info);

}  // namespace ringway::codec

#endif  // RINGWAY_DATAPLANE_CODEC_CLIENT_HELLO_PARSER_H_
