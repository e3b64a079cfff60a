// The response head ringway sends a client for an upstream's response:
// the upstream's fields in order minus hop-by-hop ones, the body framing as
// received (Content-Length, or chunked relayed as chunked), the virtual
// host's added response headers (replacing upstream fields of the same
// name), and Connection for the client connection's fate. Pure; no heap
// beyond growing the caller's string.
//
//   WriteClientResponseHead(response, vhost, request.method, request.version,
//                           ClientMayKeepAlive(response, keep_alive), &out);

#ifndef RINGWAY_DATAPLANE_HTTP_CLIENT_RESPONSE_H_
#define RINGWAY_DATAPLANE_HTTP_CLIENT_RESPONSE_H_

#include <string>
#include <string_view>

#include "dataplane/codec/http_message.h"
#include "dataplane/codec/http_response_parser.h"
#include "dataplane/route/route_snapshot.h"

namespace ringway::http {

// The RFC 9110 section 15 reason phrase: "OK", "Not Found", ...; "" for a
// code it does not know.
std::string_view ReasonPhrase(int status);

// Whether the client connection may carry another request after this
// (final) response: when the request allowed it (`request_keep_alive`,
// HttpRequest::keep_alive and whatever else the caller weighs) and the
// body does not end at close; never after a tunnel (101, CONNECT).
bool ClientMayKeepAlive(const codec::HttpResponse& response,
                        bool request_keep_alive);

// Appends the head for `response` to *out (not cleared here). The status
// line is always "HTTP/1.1 <code> <reason>" (the upstream's reason, or
// ReasonPhrase when it sent none).
// - Interim (1xx but 101): the upstream's fields minus hop-by-hop ones and
//   Content-Length; nothing added.
// - 101: the upstream's fields minus hop-by-hop ones, Content-Length and
//   the replaced ones, then "Connection: upgrade", "Upgrade: <upstream's>"
//   and the vhost's response headers.
// - Final: the upstream's fields minus hop-by-hop ones, Content-Length
//   (kept as sent only for a bodiless response to HEAD and for 304, where
//   it describes the representation) and the replaced ones; then
//   "Content-Length: N" (kContentLength) or "Transfer-Encoding: chunked"
//   (kChunked; the body is relayed chunked); then vhost->response_headers
//   in config order; then "Connection: close" when !keep_client_alive or
//   the body ends at close (kUntilClose), "Connection: keep-alive" for a
//   kept HTTP/1.0 client, nothing otherwise (nothing for a CONNECT tunnel).
// `vhost` may be null (no added headers).
void WriteClientResponseHead(const codec::HttpResponse& response,
                             const route::VirtualHost* vhost,
                             codec::HttpMethod request_method,
                             codec::HttpVersion client_version,
                             bool keep_client_alive, std::string* out);

// Appends `vhost`'s added response headers, "Name: value\r\n" each in
// config order (nothing for null).
void AppendResponseHeaders(const route::VirtualHost* vhost, std::string* out);

}  // namespace ringway::http

#endif  // RINGWAY_DATAPLANE_HTTP_CLIENT_RESPONSE_H_
