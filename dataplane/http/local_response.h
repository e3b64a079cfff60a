// ringway's own responses: errors (400, 404, 413, 431, 502, 504, ...) with
// a one-line text body, and the 301 to https of a plain HTTP listener. The
// virtual host's added response headers go on them too. Pure.

#ifndef RINGWAY_DATAPLANE_HTTP_LOCAL_RESPONSE_H_
#define RINGWAY_DATAPLANE_HTTP_LOCAL_RESPONSE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "dataplane/route/route_snapshot.h"

namespace ringway::http {

// `detail` is for logs only: bodies never echo what a client sent.
void WriteLocalResponse(int status, std::string_view detail,
                        const route::VirtualHost* vhost, bool keep_alive,
                        bool head_request, std::string* out);

// 301 to https://host[:port]target (":443" left out); `host` is the
// request's Host value (its port is replaced).
void WriteRedirectToHttps(std::string_view host, std::string_view target,
                          uint16_t https_port, const route::VirtualHost* vhost,
                          bool keep_alive, std::string* out);

}  // namespace ringway::http

#endif  // RINGWAY_DATAPLANE_HTTP_LOCAL_RESPONSE_H_
