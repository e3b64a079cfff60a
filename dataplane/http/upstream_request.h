// The request head ringway sends upstream for a client's request: the
// client's fields in order minus hop-by-hop ones, Host and framing
// rewritten, and the fields that carry the client (X-Forwarded-For
// appended to, X-Real-IP, X-Forwarded-Proto, X-Forwarded-Host, optionally
// RFC 7239 Forwarded, and client-certificate results). A client's own
// copies of the fields ringway sets are dropped, so they cannot be
// spoofed. Pure; no heap beyond growing the caller's string.
//
//   upstream_out.clear();
//   WriteUpstreamRequestHead(request, routes.forwarded, *location, facts,
//                            /*keep_upstream_alive=*/true, &upstream_out);

#ifndef RINGWAY_DATAPLANE_HTTP_UPSTREAM_REQUEST_H_
#define RINGWAY_DATAPLANE_HTTP_UPSTREAM_REQUEST_H_

#include <string>
#include <string_view>

#include "dataplane/codec/http_request_parser.h"
#include "dataplane/route/route_snapshot.h"

namespace ringway::http {

// What ringway knows about the client connection. The views must outlive
// the call only.
struct DownstreamFacts {
  std::string_view client_ip;  // real client IP text (RealClientIp)
  bool https = false;          // the client spoke TLS to ringway
  // "SUCCESS", "NONE", "FAILED:<reason>"; "" when client certificates are
  // not configured on the listener (the headers are then not sent).
  std::string_view client_verify;
  std::string_view client_subject;  // RFC 2253; "" when no certificate
};

// Appends the head to *out (the caller clears it; it is not cleared here):
//
//   METHOD origin-target HTTP/1.1       absolute-form turned origin-form;
//                                        "*" and authority-form as sent
//   Host: location.upstream_host, else request.authority (the target's
//         authority in absolute-form, else the Host value; RFC 9112
//         section 3.2.2); left out when both are empty (HTTP/1.0)
//   <the client's fields, in order>     minus hop-by-hop ones (those named
//         in Connection too), Host, Content-Length, and the fields below
//         that are enabled (and any client_verify/subject_header copy)
//   X-Forwarded-For: <client's values, ", "-joined>, <client_ip>
//   X-Real-IP: <client_ip>
//   X-Forwarded-Proto: https | http
//   X-Forwarded-Host: <request.authority>   (when not empty)
//   Forwarded: <client's values>, for=<ip>;proto=..;host="<authority>"
//   <client_verify_header>: ..., <client_subject_header>: ...
//   Content-Length: N | Transfer-Encoding: chunked    (as the client framed)
//   Connection: upgrade + Upgrade: <client's> | keep-alive | close
//   (empty line)
//
// The forwarded fields each come only when enabled in `forwarded`; a
// disabled one's client copy is passed through untouched. Every value is
// from the parser (no CR/LF, checked there) or the validated config.
void WriteUpstreamRequestHead(const codec::HttpRequest& request,
                              const route::ForwardedHeaders& forwarded,
                              const route::HttpLocation& location,
                              const DownstreamFacts& facts,
                              bool keep_upstream_alive, std::string* out);

}  // namespace ringway::http

#endif  // RINGWAY_DATAPLANE_HTTP_UPSTREAM_REQUEST_H_
