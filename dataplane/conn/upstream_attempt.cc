#include "dataplane/conn/upstream_attempt.h"

#include <cerrno>
#include <cstring>

#include "dataplane/common/log.h"
#include "dataplane/upstream/load_balancer.h"
#include "dataplane/upstream/server_health.h"

namespace ringway::conn {

using stats::Counter;

void BeginUpstreamAttempts(Connection& conn, uint32_t group, uint64_t now_ns) {
  conn.group_index = group;
  conn.group = &conn.routes->snapshot().groups[group];
  conn.attempts_left = conn.group->max_connect_attempts;
  conn.server_index =
      conn.routes->PickServer(group, conn.client_address, now_ns);
}

void TakeNextServer(Connection& conn, uint64_t now_ns) {
  --conn.attempts_left;
  conn.server_tried = conn.server_index;
  conn.server = conn.routes->server(conn.group_index, conn.server_index);
  conn.server_index = upstream::NextServerAfter(
      conn.routes->servers(conn.group_index), conn.server_tried, now_ns);
}

void RetrySameServer(Connection& conn) {
  conn.server_index = conn.server_tried;
}

void CountConnected(Connection& conn, stats::ShardStats& stats, bool healthy,
                    uint64_t now_ns) {
  upstream::ServerState& server = *conn.server;
  stats.Add(Counter::kUpstreamConnectsOk);
  if (now_ns >= conn.connect_started_ns) {
    stats.Observe(stats::Histogram::kUpstreamConnect,
                  now_ns - conn.connect_started_ns);
    conn.log.connect_ns = now_ns - conn.connect_started_ns;
  }
  ++server.connects_ok;
  if (healthy) {
    server.consecutive_failures = 0;
    upstream::RecordSuccess(server);
  }
  ++server.active_connections;
  conn.server_connected = true;
}

void CountConnectFailure(Connection& conn, int32_t res,
                         std::string_view tls_reason, stats::ShardStats& stats,
                         int shard_id, uint64_t now_ns) {
  upstream::ServerState& server = *conn.server;
  const bool timed_out = res == -ECANCELED && conn.connect_timed_out;
  if (tls_reason.empty()) {
    stats.Add(res == -ECONNREFUSED ? Counter::kUpstreamConnectRefused
              : timed_out          ? Counter::kUpstreamConnectTimeout
                                   : Counter::kUpstreamConnectOtherError);
    ++server.connect_failures;
    RINGWAY_LOG(kWarning,
                "shard %d: connect to upstream group \"%s\" server %s "
                "failed: %s",
                shard_id, conn.group->name, server.address.ToString(),
                timed_out ? "timed out" : std::strerror(-res));
  }
  ++server.consecutive_failures;
  if (!upstream::RecordFailure(server, *conn.group, now_ns)) return;
  if (server.checked) {
    RINGWAY_LOG(kWarning,
                "shard %d: upstream group \"%s\" server %s out of rotation "
                "after %u failure(s), until %u health checks pass",
                shard_id, conn.group->name, server.address.ToString(),
                conn.group->max_fails, conn.group->health_check.rise);
    return;
  }
  RINGWAY_LOG(
      kWarning,
      "shard %d: upstream group \"%s\" server %s out of rotation "
      "for %llu ms after %u failure(s)",
      shard_id, conn.group->name, server.address.ToString(),
      static_cast<unsigned long long>(conn.group->fail_timeout_ns / 1'000'000),
      conn.group->max_fails);
}

}  // namespace ringway::conn
