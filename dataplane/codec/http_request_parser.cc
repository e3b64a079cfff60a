#include "dataplane/codec/http_request_parser.h"

#include "dataplane/codec/internal/http_chars.h"

namespace ringway::codec {
namespace {

using internal::AllOf;
using internal::EqualsIgnoreCase;
using internal::HeadScanner;
using internal::IsDigit;

constexpr size_t kNpos = std::string_view::npos;

HttpMethod LookUpMethod(std::string_view name) {
  struct Known {
    std::string_view name;
    HttpMethod method;
  };
  static constexpr Known kKnown[] = {
      {"GET", HttpMethod::kGet},         {"HEAD", HttpMethod::kHead},
      {"POST", HttpMethod::kPost},       {"PUT", HttpMethod::kPut},
      {"DELETE", HttpMethod::kDelete},   {"OPTIONS", HttpMethod::kOptions},
      {"CONNECT", HttpMethod::kConnect}, {"TRACE", HttpMethod::kTrace},
      {"PATCH", HttpMethod::kPatch},
  };
  for (const Known& known : kKnown) {
    if (known.name == name) return known.method;
  }
  return HttpMethod::kOther;
}

// uri-host [":" port], loosely (internal::kHostChar). There is no "@" in
// it, so userinfo, which RFC 9110 section 4.2.4 says to treat as an error,
// is refused too.
bool IsAuthority(std::string_view text) {
  return !text.empty() && AllOf(text, internal::kHostChar);
}

// authority-form (RFC 9112 section 3.2.3): host ":" port, the port being
// required for CONNECT (RFC 9110 section 9.3.6).
bool IsAuthorityWithPort(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == kNpos || colon == 0) return false;
  const size_t bracket = text.rfind(']');  // IPv6 literal: "[::1]:443"
  if (bracket != kNpos && bracket > colon) return false;
  const std::string_view port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  for (char c : port) {
    if (!IsDigit(c)) return false;
  }
  return IsAuthority(text);
}

// absolute-form (RFC 9112 section 3.2.2) with the http or https scheme
// (case-insensitive), the authority ending at the path, query or end.
bool ParseAbsoluteForm(std::string_view target, std::string_view* authority) {
  size_t scheme_length;
  if (internal::StartsWithIgnoreCase(target, "http://")) {
    scheme_length = 7;
  } else if (internal::StartsWithIgnoreCase(target, "https://")) {
    scheme_length = 8;
  } else {
    return false;
  }
  const std::string_view rest = target.substr(scheme_length);
  *authority = rest.substr(0, rest.find_first_of("/?#"));
  return IsAuthority(*authority);
}

HttpError ParseTarget(HttpRequest* out) {
  const std::string_view target = out->target;
  if (!AllOf(target, internal::kTargetChar)) return HttpError::kBadTarget;
  if (out->method == HttpMethod::kConnect) {
    if (!IsAuthorityWithPort(target)) return HttpError::kBadTarget;
    out->target_form = HttpTargetForm::kAuthority;
    out->authority = target;
  } else if (target.front() == '/') {
    out->target_form = HttpTargetForm::kOrigin;
  } else if (target == "*") {  // RFC 9112 section 3.2.4
    if (out->method != HttpMethod::kOptions) return HttpError::kBadTarget;
    out->target_form = HttpTargetForm::kAsterisk;
  } else if (ParseAbsoluteForm(target, &out->authority)) {
    out->target_form = HttpTargetForm::kAbsolute;
  } else {
    return HttpError::kBadTarget;
  }
  return HttpError::kNone;
}

// request-line = method SP request-target SP HTTP-version (RFC 9112
// section 3). Exactly one SP between the parts: section 3 allows a server
// to split on any whitespace, but a lenient split is how a target with a
// space in it reaches the next hop as something else.
HttpError ParseRequestLine(std::string_view line, HttpRequest* out) {
  const size_t first = line.find(' ');
  const size_t second = first == kNpos ? kNpos : line.find(' ', first + 1);
  if (second == kNpos) return HttpError::kBadRequestLine;
  out->method_name = line.substr(0, first);
  out->target = line.substr(first + 1, second - first - 1);
  if (!internal::IsToken(out->method_name)) return HttpError::kBadMethod;
  out->method = LookUpMethod(out->method_name);
  if (out->target.empty()) return HttpError::kBadRequestLine;
  const HttpError error =
      internal::ParseHttpVersion(line.substr(second + 1), &out->version);
  if (error != HttpError::kNone) return error;
  return ParseTarget(out);
}

// RFC 9112 section 3.2: 400 for an HTTP/1.1 request without Host, for more
// than one Host line, and for an invalid Host value. An empty value is
// valid (a target without an authority).
HttpError ReadHost(HttpRequest* out) {
  size_t count = 0;
  for (const HttpHeader& field : out->headers) {
    if (!EqualsIgnoreCase(field.name, "host")) continue;
    if (++count > 1) return HttpError::kDuplicateHost;
    out->host = field.value;
  }
  if (count == 0 && out->version == HttpVersion::kHttp11) {
    return HttpError::kMissingHost;
  }
  if (!AllOf(out->host, internal::kHostChar)) return HttpError::kBadHost;
  if (out->authority.empty()) out->authority = out->host;
  return HttpError::kNone;
}

// RFC 9112 section 6.3, for a request.
HttpError ReadBodyFraming(const HttpLimits& limits, HttpRequest* out) {
  internal::Framing framing;
  const HttpError error =
      internal::ReadFraming(out->headers, out->version, &framing);
  if (error != HttpError::kNone) return error;
  if (framing.has_transfer_encoding) {
    // Item 4: without chunked last the length cannot be known: 400.
    if (!framing.chunked_last)
      return HttpError::kTransferEncodingNotChunkedLast;
    // Section 6.1: a coding the server does not understand SHOULD be 501.
    // The proxy frames and forwards chunked only, and does not decode.
    if (framing.other_codings) return HttpError::kUnknownTransferCoding;
    out->body_kind = HttpBodyKind::kChunked;
  } else if (framing.has_content_length) {
    const uint64_t max = limits.max_body_bytes;
    if (max != 0 && framing.content_length > max) {
      return HttpError::kBodyTooLarge;
    }
    out->body_kind = HttpBodyKind::kContentLength;
    out->content_length = framing.content_length;
  }
  return HttpError::kNone;
}

void ReadConnectionOptions(HttpRequest* out) {
  const HttpHeaders& headers = out->headers;
  out->keep_alive = internal::KeepAlive(out->version, headers);
  if (out->version != HttpVersion::kHttp11) return;
  out->expect_continue = headers.HasListElement("expect", "100-continue");
  out->upgrade = headers.Find("upgrade") != nullptr &&
                 headers.HasConnectionOption("upgrade");
}

HttpError ParseHead(std::span<const uint8_t> data, const HeadScanner& scanner,
                    const HttpLimits& limits, HttpRequest* out) {
  HttpError error = ParseRequestLine(scanner.start_line(data), out);
  if (error == HttpError::kNone) {
    error = internal::ParseFieldLines(scanner.field_lines(data),
                                      internal::MaxHeaderCount(limits),
                                      &out->headers);
  }
  if (error == HttpError::kNone) error = ReadHost(out);
  if (error == HttpError::kNone) error = ReadBodyFraming(limits, out);
  if (error == HttpError::kNone) ReadConnectionOptions(out);
  return error;
}

void Clear(HttpRequest* out) {
  out->method = HttpMethod::kOther;
  out->method_name = out->target = out->host = out->authority = {};
  out->target_form = HttpTargetForm::kOrigin;
  out->version = HttpVersion::kHttp11;
  out->headers.Clear();
  out->head_length = 0;
  out->body_kind = HttpBodyKind::kNone;
  out->content_length = 0;
  out->keep_alive = out->expect_continue = out->upgrade = false;
  out->error = HttpError::kNone;
}

}  // namespace

HttpRequestParser::HttpRequestParser(const HttpLimits& limits)
    : limits_(limits), scanner_(limits, HttpError::kRequestLineTooLong) {}

HttpParseStatus HttpRequestParser::Parse(std::span<const uint8_t> data,
                                         HttpRequest* out) {
  const HeadScanner::Result scan = scanner_.Scan(data);
  if (scan == HeadScanner::Result::kNeedMoreData) {
    return HttpParseStatus::kNeedMoreData;
  }
  Clear(out);
  HttpError error = scanner_.error();
  if (scan == HeadScanner::Result::kComplete) {
    out->head_length = scanner_.end();
    error = ParseHead(data, scanner_, limits_, out);
  }
  out->error = error;
  return HttpParseStatusFor(error);
}

}  // namespace ringway::codec
