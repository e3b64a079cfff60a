// The HTTP parts of a route table: an http or https listener's timeouts,
// limits, forwarded headers and real-client-address rule, and its virtual
// hosts with their locations, into route::HttpRoutes. An https listener's
// TLS is the caller's (tls_config_compiler.h).
//
// Control-thread only. Errors are appended to `errors`, each naming its
// field path ("listeners[0].http.virtual_hosts[1].locations[0]
// .path_prefix: must start with \"/\"").
#ifndef RINGWAY_CONTROL_HTTP_CONFIG_COMPILER_H_
#define RINGWAY_CONTROL_HTTP_CONFIG_COMPILER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dataplane/route/route_snapshot.h"
#include "proto/ringway_config.pb.h"

namespace ringway::control {

// An upstream group's index in the table by name; records an error naming
// `path` (and returns 0) when there is none.
using GroupResolver =
    std::function<uint32_t(const std::string& name, const std::string& path)>;

// Timeouts, limits, forwarded headers and real_ip.
void CompileHttpOptions(const config::HttpListener& in, const std::string& path,
                        route::HttpRoutes* out,
                        std::vector<std::string>* errors);

// The virtual hosts and their locations, and the server-name matcher that
// picks one.
void CompileVirtualHosts(const config::HttpListener& in,
                         const std::string& path, bool https,
                         const GroupResolver& group, route::HttpRoutes* out,
                         std::vector<std::string>* errors);

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_HTTP_CONFIG_COMPILER_H_
