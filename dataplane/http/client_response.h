// The response head ringway sends a client for an upstream's response:
// the upstream's fields minus hop-by-hop ones, framing kept as received
// (Content-Length, or chunked relayed as chunked), the virtual host's added
// response headers (replacing the upstream's fields of the same name), and
// Connection for the client connection's fate. Pure.

#ifndef RINGWAY_DATAPLANE_HTTP_CLIENT_RESPONSE_H_
#define RINGWAY_DATAPLANE_HTTP_CLIENT_RESPONSE_H_

#include <string>
#include <string_view>

#include "dataplane/codec/http_message.h"
#include "dataplane/codec/http_response_parser.h"
#include "dataplane/route/route_snapshot.h"

namespace ringway::http {

// "OK", "Not Found", ...; "" for codes it does not know.
std::string_view ReasonPhrase(int status);

// Whether the client connection may carry another request after this
// response (never after a body delimited by close, or a 101).
bool ClientMayKeepAlive(const codec::HttpResponse& response,
                        bool request_keep_alive);

// Appends the head for `response` (interim or final) to *out.
void WriteClientResponseHead(const codec::HttpResponse& response,
                             const route::VirtualHost* vhost,
                             codec::HttpMethod request_method,
                             codec::HttpVersion client_version,
                             bool keep_client_alive, std::string* out);

// Appends `vhost`'s added response headers (nothing for null).
void AppendResponseHeaders(const route::VirtualHost* vhost, std::string* out);

}  // namespace ringway::http

#endif  // RINGWAY_DATAPLANE_HTTP_CLIENT_RESPONSE_H_
