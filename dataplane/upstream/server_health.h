// Whether an upstream server is in rotation, from what this shard has seen
// of it: passive health (connects and handshakes that failed, nginx
// `max_fails` / `fail_timeout`) and active checks (HAProxy `rise` /
// `fall`). Pure functions of shard-local state: no locks, no clock reads.
//
//   if (!Available(*server, now_ns)) skip it;
//   if (RecordFailure(*server, group, now_ns)) log("marked down");
//   switch (RecordCheckResult(*server, group.health_check, passed)) ...

#ifndef RINGWAY_DATAPLANE_UPSTREAM_SERVER_HEALTH_H_
#define RINGWAY_DATAPLANE_UPSTREAM_SERVER_HEALTH_H_

#include <cstdint>

#include "dataplane/route/route_snapshot.h"
#include "dataplane/upstream/upstream_registry.h"

namespace ringway::upstream {

// Marked down neither by passive health nor by active checks.
inline bool Available(const ServerState& server, uint64_t now_ns) {
  return !server.check_down && now_ns >= server.down_until_ns;
}

// A connect or TLS handshake to `server` failed. True when this failure
// took it out of rotation: max_fails reached within fail_timeout. Then it
// stays out for fail_timeout, or, when the current table checks the server
// (`checked`), until the checks pass `rise` times in a row (HAProxy
// `on-error mark-down`).
bool RecordFailure(ServerState& server, const route::UpstreamGroup& group,
                   uint64_t now_ns);
// A connection to `server` was established: its failure count restarts.
void RecordSuccess(ServerState& server);

enum class CheckTransition : uint8_t { kNone, kWentDown, kCameBack };

// The result of one active check: `fall` failures in a row take the server
// out, `rise` passes in a row bring it back (and clear passive health).
CheckTransition RecordCheckResult(ServerState& server,
                                  const route::HealthCheck& check, bool passed);

// No table checks `server` any more: a verdict nobody will revise is
// dropped, so the server is back in rotation.
void ForgetCheckVerdict(ServerState& server);

}  // namespace ringway::upstream

#endif  // RINGWAY_DATAPLANE_UPSTREAM_SERVER_HEALTH_H_
