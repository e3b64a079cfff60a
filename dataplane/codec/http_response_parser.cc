#include "dataplane/codec/http_response_parser.h"

#include "dataplane/codec/internal/http_chars.h"

namespace ringway::codec {
namespace {

using internal::HeadScanner;
using internal::IsDigit;

// status-code = 3DIGIT, in 100..599 (RFC 9110 section 15).
bool ParseStatusCode(std::string_view text, int* code) {
  if (text.size() != 3 || !IsDigit(text[0]) || !IsDigit(text[1]) ||
      !IsDigit(text[2])) {
    return false;
  }
  *code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
  return *code >= 100 && *code <= 599;
}

// RFC 9112 section 4.
HttpError ParseStatusLine(std::string_view line, HttpResponse* out) {
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return HttpError::kBadStatusLine;
  const HttpError error =
      internal::ParseHttpVersion(line.substr(0, space), &out->version);
  if (error != HttpError::kNone) return error;
  std::string_view rest = line.substr(space + 1);
  if (!ParseStatusCode(rest.substr(0, 3), &out->status_code)) {
    return HttpError::kBadStatusCode;
  }
  rest.remove_prefix(3);
  if (rest.empty()) return HttpError::kNone;  // "HTTP/1.1 200": no SP
  if (rest.front() != ' ') return HttpError::kBadStatusCode;
  out->reason = rest.substr(1);
  if (!internal::AllOf(out->reason, internal::kFieldChar)) {
    return HttpError::kBadStatusLine;
  }
  return HttpError::kNone;
}

// Content-Length or Transfer-Encoding decide (items 3 to 7 of section 6.3).
HttpError ReadBodyFraming(const HttpLimits& limits, HttpResponse* out) {
  internal::Framing framing;
  const HttpError error =
      internal::ReadFraming(out->headers, out->version, &framing);
  if (error != HttpError::kNone) return error;
  if (framing.has_transfer_encoding) {
    // Item 4: chunked not final means reading until the server closes.
    out->body_kind = framing.chunked_last ? HttpBodyKind::kChunked
                                          : HttpBodyKind::kUntilClose;
  } else if (framing.has_content_length) {
    const uint64_t max = limits.max_body_bytes;
    if (max != 0 && framing.content_length > max) {
      return HttpError::kBodyTooLarge;
    }
    out->body_kind = HttpBodyKind::kContentLength;
    out->content_length = framing.content_length;
  } else {
    out->body_kind = HttpBodyKind::kUntilClose;  // item 8
  }
  return HttpError::kNone;
}

// RFC 9112 section 6.3 items 1 and 2, then ReadBodyFraming.
HttpError ReadFraming(const HttpLimits& limits,
                      const HttpResponseContext& context, HttpResponse* out) {
  const int code = out->status_code;
  if (code == 101) {
    // RFC 9110 section 15.2.2: only to a request that asked, and the
    // response names the protocol switched to.
    if (!context.request_upgrade || out->headers.Find("upgrade") == nullptr) {
      return HttpError::kUnexpectedSwitchingProtocols;
    }
    out->upgrade = true;
    out->body_kind = HttpBodyKind::kTunnel;
    return HttpError::kNone;
  }
  if (context.request_method == HttpMethod::kConnect && code / 100 == 2) {
    out->body_kind = HttpBodyKind::kTunnel;  // RFC 9110 section 9.3.6
    return HttpError::kNone;
  }
  if (context.request_method == HttpMethod::kHead || code < 200 ||
      code == 204 || code == 304) {
    out->body_kind = HttpBodyKind::kNone;
    return HttpError::kNone;
  }
  return ReadBodyFraming(limits, out);
}

HttpError ParseHead(std::span<const uint8_t> data, const HeadScanner& scanner,
                    const HttpLimits& limits,
                    const HttpResponseContext& context, HttpResponse* out) {
  if (scanner.start() != 0) return HttpError::kBadStatusLine;
  HttpError error = ParseStatusLine(scanner.start_line(data), out);
  if (error == HttpError::kNone) {
    error = internal::ParseFieldLines(scanner.field_lines(data),
                                      internal::MaxHeaderCount(limits),
                                      &out->headers);
  }
  if (error == HttpError::kNone) error = ReadFraming(limits, context, out);
  if (error != HttpError::kNone) return error;
  const HttpBodyKind body = out->body_kind;
  out->keep_alive = body != HttpBodyKind::kUntilClose &&
                    body != HttpBodyKind::kTunnel &&
                    internal::KeepAlive(out->version, out->headers);
  return HttpError::kNone;
}

void Clear(HttpResponse* out) {
  out->version = HttpVersion::kHttp11;
  out->status_code = 0;
  out->reason = {};
  out->headers.Clear();
  out->head_length = 0;
  out->body_kind = HttpBodyKind::kNone;
  out->content_length = 0;
  out->keep_alive = out->upgrade = false;
  out->error = HttpError::kNone;
}

}  // namespace

HttpResponseParser::HttpResponseParser(const HttpLimits& limits)
    : limits_(limits), scanner_(limits, HttpError::kStatusLineTooLong) {}

HttpParseStatus HttpResponseParser::Parse(std::span<const uint8_t> data,
                                          const HttpResponseContext& context,
                                          HttpResponse* out) {
  const HeadScanner::Result scan = scanner_.Scan(data);
  if (scan == HeadScanner::Result::kNeedMoreData) {
    return HttpParseStatus::kNeedMoreData;
  }
  Clear(out);
  HttpError error = scanner_.error();
  if (scan == HeadScanner::Result::kComplete) {
    out->head_length = scanner_.end();
    error = ParseHead(data, scanner_, limits_, context, out);
  }
  out->error = error;
  return HttpParseStatusFor(error);
}

}  // namespace ringway::codec
