// What one shard knows about the upstream servers of its current route
// table, for `ringwayctl stats`: each server's health and counters, read
// on the shard's own thread (the state is shard-local) when the control
// thread asks, then summed over shards there.

#ifndef RINGWAY_DATAPLANE_UPSTREAM_SERVER_REPORT_H_
#define RINGWAY_DATAPLANE_UPSTREAM_SERVER_REPORT_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/stats/ktls_counts.h"
#include "dataplane/upstream/local_routes.h"

namespace ringway::upstream {

struct ServerReport {
  std::string group;
  std::string server;  // address
  bool tls = false;    // reached over TLS (re-encryption)
  // Shards on which the server is in rotation / out of it; of those out,
  // how many until health checks pass (the others for the longest
  // down_for_ms, by passive health).
  uint32_t shards_up = 0;
  uint32_t shards_down = 0;
  uint32_t shards_check_down = 0;
  uint64_t down_for_ms = 0;
  // Active health checks: "tcp", "tls", "http", or "" (none); counts, and
  // why the latest failed one failed.
  std::string check;
  uint64_t checks_passed = 0;
  uint64_t checks_failed = 0;
  std::string last_check_failure;
  uint64_t active_connections = 0;
  uint64_t idle_connections = 0;
  uint64_t connects_ok = 0;
  uint64_t connect_failures = 0;
  uint64_t marked_down = 0;
  uint64_t reuses = 0;
  uint64_t tls_handshakes = 0;
  uint64_t tls_resumed = 0;
  uint64_t tls_failures = 0;
  stats::KtlsCounts ktls;
};

// kTLS on the client sockets of one listener (on one shard, then summed).
struct ListenerReport {
  std::string listener;
  stats::KtlsCounts ktls;
};

// One row per server of each group of the shard's current table, in table
// order. Shard thread only.
std::vector<ServerReport> ReportServers(const LocalRoutes& routes,
                                        uint64_t now_ns);

// Adds another shard's row for the same group and server.
void MergeServerReport(ServerReport& into, const ServerReport& from);

// A control thread's request to every shard: each fills its slot and then
// sets `done`; the slots never move.
struct UpstreamReportRequest {
  struct Slot {
    std::vector<ServerReport> rows;
    std::vector<ListenerReport> listeners;  // in listener order
    std::atomic<bool> done{false};
  };
  explicit UpstreamReportRequest(size_t shards) : slots(shards) {}
  std::vector<Slot> slots;
};

}  // namespace ringway::upstream

#endif  // RINGWAY_DATAPLANE_UPSTREAM_SERVER_REPORT_H_
