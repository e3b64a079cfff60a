#include "dataplane/accesslog/access_entry.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace ringway::accesslog {
namespace {

// A JSON string: quotes, backslashes and control bytes escaped; bytes over
// 0x7e (not necessarily UTF-8: a client chose them) as \u00XX, so the line
// is valid JSON whatever was sent.
void AppendString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == '"' || byte == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (byte >= 0x20 && byte < 0x7f) {
      out->push_back(c);
    } else {
      out->append("\\u00");
      out->push_back(kHex[byte >> 4]);
      out->push_back(kHex[byte & 0xf]);
    }
  }
  out->push_back('"');
}

void AppendField(std::string_view name, std::string_view text,
                 std::string* out) {
  out->push_back(',');
  AppendString(name, out);
  out->push_back(':');
  AppendString(text, out);
}

void AppendNumber(std::string_view name, uint64_t value, std::string* out) {
  out->push_back(',');
  AppendString(name, out);
  absl::StrAppend(out, ":", value);
}

void AppendSeconds(std::string_view name, uint64_t ns, std::string* out) {
  out->push_back(',');
  AppendString(name, out);
  if (ns == kNotMeasured) {
    out->append(":null");
    return;
  }
  const uint64_t us = ns / 1000;
  char text[32];
  const int n = std::snprintf(text, sizeof(text), ":%llu.%06llu",
                              static_cast<unsigned long long>(us / 1'000'000),
                              static_cast<unsigned long long>(us % 1'000'000));
  out->append(text, static_cast<size_t>(n));
}

// RFC 3339, UTC, milliseconds: "2026-11-23T18:41:05.123Z".
void AppendTime(int64_t unix_time_us, std::string* out) {
  const absl::Time time = absl::FromUnixMicros(unix_time_us);
  const absl::CivilSecond civil =
      absl::ToCivilSecond(time, absl::UTCTimeZone());
  const int64_t ms = (unix_time_us % 1'000'000 + 1'000'000) % 1'000'000 / 1000;
  char text[40];
  const int n = std::snprintf(
      text, sizeof(text), "\"%04lld-%02d-%02dT%02d:%02d:%02d.%03lldZ\"",
      static_cast<long long>(civil.year()), civil.month(), civil.day(),
      civil.hour(), civil.minute(), civil.second(), static_cast<long long>(ms));
  out->append(text, static_cast<size_t>(n));
}

}  // namespace

void AppendJsonLine(const AccessEntry& entry, std::string* out) {
  out->append("{\"time\":");
  AppendTime(entry.unix_time_us, out);
  AppendField("kind", entry.kind, out);
  AppendField("listener", entry.listener, out);
  AppendField("client", entry.client, out);
  AppendNumber("client_port", entry.client_port, out);
  AppendField("sni", entry.sni, out);
  AppendField("alpn", entry.alpn, out);
  AppendField("tls_version", entry.tls_version, out);
  AppendField("tls_cipher", entry.tls_cipher, out);
  AppendField("route", entry.route, out);
  AppendField("upstream_group", entry.upstream_group, out);
  AppendField("upstream", entry.upstream, out);
  AppendField("method", entry.method, out);
  AppendField("host", entry.host, out);
  AppendField("path", entry.path, out);
  AppendNumber("status", static_cast<uint64_t>(entry.status), out);
  AppendNumber("bytes_received", entry.bytes_received, out);
  AppendNumber("bytes_sent", entry.bytes_sent, out);
  AppendSeconds("connect_time", entry.connect_ns, out);
  AppendSeconds("tls_time", entry.tls_ns, out);
  AppendSeconds("first_byte_time", entry.first_byte_ns, out);
  AppendSeconds("duration", entry.duration_ns, out);
  AppendField("end", entry.end, out);
  out->append("}\n");
}

}  // namespace ringway::accesslog
