// An upstream group's active health check (config HealthCheck) compiled
// into the route snapshot's form: defaults filled in, limits checked, and
// the HTTP request for each server written once, here, instead of per
// check on the shards.
//
// Control-thread only. Errors are appended to `errors`, each naming its
// field path ("upstream_groups[0].health_check.http_path: ...").

#ifndef RINGWAY_CONTROL_HEALTH_CHECK_COMPILER_H_
#define RINGWAY_CONTROL_HEALTH_CHECK_COMPILER_H_

#include <string>
#include <vector>

#include "dataplane/route/route_snapshot.h"
#include "proto/ringway_config.pb.h"

namespace ringway::control {

// `group` is the group compiled so far (servers, tls); its health check is
// filled in. Nothing happens when `in` has no health_check.
void CompileHealthCheck(const config::UpstreamGroup& in,
                        const std::string& path, route::UpstreamGroup* group,
                        std::vector<std::string>* errors);

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_HEALTH_CHECK_COMPILER_H_
