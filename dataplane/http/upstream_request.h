// The request head ringway sends upstream for a client's request: the
// client's fields minus hop-by-hop ones, framing rewritten, and the fields
// that carry the client (X-Forwarded-For appended, X-Real-IP,
// X-Forwarded-Proto, X-Forwarded-Host, optionally RFC 7239 Forwarded, and
// client-certificate results). A client's own copies of the fields ringway
// sets are dropped, so they cannot be spoofed. Pure.

#ifndef RINGWAY_DATAPLANE_HTTP_UPSTREAM_REQUEST_H_
#define RINGWAY_DATAPLANE_HTTP_UPSTREAM_REQUEST_H_

#include <string>
#include <string_view>

#include "dataplane/codec/http_request_parser.h"
#include "dataplane/route/route_snapshot.h"

namespace ringway::http {

// What ringway knows about the client connection.
struct DownstreamFacts {
  std::string_view client_ip;  // real client IP text
  bool https = false;
  std::string_view client_verify;  // "" when client certificates are off
  std::string_view client_subject;
};

// Appends the head ("METHOD origin-target HTTP/1.1\r\n" ... "\r\n") to *out.
void WriteUpstreamRequestHead(const codec::HttpRequest& request,
                              const route::ForwardedHeaders& forwarded,
                              const route::HttpLocation& location,
                              const DownstreamFacts& facts,
                              bool keep_upstream_alive, std::string* out);

}  // namespace ringway::http

#endif  // RINGWAY_DATAPLANE_HTTP_UPSTREAM_REQUEST_H_
