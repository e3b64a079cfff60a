#include "dataplane/upstream/server_report.h"

#include <algorithm>

#include "dataplane/upstream/server_health.h"

namespace ringway::upstream {
namespace {

const char* CheckName(route::HealthCheckKind kind) {
  switch (kind) {
    case route::HealthCheckKind::kTcp:
      return "tcp";
    case route::HealthCheckKind::kTls:
      return "tls";
    case route::HealthCheckKind::kHttp:
      return "http";
    case route::HealthCheckKind::kNone:
      break;
  }
  return "";
}

}  // namespace

std::vector<ServerReport> ReportServers(const LocalRoutes& routes,
                                        uint64_t now_ns) {
  std::vector<ServerReport> rows;
  const route::RouteSnapshot& snapshot = routes.snapshot();
  for (uint32_t g = 0; g < snapshot.groups.size(); ++g) {
    const route::UpstreamGroup& group = snapshot.groups[g];
    for (uint32_t s = 0; s < group.servers.size(); ++s) {
      const ServerState& state = *routes.server(g, s);
      ServerReport row;
      row.group = group.name;
      row.server = state.address.ToString();
      row.tls = group.tls != nullptr;
      if (Available(state, now_ns)) {
        row.shards_up = 1;
      } else if (state.check_down) {
        row.shards_down = 1;
        row.shards_check_down = 1;
      } else {
        row.shards_down = 1;
        row.down_for_ms = (state.down_until_ns - now_ns) / 1'000'000;
      }
      row.check = CheckName(group.health_check.kind);
      row.checks_passed = state.checks_passed;
      row.checks_failed = state.checks_failed;
      row.last_check_failure = state.last_check_failure;
      row.active_connections = state.active_connections;
      row.idle_connections = state.idle.size();
      row.connects_ok = state.connects_ok;
      row.connect_failures = state.connect_failures;
      row.marked_down = state.marked_down;
      row.reuses = state.reuses;
      row.tls_handshakes = state.tls_handshakes;
      row.tls_resumed = state.tls_resumed;
      row.tls_failures = state.tls_failures;
      row.ktls = state.ktls;
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

void MergeServerReport(ServerReport& into, const ServerReport& from) {
  const bool into_down = into.shards_check_down > 0;
  into.shards_up += from.shards_up;
  into.shards_down += from.shards_down;
  into.shards_check_down += from.shards_check_down;
  into.down_for_ms = std::max(into.down_for_ms, from.down_for_ms);
  into.checks_passed += from.checks_passed;
  into.checks_failed += from.checks_failed;
  // Where shards differ, the reason given by one that has the server out.
  if (!from.last_check_failure.empty() &&
      (into.last_check_failure.empty() ||
       (from.shards_check_down > 0 && !into_down))) {
    into.last_check_failure = from.last_check_failure;
  }
  into.active_connections += from.active_connections;
  into.idle_connections += from.idle_connections;
  into.connects_ok += from.connects_ok;
  into.connect_failures += from.connect_failures;
  into.marked_down += from.marked_down;
  into.reuses += from.reuses;
  into.tls_handshakes += from.tls_handshakes;
  into.tls_resumed += from.tls_resumed;
  into.tls_failures += from.tls_failures;
  into.ktls.Merge(from.ktls);
}

}  // namespace ringway::upstream
