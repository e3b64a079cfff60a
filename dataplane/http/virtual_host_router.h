// Which virtual host and location of an HTTP listener a request goes to:
// the host by the Host field (or, without one, the TLS server name), the
// location by the longest matching path prefix. Also the request-target
// pieces the other writers need (its path, its origin-form). Pure and
// allocation-free; called once per request on the shard.
//
//   const route::VirtualHost* vhost =
//       FindVirtualHost(routes, request.authority, tls_server_name);
//   if (vhost == nullptr) return Reply(404);
//   const route::HttpLocation* location =
//       FindLocation(*vhost, request.target);  // "/api/v1?q" → "/api/"

#ifndef RINGWAY_DATAPLANE_HTTP_VIRTUAL_HOST_ROUTER_H_
#define RINGWAY_DATAPLANE_HTTP_VIRTUAL_HOST_ROUTER_H_

#include <string>
#include <string_view>

#include "dataplane/route/route_snapshot.h"

namespace ringway::http {

// `host`: the Host value (a port and IPv6 brackets allowed), may be empty;
// `sni`: the TLS server name, used only when `host` is empty. Null when
// nothing matches and there is no default virtual host (or no matcher).
const route::VirtualHost* FindVirtualHost(const route::HttpRoutes& routes,
                                          std::string_view host,
                                          std::string_view sni);

// The name part of a Host value, port and brackets removed:
// "a.b:8080" → "a.b", "[::1]:443" → "::1", "a.b" → "a.b".
std::string_view HostName(std::string_view host);

// The path of a request-target, query left out: origin-form up to '?';
// absolute-form's path after the authority ("/" if it has none);
// "/" for authority-form and "*".
std::string_view TargetPath(std::string_view target);

// Appends `target` in origin-form (RFC 9112 section 3.2.1): origin-form as
// it is; absolute-form as its path and query ("http://h?q" → "/?q",
// "http://h" → "/"); anything else (authority-form, "*") as "/".
void AppendOriginForm(std::string_view target, std::string* out);

// The first location (they are sorted longest prefix first) whose prefix
// starts the target's path; null if none.
const route::HttpLocation* FindLocation(const route::VirtualHost& vhost,
                                        std::string_view target);

// The ACME http-01 path (RFC 8555 section 8.3), served even where plain
// HTTP is redirected to https: "/.well-known/acme-challenge/<token>".
bool IsAcmeChallenge(std::string_view target);

}  // namespace ringway::http

#endif  // RINGWAY_DATAPLANE_HTTP_VIRTUAL_HOST_ROUTER_H_
