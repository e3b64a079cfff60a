// Builds ClientHello inputs for tests, benchmarks and fuzz seeds: real ones
// captured from a BoringSSL client, hand-built ones (to break one rule at a
// time), and re-framing of a handshake message into other TLS records.
//
//   std::vector<uint8_t> hello = CaptureClientHello({.server_name = "a.test"});
//   auto two = ReframeClientHello(hello, {1000});  // 2 records: 1000 + rest

#ifndef RINGWAY_DATAPLANE_CODEC_CLIENT_HELLO_TEST_UTIL_H_
#define RINGWAY_DATAPLANE_CODEC_CLIENT_HELLO_TEST_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ringway::codec {

using Bytes = std::vector<uint8_t>;

struct CaptureOptions {
  std::string server_name;        // empty: no SNI
  std::vector<std::string> alpn;  // empty: no ALPN
  bool tls12_only = false;        // max version TLS 1.2
  bool post_quantum = false;      // CECPQ2 key share: ~1.2 KiB larger
  bool ech_grease = false;        // GREASE encrypted_client_hello (0xfe0d)
};

// The bytes a BoringSSL client writes first (one or more TLS records holding
// its ClientHello). Aborts if BoringSSL refuses the options.
Bytes CaptureClientHello(const CaptureOptions& options);

// The handshake bytes carried by a sequence of complete handshake records.
Bytes HandshakePayload(std::span<const uint8_t> records);

// Wraps handshake bytes into records of version 0x0301: the first records
// carry fragment_sizes[i] bytes each, the last one the rest.
Bytes FrameRecords(std::span<const uint8_t> handshake,
                   const std::vector<size_t>& fragment_sizes = {},
                   uint16_t record_version = 0x0301);

// FrameRecords(HandshakePayload(records), fragment_sizes).
Bytes ReframeClientHello(std::span<const uint8_t> records,
                         const std::vector<size_t>& fragment_sizes);

// One extension: type, body.
using Extension = std::pair<uint16_t, Bytes>;

Bytes ServerNameExtensionBody(const std::string& host_name);
Bytes AlpnExtensionBody(const std::vector<std::string>& protocols);

// A ClientHello built field by field. Defaults give a minimal valid TLS 1.2
// hello without extensions.
struct HandBuiltHello {
  uint16_t legacy_version = 0x0303;
  Bytes session_id;
  Bytes cipher_suites = {0x13, 0x01, 0xc0, 0x2f};
  Bytes compression_methods = {0x00};
  // nullopt: no extensions block at all (valid); empty: a zero-length block.
  std::optional<std::vector<Extension>> extensions;

  // The handshake message (type 1, 24-bit length, body).
  Bytes Message() const;
  // Message() in one record.
  Bytes Records() const { return FrameRecords(Message()); }
};

// Big-endian appenders shared by the builders.
void AppendU8(Bytes* out, uint8_t v);
void AppendU16(Bytes* out, uint16_t v);
void AppendU24(Bytes* out, uint32_t v);
void AppendBytes(Bytes* out, std::span<const uint8_t> bytes);
void AppendString(Bytes* out, const std::string& s);

}  // namespace ringway::codec

#endif  // RINGWAY_DATAPLANE_CODEC_CLIENT_HELLO_TEST_UTIL_H_
