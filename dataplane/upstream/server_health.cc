#include "dataplane/upstream/server_health.h"

namespace ringway::upstream {

bool RecordFailure(ServerState& server, const route::UpstreamGroup& group,
                   uint64_t now_ns) {
  if (group.max_fails == 0) return false;
  if (now_ns - server.fail_window_start_ns >= group.fail_timeout_ns) {
    server.fails = 0;
    server.fail_window_start_ns = now_ns;
  }
  if (++server.fails < group.max_fails || !Available(server, now_ns)) {
    return false;
  }
  server.fails = 0;
  ++server.marked_down;
  if (server.checked) {
    server.check_down = true;
    server.check_passes_in_row = 0;
    server.check_failures_in_row = 0;
  } else {
    server.down_until_ns = now_ns + group.fail_timeout_ns;
  }
  return true;
}

void RecordSuccess(ServerState& server) { server.fails = 0; }

CheckTransition RecordCheckResult(ServerState& server,
                                  const route::HealthCheck& check,
                                  bool passed) {
  if (passed) {
    ++server.checks_passed;
    server.check_failures_in_row = 0;
    if (!server.check_down || ++server.check_passes_in_row < check.rise) {
      return CheckTransition::kNone;
    }
    server.check_down = false;
    server.check_passes_in_row = 0;
    server.down_until_ns = 0;
    server.fails = 0;
    return CheckTransition::kCameBack;
  }
  ++server.checks_failed;
  server.check_passes_in_row = 0;
  if (server.check_down || ++server.check_failures_in_row < check.fall) {
    return CheckTransition::kNone;
  }
  server.check_down = true;
  server.check_failures_in_row = 0;
  ++server.marked_down;
  return CheckTransition::kWentDown;
}

void ForgetCheckVerdict(ServerState& server) {
  server.check_down = false;
  server.check_passes_in_row = 0;
  server.check_failures_in_row = 0;
}

}  // namespace ringway::upstream
