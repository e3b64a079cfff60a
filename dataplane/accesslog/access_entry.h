// One access log line: what ringway knows of an L4 connection when it ends,
// or of an HTTP request when its response is complete, written as one JSON
// object per line (JSON Lines), fields always present in the same order:
//
//   {"time":"2026-11-23T18:41:05.123Z","kind":"http","listener":"web",
//    "client":"203.0.113.7","client_port":51234,"sni":"example.com",
//    "alpn":"http/1.1","tls_version":"TLSv1.3",
//    "tls_cipher":"TLS_AES_128_GCM_SHA256","route":"example.com",
//    "upstream_group":"app","upstream":"10.0.0.5:8080","method":"GET",
//    "host":"example.com","path":"/","status":200,"bytes_received":78,
//    "bytes_sent":1024,"connect_time":0.001,"tls_time":0.004,
//    "first_byte_time":0.003,"duration":0.005,"end":"done"}
//
// "client" is the real client (after a PROXY header or a trusted
// forwarded header). Text not known is "", a status not known 0, a
// duration not measured null. Durations are seconds with microseconds.
// Pure: no I/O, no allocation beyond the output's growth.

#ifndef RINGWAY_DATAPLANE_ACCESSLOG_ACCESS_ENTRY_H_
#define RINGWAY_DATAPLANE_ACCESSLOG_ACCESS_ENTRY_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace ringway::accesslog {

inline constexpr uint64_t kNotMeasured = UINT64_MAX;

// The most bytes a line takes besides its strings' text (the keys, the
// strings' quotes, the time, the numbers and durations at their widest),
// and the most one byte of text takes (\u00XX): the room a line is written
// into without checks.
inline constexpr size_t kLineBytesBesidesText = 640;
inline constexpr size_t kEscapedBytesPerByte = 6;

struct AccessEntry {
  int64_t unix_time_us = 0;  // when the line is written
  std::string_view kind;     // "tcp" or "http"
  std::string_view listener;
  std::string_view client;   // address, no port
  uint16_t client_port = 0;  // 0: not known (a forwarded header's client)
  std::string_view sni;
  std::string_view alpn;
  std::string_view tls_version;
  std::string_view tls_cipher;
  std::string_view route;  // the virtual host, or the server name matched
  std::string_view upstream_group;
  std::string_view upstream;  // the server's address
  std::string_view method;    // HTTP only, as the rest of this block
  std::string_view host;
  std::string_view path;
  int status = 0;
  uint64_t bytes_received = 0;  // from the client
  uint64_t bytes_sent = 0;      // to the client
  // Nanoseconds, or kNotMeasured.
  uint64_t connect_ns = kNotMeasured;     // upstream connect
  uint64_t tls_ns = kNotMeasured;         // client TLS handshake
  uint64_t first_byte_ns = kNotMeasured;  // start to the upstream's first byte
  uint64_t duration_ns = kNotMeasured;    // start to end
  std::string_view end;  // how it ended: "done", "client_reset", ...
};

// Appends `entry` and a newline to `out`.
void AppendJsonLine(const AccessEntry& entry, std::string* out);

}  // namespace ringway::accesslog

#endif  // RINGWAY_DATAPLANE_ACCESSLOG_ACCESS_ENTRY_H_
