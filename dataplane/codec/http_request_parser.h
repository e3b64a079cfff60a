// Parses the head of an HTTP/1.1 request (request line, field lines, empty
// line; RFC 9112) from the bytes a client sent, and works out how its body
// is framed and whether the connection persists. Strict where parsers
// disagree, so that no request is smuggled past the proxy. Pure and
// allocation-free; the parser remembers how far it has looked, so each
// call scans only the new bytes and the head is parsed once, when complete.
//
//   HttpRequestParser parser(limits);  // one per request; Reset() to reuse
//   HttpRequest request;  // ~4 KiB, no heap; views into `received`
//   const HttpParseStatus status = parser.Parse(received, &request);
//   if (status == HttpParseStatus::kNeedMoreData) return RecvMore();
//   if (status != HttpParseStatus::kComplete)
//     return Reply(HttpStatusCodeFor(status), HttpErrorName(request.error));
//   Route(request);  // the body starts at received[request.head_length]

#ifndef RINGWAY_DATAPLANE_CODEC_HTTP_REQUEST_PARSER_H_
#define RINGWAY_DATAPLANE_CODEC_HTTP_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/codec/http_message.h"
#include "dataplane/codec/internal/http_fields.h"

namespace ringway::codec {

// The four request-target forms (RFC 9112 section 3.2).
enum class HttpTargetForm {
  kOrigin,     // "/path?query"
  kAbsolute,   // "http://host/path", as sent to a forward proxy
  kAuthority,  // "host:port", CONNECT only
  kAsterisk,   // "*", OPTIONS only
};

// A parsed request head. Every string_view points into the bytes given to
// HttpRequestParser::Parse. NOTE: the caller must keep those bytes alive
// and unmoved for as long as it reads these views.
struct HttpRequest {
  HttpMethod method = HttpMethod::kOther;
  std::string_view method_name;  // as sent; kOther methods are known by it
  std::string_view target;
  HttpTargetForm target_form = HttpTargetForm::kOrigin;
  HttpVersion version = HttpVersion::kHttp11;
  HttpHeaders headers;
  // The Host field value; empty if absent (allowed in HTTP/1.0 only).
  std::string_view host;
  // Where the request is going: the target's authority in absolute-form
  // and authority-form (RFC 9112 section 3.2.2 has a proxy ignore Host
  // then), else host.
  std::string_view authority;
  // Bytes of the head, leading empty lines included; the body (or the next
  // request, when pipelined) starts here.
  size_t head_length = 0;
  // kNone, kContentLength or kChunked (RFC 9112 section 6.3: a request
  // without either field has no body).
  HttpBodyKind body_kind = HttpBodyKind::kNone;
  uint64_t content_length = 0;
  // The connection may carry another request after this one (RFC 9112
  // section 9.3): HTTP/1.1 unless Connection lists "close"; HTTP/1.0 only
  // when Connection lists "keep-alive" and not "close".
  bool keep_alive = false;
  // HTTP/1.1 with "Expect: 100-continue" (RFC 9110 section 10.1.1: ignored
  // in HTTP/1.0).
  bool expect_continue = false;
  // HTTP/1.1 with an Upgrade field and "upgrade" listed in Connection (RFC
  // 9110 section 7.8); a 101 response then turns the connection into a
  // tunnel.
  bool upgrade = false;
  // kNone after kComplete; else why the request was refused. Fields parsed
  // before the failing rule keep their values (for a log line): trust none.
  HttpError error = HttpError::kNone;
};

class HttpRequestParser {
 public:
  explicit HttpRequestParser(const HttpLimits& limits = HttpLimits());

  // Parses the request head at the start of `data`: every byte of this
  // request received so far, the same bytes as in the previous call (they
  // may have moved) followed by any new ones; a shorter span starts over.
  // Bytes after the head are ignored. `out` is left untouched on
  // kNeedMoreData and filled otherwise. Once the result is not
  // kNeedMoreData, later calls with those bytes return it again.
  //
  // Refused (the request smuggling list of RFC 9112 and then some):
  // - line structure: a bare CR or bare LF (CRLF is the only line end), a
  //   NUL or other CTL (HTAB allowed in values), obs-fold, whitespace
  //   before a colon, an empty or non-token field name;
  // - request line: anything but one SP between a token method, a target
  //   and "HTTP/1.1" or "HTTP/1.0" (another HTTP/x.y is 505). The target
  //   is origin-form ("/..."), absolute-form ("http://" or "https://",
  //   a non-empty authority without userinfo), authority-form with a port
  //   for CONNECT (only), or "*" for OPTIONS (only); no CTL or SP in it;
  // - Host: missing in HTTP/1.1, repeated, or not uri-host [":" port];
  // - framing: see internal::ReadFraming (duplicate or invalid
  //   Content-Length, both fields, Transfer-Encoding in HTTP/1.0), plus a
  //   Transfer-Encoding whose final coding is not chunked (400) or that
  //   lists another coding, gzip included (501: the proxy forwards chunked
  //   bodies only);
  // - limits: request line over max_request_line (414), head over
  //   max_head_bytes or more than max_header_count fields (431), a
  //   Content-Length over max_body_bytes (413); the first two as soon as
  //   the bytes exceed them, before the head is complete.
  // Empty lines before the request line are skipped (RFC 9112 section 2.2)
  // and counted in head_length.
  HttpParseStatus Parse(std::span<const uint8_t> data, HttpRequest* out);

  // Forgets the scanned bytes, for the next request on the connection:
  // call Parse with the bytes after the previous head_length and body.
  void Reset() { scanner_.Reset(); }

 private:
  HttpLimits limits_;
  internal::HeadScanner scanner_;
};

}  // namespace ringway::codec

#endif  // RINGWAY_DATAPLANE_CODEC_HTTP_REQUEST_PARSER_H_
