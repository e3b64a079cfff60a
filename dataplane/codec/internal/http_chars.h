// Character classes and small string helpers for the HTTP/1.1 codecs: the
// token, field-value, request-target and host character rules as one lookup
// table, ASCII case-insensitive comparison, OWS trimming, and a reader for
// comma-separated list values. Header-only, allocation-free; used by the
// codecs only, not part of their public API.
//
//   ListReader codings(" gzip , chunked");
//   for (std::string_view coding; codings.Next(&coding);) Use(coding);

#ifndef RINGWAY_DATAPLANE_CODEC_INTERNAL_HTTP_CHARS_H_
#define RINGWAY_DATAPLANE_CODEC_INTERNAL_HTTP_CHARS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ringway::codec::internal {

enum CharClass : uint8_t {
  // tchar (RFC 9110 section 5.6.2): methods, field names, transfer codings.
  kTokenChar = 1 << 0,
  // field-vchar, SP or HTAB (RFC 9110 section 5.5): field values and the
  // reason phrase. obs-text (0x80..0xff) is allowed, CTLs and DEL are not.
  kFieldChar = 1 << 1,
  // A request-target byte: visible ASCII or obs-text. No CTL, SP or DEL;
  // other characters RFC 3986 does not allow are passed through.
  kTargetChar = 1 << 2,
  // uri-host [":" port] (RFC 3986 section 3.2.2): unreserved, "%",
  // sub-delims, ":", "[" and "]", but not ",": reg-name allows it, yet a
  // comma makes a Host value read as a list of two hosts to other parsers.
  kHostChar = 1 << 3,
  kHexDigit = 1 << 4,
};

constexpr bool IsAsciiAlnum(int c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z');
}

constexpr bool OneOf(int c, std::string_view set) {
  for (char s : set) {
    if (static_cast<unsigned char>(s) == c) return true;
  }
  return false;
}

constexpr uint8_t ClassesOf(int c) {
  const bool visible = c >= 0x21 && c <= 0x7e;
  const bool obs_text = c >= 0x80;
  uint8_t classes = 0;
  if (IsAsciiAlnum(c) || OneOf(c, "!#$%&'*+-.^_`|~")) classes |= kTokenChar;
  if (visible || obs_text || c == ' ' || c == '\t') classes |= kFieldChar;
  if (visible || obs_text) classes |= kTargetChar;
  if (IsAsciiAlnum(c) || OneOf(c, "-._~%!$&'()*+;=:[]")) classes |= kHostChar;
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
      (c >= 'A' && c <= 'F')) {
    classes |= kHexDigit;
  }
  return classes;
}

constexpr std::array<uint8_t, 256> MakeCharClasses() {
  std::array<uint8_t, 256> table = {};
  for (int c = 0; c < 256; ++c) table[c] = ClassesOf(c);
  return table;
}

inline constexpr std::array<uint8_t, 256> kCharClasses = MakeCharClasses();

inline bool HasClass(char c, CharClass k) {
  return (kCharClasses[static_cast<uint8_t>(c)] & k) != 0;
}
inline bool IsTokenChar(char c) { return HasClass(c, kTokenChar); }
inline bool IsFieldChar(char c) { return HasClass(c, kFieldChar); }
inline bool IsHexDigit(char c) { return HasClass(c, kHexDigit); }
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
// Optional whitespace, OWS (RFC 9110 section 5.6.3).
inline bool IsOws(char c) { return c == ' ' || c == '\t'; }

// 0..15 for a hex digit (check IsHexDigit first).
inline uint8_t HexValue(char c) {
  if (c <= '9') return static_cast<uint8_t>(c - '0');
  return static_cast<uint8_t>((c | 0x20) - 'a' + 10);
}

inline bool AllOf(std::string_view text, CharClass k) {
  for (char c : text) {
    if (!HasClass(c, k)) return false;
  }
  return true;
}

// token = 1*tchar.
inline bool IsToken(std::string_view text) {
  return !text.empty() && AllOf(text, kTokenChar);
}

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
}

// Field names, methods aside, and most tokens are case-insensitive ASCII.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

inline bool StartsWithIgnoreCase(std::string_view text,
                                 std::string_view prefix) {
  return text.size() >= prefix.size() &&
         EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

inline std::string_view TrimOws(std::string_view text) {
  while (!text.empty() && IsOws(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsOws(text.back())) text.remove_suffix(1);
  return text;
}

inline std::string_view AsString(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// The elements of a comma-separated list value (RFC 9110 section 5.6.1),
// OWS trimmed, empty elements skipped as recipients must. Quoted strings
// are not parsed: none of the lists the codecs read (Connection,
// Transfer-Encoding, Expect) carries one in practice.
class ListReader {
 public:
  explicit ListReader(std::string_view value) : rest_(value) {}

  // Sets *element to the next non-empty element; false at the end.
  bool Next(std::string_view* element) {
    while (!rest_.empty()) {
      const size_t comma = rest_.find(',');
      *element = TrimOws(rest_.substr(0, comma));
      rest_.remove_prefix(comma == std::string_view::npos ? rest_.size()
                                                          : comma + 1);
      if (!element->empty()) return true;
    }
    return false;
  }

 private:
  std::string_view rest_;
};

// True if the list `value` has `element` (ASCII case-insensitive).
inline bool ListContains(std::string_view value, std::string_view element) {
  ListReader list(value);
  for (std::string_view e; list.Next(&e);) {
    if (EqualsIgnoreCase(e, element)) return true;
  }
  return false;
}

}  // namespace ringway::codec::internal

#endif  // RINGWAY_DATAPLANE_CODEC_INTERNAL_HTTP_CHARS_H_
