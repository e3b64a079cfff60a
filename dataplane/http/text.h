// Small text helpers for building HTTP heads from std::string_view pieces
// (Debian's abseil has its own string_view type, which StrCat takes but
// std::string_view does not convert to).

#ifndef RINGWAY_DATAPLANE_HTTP_TEXT_H_
#define RINGWAY_DATAPLANE_HTTP_TEXT_H_

#include <charconv>
#include <concepts>
#include <string>
#include <string_view>

namespace ringway::http {

inline char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

inline std::string_view StripWhitespace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

inline void AppendPiece(std::string* out, std::string_view s) {
  out->append(s);
}
// Integers in decimal, formatted on the stack (no temporary string).
template <std::integral T>
requires(!std::same_as<T, char> &&
         !std::same_as<T, bool>) void AppendPiece(std::string* out, T n) {
  char digits[24];  // 20 digits of 2^64 - 1, or a sign and 19
  const std::to_chars_result r =
      std::to_chars(digits, digits + sizeof(digits), n);
  out->append(digits, r.ptr);
}

// Appends each piece (strings, string_views, C strings, integers).
template <typename... Pieces>
void Append(std::string* out, const Pieces&... pieces) {
  (AppendPiece(out, pieces), ...);
}

template <typename... Pieces>
std::string Cat(const Pieces&... pieces) {
  std::string out;
  Append(&out, pieces...);
  return out;
}

}  // namespace ringway::http

#endif  // RINGWAY_DATAPLANE_HTTP_TEXT_H_
