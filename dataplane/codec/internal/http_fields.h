// The rules HTTP/1.1 requests and responses share (RFC 9112): finding the
// end of a head as its bytes arrive, the version, field lines, and what
// Content-Length and Transfer-Encoding say about the body. Used by the
// request and response parsers only; not part of the public API.
//
//   HeadScanner scanner(limits, HttpError::kRequestLineTooLong);
//   if (scanner.Scan(received) == HeadScanner::Result::kComplete)
//     error = ParseFieldLines(scanner.field_lines(received), 100, &headers);

#ifndef RINGWAY_DATAPLANE_CODEC_INTERNAL_HTTP_FIELDS_H_
#define RINGWAY_DATAPLANE_CODEC_INTERNAL_HTTP_FIELDS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/codec/http_message.h"

namespace ringway::codec::internal {

// Finds the empty line that ends a head, looking at each byte once however
// the bytes are split across calls: it keeps offsets only, so the caller
// may move its buffer between calls as long as the bytes already given stay
// the same. On the way it refuses, as soon as they arrive, what no valid
// head can hold: a bare CR or LF, a NUL, a start line over
// max_request_line, a head over max_head_bytes.
//
// Empty lines before the start line are skipped (RFC 9112 section 2.2 asks
// a server to ignore at least one); they count towards max_head_bytes, so
// an endless stream of CRLFs ends as kHeadTooLarge. start() says where the
// start line begins; a response parser refuses a non-zero one.
class HeadScanner {
 public:
  enum class Result { kNeedMoreData, kComplete, kFailed };

  // `start_line_too_long` is the error for a start line over the limit
  // (kRequestLineTooLong or kStatusLineTooLong).
  HeadScanner(const HttpLimits& limits, HttpError start_line_too_long);

  // `data` holds the bytes given before (if any) followed by new ones. A
  // span shorter than what was scanned before starts over.
  Result Scan(std::span<const uint8_t> data);
  void Reset();

  HttpError error() const { return error_; }
  // After kComplete: the head is data[0, end()); its start line is
  // data[start(), start_line_end()), followed by CRLF and the field lines.
  size_t start() const { return start_; }
  size_t start_line_end() const { return start_line_end_; }
  size_t end() const { return end_; }
  std::string_view start_line(std::span<const uint8_t> data) const;
  // Field lines, each ending in CRLF, without the final empty line.
  std::string_view field_lines(std::span<const uint8_t> data) const;

 private:
  void Step(uint8_t c);
  void EndLine(size_t next_line);
  void Fail(HttpError error);

  size_t max_start_line_;
  size_t max_head_bytes_;
  HttpError start_line_too_long_;
  Result result_ = Result::kNeedMoreData;
  HttpError error_ = HttpError::kNone;
  size_t scanned_ = 0;     // bytes looked at so far
  size_t line_start_ = 0;  // offset of the line being scanned
  bool after_cr_ = false;
  bool in_start_line_ = true;
  size_t start_ = 0;
  size_t start_line_end_ = 0;
  size_t end_ = 0;
};

// "HTTP/1.1" or "HTTP/1.0" (RFC 9112 section 2.3; the name is case-
// sensitive). Any other "HTTP/" DIGIT "." DIGIT is kUnsupportedVersion
// (505): HTTP/1.2 is refused rather than read as 1.1, though RFC 9110
// section 6.2 suggests the latter, because nothing sends it. Else
// kBadVersion.
HttpError ParseHttpVersion(std::string_view text, HttpVersion* version);

// One field line without its CRLF (RFC 9112 section 5.1): a token name, a
// colon right after it, and a value of field characters, OWS trimmed.
HttpError ParseFieldLine(std::string_view line, HttpHeader* field);

// Field lines as HeadScanner::field_lines gives them, appended to `out`.
// More than max_count lines (or than HttpHeaders::kCapacity) is
// kTooManyHeaders.
HttpError ParseFieldLines(std::string_view lines, size_t max_count,
                          HttpHeaders* out);

// The smaller of the configured field count and the array's capacity.
size_t MaxHeaderCount(const HttpLimits& limits);

// What Content-Length and Transfer-Encoding say, once the checks requests
// and responses share have passed.
struct Framing {
  bool has_content_length = false;
  uint64_t content_length = 0;
  bool has_transfer_encoding = false;
  bool chunked_seen = false;
  bool chunked_last = false;   // chunked is the final transfer coding
  bool other_codings = false;  // a coding other than chunked is listed
};

// Reads both fields (Transfer-Encoding lines in order, as one list) and
// refuses: a second Content-Length line, even with the same value (RFC 9110
// section 8.6 lets a recipient either reject or merge; a proxy rejects, as
// the next hop might merge differently); a Content-Length that is not
// 1*DIGIT (a comma list included) or over kHttpMaxBodyBytes; chunked listed
// twice (RFC 9112 section 6.1); both fields together (section 6.3 item 3:
// "ought to be handled as an error"); Transfer-Encoding in HTTP/1.0
// (section 6.1: the framing is faulty).
HttpError ReadFraming(const HttpHeaders& headers, HttpVersion version,
                      Framing* out);

// 1*DIGIT, at most kHttpMaxBodyBytes.
bool ParseContentLength(std::string_view text, uint64_t* length);

// Whether the connection persists after this message (RFC 9112 section
// 9.3): not if Connection lists "close"; yes in HTTP/1.1; in HTTP/1.0 only
// if Connection lists "keep-alive". For requests, section 9.3 has a proxy
// ignore HTTP/1.0 keep-alive (an older proxy in front may have forwarded
// the option blindly); like nginx we honour it. A caller wanting the RFC's
// rule closes after every HTTP/1.0 request.
bool KeepAlive(HttpVersion version, const HttpHeaders& headers);

}  // namespace ringway::codec::internal

#endif  // RINGWAY_DATAPLANE_CODEC_INTERNAL_HTTP_FIELDS_H_
