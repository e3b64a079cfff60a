// ringway's own responses: errors (400, 404, 413, 431, 502, 504, ...) with
// a one-line text body, the 301 to https of a plain HTTP listener, and
// "100 Continue". The virtual host's added response headers go on the first
// two as well. Pure; no heap beyond growing the caller's string.
//
//   WriteLocalResponse(502, "connect refused", vhost, /*keep_alive=*/false,
//                      /*head_request=*/false, &out);
//   // "HTTP/1.1 502 Bad Gateway\r\n...Connection: close\r\n\r\n"
//   // "502 Bad Gateway\n"

#ifndef RINGWAY_DATAPLANE_HTTP_LOCAL_RESPONSE_H_
#define RINGWAY_DATAPLANE_HTTP_LOCAL_RESPONSE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "dataplane/route/route_snapshot.h"

namespace ringway::http {

// Appends to *out (not cleared here):
//   HTTP/1.1 <status> <reason>
//   Content-Type: text/plain; charset=utf-8
//   Content-Length: <body size>
//   <vhost's response headers>            (none for a null vhost)
//   Connection: close                     (only when !keep_alive)
//   (empty line)
//   <status> <reason>\n                   (left out for HEAD)
// `detail` is for the caller's logs and is not written: bodies never echo
// what a client or upstream sent.
void WriteLocalResponse(int status, std::string_view detail,
                        const route::VirtualHost* vhost, bool keep_alive,
                        bool head_request, std::string* out);

// Appends a 301 to "https://<host>[:<https_port>]<target in origin-form>"
// (":443" left out): the status line, Location, then the same fields as
// WriteLocalResponse and the body "301 Moved Permanently\n" (left out for
// HEAD: a body there would be read as the start of the next response).
// `host` is the request's Host value (or authority): its port is dropped,
// an IPv6 literal keeps its brackets. `target` may be origin- or
// absolute-form.
void WriteRedirectToHttps(std::string_view host, std::string_view target,
                          uint16_t https_port, const route::VirtualHost* vhost,
                          bool keep_alive, bool head_request, std::string* out);

// Appends "HTTP/1.1 100 Continue\r\n\r\n" (RFC 9110 section 10.1.1).
void WriteContinue(std::string* out);

}  // namespace ringway::http

#endif  // RINGWAY_DATAPLANE_HTTP_LOCAL_RESPONSE_H_
