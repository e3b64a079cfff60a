// Which virtual host and location of an HTTP listener a request goes to:
// the host by the Host field (or, without one, the TLS server name), the
// location by the longest matching path prefix. Pure; called once per
// request on the shard.

#ifndef RINGWAY_DATAPLANE_HTTP_VIRTUAL_HOST_ROUTER_H_
#define RINGWAY_DATAPLANE_HTTP_VIRTUAL_HOST_ROUTER_H_

#include <string_view>

#include "dataplane/route/route_snapshot.h"

namespace ringway::http {

// `host`: the Host value (port and brackets allowed), may be empty; `sni`:
// the TLS server name, used when there is no host. Null when nothing
// matches and there is no default virtual host.
const route::VirtualHost* FindVirtualHost(const route::HttpRoutes& routes,
                                          std::string_view host,
                                          std::string_view sni);

// The name part of a Host value: "a.b:8080" → "a.b", "[::1]:80" → "::1".
std::string_view HostName(std::string_view host);

// The path of a request-target: origin-form up to '?', absolute-form's
// path after the authority ("/" if none).
std::string_view TargetPath(std::string_view target);

// The first location (longest prefix first) whose prefix starts the path.
const route::HttpLocation* FindLocation(const route::VirtualHost& vhost,
                                        std::string_view target);

// The Let's Encrypt http-01 path, always answered over plain HTTP.
bool IsAcmeChallenge(std::string_view target);

}  // namespace ringway::http

#endif  // RINGWAY_DATAPLANE_HTTP_VIRTUAL_HOST_ROUTER_H_
