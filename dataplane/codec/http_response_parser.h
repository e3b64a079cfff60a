// Parses the head of an HTTP/1.1 response from an upstream (status line,
// field lines, empty line; RFC 9112) and works out how its body is framed
// given the request it answers (RFC 9112 section 6.3). The same field
// rules as requests apply; any refusal means: close the upstream connection
// and answer the client 502. Pure and allocation-free; like
// HttpRequestParser it scans each byte once and parses the head once.
//
//   HttpResponseParser parser(limits);
//   HttpResponse response;  // views into `received`
//   const HttpResponseContext context = {.request_method = request.method,
//                                        .request_upgrade = request.upgrade};
//   switch (parser.Parse(received, context, &response)) {
//     case HttpParseStatus::kNeedMoreData: RecvMore(); break;
//     case HttpParseStatus::kComplete: Relay(response); break;
//     default: ReplyBadGateway(HttpErrorName(response.error));
//   }

#ifndef RINGWAY_DATAPLANE_CODEC_HTTP_RESPONSE_PARSER_H_
#define RINGWAY_DATAPLANE_CODEC_HTTP_RESPONSE_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/codec/http_message.h"
#include "dataplane/codec/internal/http_fields.h"

namespace ringway::codec {

// What the framing of a response depends on in the request it answers.
struct HttpResponseContext {
  HttpMethod request_method = HttpMethod::kGet;
  // The request asked to upgrade (HttpRequest::upgrade): only then is a
  // 101 valid.
  bool request_upgrade = false;
};

// A parsed response head. Every string_view points into the bytes given to
// HttpResponseParser::Parse. NOTE: the caller must keep those bytes alive
// and unmoved for as long as it reads these views.
struct HttpResponse {
  HttpVersion version = HttpVersion::kHttp11;
  int status_code = 0;      // 100..599
  std::string_view reason;  // may be empty; clients ignore it (section 4)
  HttpHeaders headers;
  // Bytes of the head; the body (or the next response) starts here.
  size_t head_length = 0;
  // RFC 9112 section 6.3, in order: kTunnel for 101 and for a 2xx to
  // CONNECT; kNone for a response to HEAD and for 1xx, 204 and 304
  // (Content-Length and Transfer-Encoding are then ignored, unchecked, as
  // the RFC says); kChunked when chunked is the final transfer coding;
  // kUntilClose for any other Transfer-Encoding; kContentLength; else
  // kUntilClose.
  HttpBodyKind body_kind = HttpBodyKind::kNone;
  uint64_t content_length = 0;
  // The upstream connection can be reused after this response (RFC 9112
  // section 9.3; never for kUntilClose or kTunnel).
  bool keep_alive = false;
  // 101 Switching Protocols to a request that asked to upgrade.
  bool upgrade = false;
  // kNone after kComplete; else why the response was refused. Fields parsed
  // before the failing rule keep their values (for a log line): trust none.
  HttpError error = HttpError::kNone;

  // 1xx other than 101: an interim response; the final one follows on the
  // same connection after head_length (parse it with a Reset parser).
  bool interim() const { return status_code < 200 && status_code != 101; }
};

class HttpResponseParser {
 public:
  explicit HttpResponseParser(const HttpLimits& limits = HttpLimits());

  // Parses the response head at the start of `data`, with the same calling
  // rules as HttpRequestParser::Parse (same bytes plus new ones; `out`
  // untouched on kNeedMoreData; the result sticks once decided).
  //
  // status-line = HTTP-version SP status-code SP [reason-phrase] (RFC 9112
  // section 4), version "HTTP/1.1" or "HTTP/1.0" (another HTTP/x.y:
  // kVersionNotSupported), a three-digit code in 100..599 (RFC 9110
  // section 15), a reason without CTLs but HTAB. A missing SP after the
  // code ("HTTP/1.1 200") is accepted, as clients do. An empty line before
  // the status line is refused: on a reused connection it means the
  // previous response was framed wrongly.
  //
  // Refused besides, as for requests: bare CR, bare LF, NUL, obs-fold,
  // whitespace before a colon, bad field names and values, too many
  // fields, and (when the body is framed by them) the framing errors of
  // internal::ReadFraming; a 101 unless the request asked to upgrade and
  // the response has an Upgrade field (RFC 9110 section 15.2.2). Limits
  // as for requests: status line over max_request_line and head over
  // max_head_bytes as soon as they arrive, Content-Length over
  // max_body_bytes (usually 0 for upstreams).
  HttpParseStatus Parse(std::span<const uint8_t> data,
                        const HttpResponseContext& context, HttpResponse* out);

  // Forgets the scanned bytes, for the next response (after a 1xx, or on a
  // reused connection).
  void Reset() { scanner_.Reset(); }

 private:
  HttpLimits limits_;
  internal::HeadScanner scanner_;
};

}  // namespace ringway::codec

#endif  // RINGWAY_DATAPLANE_CODEC_HTTP_RESPONSE_PARSER_H_
