#include "dataplane/accesslog/access_entry.h"

#include <climits>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace ringway::accesslog {
namespace {

// Bytes a JSON string cannot hold as they are: quotes, backslashes,
// control bytes, and (not necessarily UTF-8: a client chose them) bytes
// over 0x7e, written as \u00XX so the line is valid JSON whatever was sent.
bool NeedsEscape(unsigned char byte) {
  return byte == '"' || byte == '\\' || byte < 0x20 || byte >= 0x7f;
}

void AppendString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t clean = 0;  // start of the run not yet appended
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (!NeedsEscape(byte)) continue;
    out->append(text.data() + clean, i - clean);
    clean = i + 1;
    if (byte == '"' || byte == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(byte));
    } else {
      const char escaped[] = {
          '\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xf]};
      out->append(escaped, sizeof(escaped));
    }
  }
  out->append(text.data() + clean, text.size() - clean);
  out->push_back('"');
}

// `key` is the literal text before the value: ',"name":'.
void AppendField(std::string_view key, std::string_view text,
                 std::string* out) {
  out->append(key);
  AppendString(text, out);
}

void AppendNumber(std::string_view key, uint64_t value, std::string* out) {
  char digits[absl::numbers_internal::kFastToBufferSize];
  char* end = absl::numbers_internal::FastIntToBuffer(value, digits);
  out->append(key);
  out->append(digits, static_cast<size_t>(end - digits));
}

void AppendSeconds(std::string_view key, uint64_t ns, std::string* out) {
  out->append(key);
  if (ns == kNotMeasured) {
    out->append("null");
    return;
  }
  const uint64_t us = ns / 1000;
  char digits[absl::numbers_internal::kFastToBufferSize];
  char* end = absl::numbers_internal::FastIntToBuffer(us / 1'000'000, digits);
  out->append(digits, static_cast<size_t>(end - digits));
  char fraction[7] = {'.'};
  uint64_t rest = us % 1'000'000;
  for (int i = 6; i >= 1; --i) {
    fraction[i] = static_cast<char>('0' + rest % 10);
    rest /= 10;
  }
  out->append(fraction, sizeof(fraction));
}

// RFC 3339, UTC, milliseconds: "2026-11-23T18:41:05.123Z". The text of
// the second is kept per thread (each shard's): lines under load share it.
void AppendTime(int64_t unix_time_us, std::string* out) {
  struct SecondText {
    int64_t second = INT64_MIN;
    char text[24];  // "\"2026-11-23T18:41:05"
    size_t length = 0;
  };
  thread_local SecondText cached;
  const int64_t second = unix_time_us >= 0
                             ? unix_time_us / 1'000'000
                             : (unix_time_us - 999'999) / 1'000'000;
  if (second != cached.second) {
    const absl::CivilSecond civil =
        absl::ToCivilSecond(absl::FromUnixSeconds(second), absl::UTCTimeZone());
    const int n = std::snprintf(
        cached.text, sizeof(cached.text), "\"%04lld-%02d-%02dT%02d:%02d:%02d",
        static_cast<long long>(civil.year()), civil.month(), civil.day(),
        civil.hour(), civil.minute(), civil.second());
    cached.length = n > 0 ? static_cast<size_t>(n) : 0;
    cached.second = second;
  }
  out->append(cached.text, cached.length);
  const int64_t ms = (unix_time_us - second * 1'000'000) / 1000;
  const char tail[] = {'.',
                       static_cast<char>('0' + ms / 100),
                       static_cast<char>('0' + ms / 10 % 10),
                       static_cast<char>('0' + ms % 10),
                       'Z',
                       '"'};
  out->append(tail, sizeof(tail));
}

}  // namespace

void AppendJsonLine(const AccessEntry& entry, std::string* out) {
  out->append("{\"time\":");
  AppendTime(entry.unix_time_us, out);
  AppendField(",\"kind\":", entry.kind, out);
  AppendField(",\"listener\":", entry.listener, out);
  AppendField(",\"client\":", entry.client, out);
  AppendNumber(",\"client_port\":", entry.client_port, out);
  AppendField(",\"sni\":", entry.sni, out);
  AppendField(",\"alpn\":", entry.alpn, out);
  AppendField(",\"tls_version\":", entry.tls_version, out);
  AppendField(",\"tls_cipher\":", entry.tls_cipher, out);
  AppendField(",\"route\":", entry.route, out);
  AppendField(",\"upstream_group\":", entry.upstream_group, out);
  AppendField(",\"upstream\":", entry.upstream, out);
  AppendField(",\"method\":", entry.method, out);
  AppendField(",\"host\":", entry.host, out);
  AppendField(",\"path\":", entry.path, out);
  AppendNumber(",\"status\":", static_cast<uint64_t>(entry.status), out);
  AppendNumber(",\"bytes_received\":", entry.bytes_received, out);
  AppendNumber(",\"bytes_sent\":", entry.bytes_sent, out);
  AppendSeconds(",\"connect_time\":", entry.connect_ns, out);
  AppendSeconds(",\"tls_time\":", entry.tls_ns, out);
  AppendSeconds(",\"first_byte_time\":", entry.first_byte_ns, out);
  AppendSeconds(",\"duration\":", entry.duration_ns, out);
  AppendField(",\"end\":", entry.end, out);
  out->append("}\n");
}

}  // namespace ringway::accesslog
