#include "dataplane/codec/internal/http_fields.h"

#include <algorithm>

#include "dataplane/codec/internal/http_chars.h"

namespace ringway::codec::internal {

HeadScanner::HeadScanner(const HttpLimits& limits,
                         HttpError start_line_too_long)
    : max_start_line_(limits.max_request_line),
      max_head_bytes_(limits.max_head_bytes),
      start_line_too_long_(start_line_too_long) {}

void HeadScanner::Reset() {
  result_ = Result::kNeedMoreData;
  error_ = HttpError::kNone;
  scanned_ = 0;
  line_start_ = 0;
  after_cr_ = false;
  in_start_line_ = true;
  start_ = 0;
  start_line_end_ = 0;
  end_ = 0;
}

HeadScanner::Result HeadScanner::Scan(std::span<const uint8_t> data) {
  if (data.size() < scanned_) Reset();  // not the bytes scanned before
  while (result_ == Result::kNeedMoreData && scanned_ < data.size()) {
    Step(data[scanned_]);
    ++scanned_;
  }
  return result_;
}

void HeadScanner::Fail(HttpError error) {
  result_ = Result::kFailed;
  error_ = error;
}

// One byte at offset scanned_. Only CRLF ends a line: RFC 9112 section 2.2
// lets a recipient also take a bare LF, but two parsers disagreeing on
// where a line ends is how requests are smuggled past a proxy.
void HeadScanner::Step(uint8_t c) {
  const size_t pos = scanned_;
  if (after_cr_) {
    after_cr_ = false;
    if (c != '\n') return Fail(HttpError::kBareCr);
    EndLine(pos + 1);
  } else if (c == '\r') {
    after_cr_ = true;
  } else if (c == '\n') {
    return Fail(HttpError::kBareLf);
  } else if (c == '\0') {
    return Fail(HttpError::kNulByte);
  } else if (in_start_line_ && pos - line_start_ + 1 > max_start_line_) {
    return Fail(start_line_too_long_);
  }
  // Refuse as soon as the head cannot end within the limit.
  if (result_ == Result::kNeedMoreData && pos + 1 >= max_head_bytes_) {
    Fail(HttpError::kHeadTooLarge);
  }
}

// A CRLF ended the line starting at line_start_; the next one starts at
// `next_line`.
void HeadScanner::EndLine(size_t next_line) {
  const bool empty = next_line - 2 == line_start_;
  if (in_start_line_) {
    if (empty) {
      start_ = next_line;  // an empty line before the start line
    } else {
      in_start_line_ = false;
      start_line_end_ = next_line - 2;
    }
  } else if (empty) {
    end_ = next_line;
    result_ = Result::kComplete;
  }
  line_start_ = next_line;
}

std::string_view HeadScanner::start_line(std::span<const uint8_t> data) const {
  return AsString(data.subspan(start_, start_line_end_ - start_));
}

std::string_view HeadScanner::field_lines(std::span<const uint8_t> data) const {
  const size_t begin = start_line_end_ + 2;
  return AsString(data.subspan(begin, end_ - 2 - begin));
}

HttpError ParseHttpVersion(std::string_view text, HttpVersion* version) {
  if (text == "HTTP/1.1") {
    *version = HttpVersion::kHttp11;
    return HttpError::kNone;
  }
  if (text == "HTTP/1.0") {
    *version = HttpVersion::kHttp10;
    return HttpError::kNone;
  }
  if (text.size() == 8 && text.starts_with("HTTP/") && IsDigit(text[5]) &&
      text[6] == '.' && IsDigit(text[7])) {
    return HttpError::kUnsupportedVersion;
  }
  return HttpError::kBadVersion;
}

HttpError ParseFieldLine(std::string_view line, HttpHeader* field) {
  // RFC 9112 section 5.2: obs-fold is refused (400, or 502 for a response),
  // as is whitespace before the first field line (section 2.2).
  if (!line.empty() && IsOws(line.front())) return HttpError::kObsFold;
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return HttpError::kBadHeaderName;
  }
  const std::string_view name = line.substr(0, colon);
  // Section 5.1: a server MUST reject whitespace before the colon; for a
  // response we reject too rather than strip it.
  if (IsOws(name.back())) return HttpError::kSpaceBeforeColon;
  if (!AllOf(name, kTokenChar)) return HttpError::kBadHeaderName;
  const std::string_view value = TrimOws(line.substr(colon + 1));
  if (!AllOf(value, kFieldChar)) return HttpError::kBadHeaderValue;
  *field = {name, value};
  return HttpError::kNone;
}

HttpError ParseFieldLines(std::string_view lines, size_t max_count,
                          HttpHeaders* out) {
  while (!lines.empty()) {
    // HeadScanner made sure every CR here starts a CRLF.
    const size_t cr = lines.find('\r');
    HttpHeader field;
    const HttpError error = ParseFieldLine(lines.substr(0, cr), &field);
    if (error != HttpError::kNone) return error;
    if (out->size() >= max_count || !out->Add(field.name, field.value)) {
      return HttpError::kTooManyHeaders;
    }
    lines.remove_prefix(cr + 2);
  }
  return HttpError::kNone;
}

size_t MaxHeaderCount(const HttpLimits& limits) {
  return std::min(limits.max_header_count, HttpHeaders::kCapacity);
}

bool ParseContentLength(std::string_view text, uint64_t* length) {
  if (text.empty()) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (!IsDigit(c)) return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (kHttpMaxBodyBytes - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *length = value;
  return true;
}

namespace {

// One Transfer-Encoding field value, after those before it.
HttpError ReadTransferCodings(std::string_view value, Framing* out) {
  out->has_transfer_encoding = true;
  ListReader codings(value);
  for (std::string_view coding; codings.Next(&coding);) {
    const bool chunked = EqualsIgnoreCase(coding, "chunked");
    if (chunked) {
      if (out->chunked_seen) return HttpError::kTransferEncodingNotChunkedLast;
      out->chunked_seen = true;
    } else {
      out->other_codings = true;
    }
    out->chunked_last = chunked;
  }
  return HttpError::kNone;
}

}  // namespace

HttpError ReadFraming(const HttpHeaders& headers, HttpVersion version,
                      Framing* out) {
  for (const HttpHeader& field : headers) {
    if (EqualsIgnoreCase(field.name, "content-length")) {
      if (out->has_content_length) return HttpError::kDuplicateContentLength;
      if (!ParseContentLength(field.value, &out->content_length)) {
        return HttpError::kBadContentLength;
      }
      out->has_content_length = true;
    } else if (EqualsIgnoreCase(field.name, "transfer-encoding")) {
      const HttpError error = ReadTransferCodings(field.value, out);
      if (error != HttpError::kNone) return error;
    }
  }
  if (out->has_transfer_encoding && out->has_content_length) {
    return HttpError::kContentLengthWithTransferEncoding;
  }
  if (out->has_transfer_encoding && version == HttpVersion::kHttp10) {
    return HttpError::kTransferEncodingInHttp10;
  }
  return HttpError::kNone;
}

bool KeepAlive(HttpVersion version, const HttpHeaders& headers) {
  if (headers.HasConnectionOption("close")) return false;
  return version == HttpVersion::kHttp11 ||
         headers.HasConnectionOption("keep-alive");
}

}  // namespace ringway::codec::internal
