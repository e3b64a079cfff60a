#include "dataplane/accesslog/access_entry.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace ringway::accesslog {
namespace {

// Bytes a JSON string cannot hold as they are: quotes, backslashes,
// control bytes, and (not necessarily UTF-8: a client chose them) bytes
// over 0x7e, written as \u00XX so the line is valid JSON whatever was sent.
constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> table{};
  for (int byte = 0; byte < 256; ++byte) {
    table[byte] = byte == '"' || byte == '\\' || byte < 0x20 || byte >= 0x7f;
  }
  return table;
}();

// Writes a line into a buffer the caller sized by LineBound: no checks of
// room, no growth, one pass.
class LineCursor {
 public:
  explicit LineCursor(char* start) : p_(start) {}

  char* end() const { return p_; }

  template <size_t N>
  void Literal(const char (&text)[N]) {
    std::memcpy(p_, text, N - 1);
    p_ += N - 1;
  }

  void Bytes(const char* data, size_t size) {
    std::memcpy(p_, data, size);
    p_ += size;
  }

  void String(std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    *p_++ = '"';
    for (const char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      if (!kNeedsEscape[byte]) {
        *p_++ = c;
      } else if (byte == '"' || byte == '\\') {
        *p_++ = '\\';
        *p_++ = c;
      } else {
        const char escaped[] = {
            '\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xf]};
        Bytes(escaped, sizeof(escaped));
      }
    }
    *p_++ = '"';
  }

  void Number(uint64_t value) {
    p_ = absl::numbers_internal::FastIntToBuffer(value, p_);
  }

  // Seconds with microseconds ("0.001234"), or null.
  void Seconds(uint64_t ns) {
    if (ns == kNotMeasured) {
      Literal("null");
      return;
    }
    const uint64_t us = ns / 1000;
    Number(us / 1'000'000);
    uint32_t fraction = static_cast<uint32_t>(us % 1'000'000);
    *p_ = '.';
    for (int i = 6; i >= 1; --i) {
      p_[i] = static_cast<char>('0' + fraction % 10);
      fraction /= 10;
    }
    p_ += 7;
  }

  // RFC 3339, UTC, milliseconds: "2026-11-23T18:41:05.123Z". The text of
  // the second is kept per thread (each shard's): lines under load share
  // it.
  void Time(int64_t unix_time_us) {
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
      const absl::CivilSecond civil = absl::ToCivilSecond(
          absl::FromUnixSeconds(second), absl::UTCTimeZone());
      const int n = std::snprintf(
          cached.text, sizeof(cached.text), "\"%04lld-%02d-%02dT%02d:%02d:%02d",
          static_cast<long long>(civil.year()), civil.month(), civil.day(),
          civil.hour(), civil.minute(), civil.second());
      cached.length =
          n <= 0 ? 0
                 : std::min(static_cast<size_t>(n), sizeof(cached.text) - 1);
      cached.second = second;
    }
    Bytes(cached.text, cached.length);
    const int64_t ms = (unix_time_us - second * 1'000'000) / 1000;
    const char tail[] = {'.',
                         static_cast<char>('0' + ms / 100),
                         static_cast<char>('0' + ms / 10 % 10),
                         static_cast<char>('0' + ms % 10),
                         'Z',
                         '"'};
    Bytes(tail, sizeof(tail));
  }

 private:
  char* p_;
};

size_t LineBound(const AccessEntry& entry) {
  const size_t text = entry.kind.size() + entry.listener.size() +
                      entry.client.size() + entry.sni.size() +
                      entry.alpn.size() + entry.tls_version.size() +
                      entry.tls_cipher.size() + entry.route.size() +
                      entry.upstream_group.size() + entry.upstream.size() +
                      entry.method.size() + entry.host.size() +
                      entry.path.size() + entry.end.size();
  return kLineBytesBesidesText + kEscapedBytesPerByte * text;
}

// Returns the line's length.
size_t WriteLine(const AccessEntry& entry, char* start) {
  LineCursor line(start);
  line.Literal("{\"time\":");
  line.Time(entry.unix_time_us);
  line.Literal(",\"kind\":");
  line.String(entry.kind);
  line.Literal(",\"listener\":");
  line.String(entry.listener);
  line.Literal(",\"client\":");
  line.String(entry.client);
  line.Literal(",\"client_port\":");
  line.Number(entry.client_port);
  line.Literal(",\"sni\":");
  line.String(entry.sni);
  line.Literal(",\"alpn\":");
  line.String(entry.alpn);
  line.Literal(",\"tls_version\":");
  line.String(entry.tls_version);
  line.Literal(",\"tls_cipher\":");
  line.String(entry.tls_cipher);
  line.Literal(",\"route\":");
  line.String(entry.route);
  line.Literal(",\"upstream_group\":");
  line.String(entry.upstream_group);
  line.Literal(",\"upstream\":");
  line.String(entry.upstream);
  line.Literal(",\"method\":");
  line.String(entry.method);
  line.Literal(",\"host\":");
  line.String(entry.host);
  line.Literal(",\"path\":");
  line.String(entry.path);
  line.Literal(",\"status\":");
  line.Number(static_cast<uint64_t>(entry.status));
  line.Literal(",\"bytes_received\":");
  line.Number(entry.bytes_received);
  line.Literal(",\"bytes_sent\":");
  line.Number(entry.bytes_sent);
  line.Literal(",\"connect_time\":");
  line.Seconds(entry.connect_ns);
  line.Literal(",\"tls_time\":");
  line.Seconds(entry.tls_ns);
  line.Literal(",\"first_byte_time\":");
  line.Seconds(entry.first_byte_ns);
  line.Literal(",\"duration\":");
  line.Seconds(entry.duration_ns);
  line.Literal(",\"end\":");
  line.String(entry.end);
  line.Literal("}\n");
  return static_cast<size_t>(line.end() - start);
}

}  // namespace

void AppendJsonLine(const AccessEntry& entry, std::string* out) {
  const size_t bound = LineBound(entry);
  // Lines of usual size are built on the stack and appended in one copy;
  // a longer one (a long path) is written in place after a resize.
  constexpr size_t kStackLineBytes = 2048;
  if (bound <= kStackLineBytes) {
    char line[kStackLineBytes];
    out->append(line, WriteLine(entry, line));
    return;
  }
  const size_t old_size = out->size();
  out->resize(old_size + bound);
  out->resize(old_size + WriteLine(entry, out->data() + old_size));
}

}  // namespace ringway::accesslog
