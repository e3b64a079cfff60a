// A shard's state for each upstream server and group, kept across route
// swaps. A server is an address reached one way: plain TCP, or TLS with
// given settings (the group's transport key), so idle connections and TLS
// sessions are never handed to a group that reaches the same address
// differently.
//
// Route snapshots are immutable and shared by every shard; what a shard
// learns about upstreams (round-robin position, connections open, connect
// failures; connection pools and health later) lives here instead, keyed by
// server address and by group name. A new snapshot resolves its groups and
// servers to these entries (LocalRoutes), so a server or group that stays
// across a swap keeps its state, and one that leaves is dropped once no
// table a connection still holds names it. Shard-local: no locks, no atomics.
//
//   UpstreamRegistry registry;
//   ServerState* s = registry.AcquireServer(address);   // refs 1
//   ...
//   registry.Release(s);                                // gone at refs 0

#ifndef RINGWAY_DATAPLANE_UPSTREAM_UPSTREAM_REGISTRY_H_
#define RINGWAY_DATAPLANE_UPSTREAM_UPSTREAM_REGISTRY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "dataplane/address/socket_address.h"
#include "dataplane/stats/ktls_counts.h"
#include "dataplane/tls/client_context.h"
#include "dataplane/upstream/idle_connections.h"

namespace ringway::upstream {

struct ServerState {
  address::SocketAddress address;
  std::string address_text;  // address.ToString(), made once (access logs)
  std::string key;           // registry key: address and transport
  uint32_t refs = 0;  // LocalRoutes naming this server
  // Counted by the connections of this shard.
  uint32_t active_connections = 0;
  uint64_t connects_ok = 0;
  uint64_t connect_failures = 0;
  uint32_t consecutive_failures = 0;  // reset by a successful connect
  // Passive health (load_balancer.h): failures in the current window, and
  // until when the server is out of rotation.
  uint32_t fails = 0;
  uint64_t fail_window_start_ns = 0;
  uint64_t down_until_ns = 0;
  uint64_t marked_down = 0;  // times taken out of rotation
  // Active health (server_health.h): the checks' verdict, the run of equal
  // results leading to the next one, and their counts.
  bool checked = false;  // by the shard's current table (health/)
  bool check_down = false;
  bool check_in_flight = false;  // one check of a server at a time
  uint32_t check_passes_in_row = 0;
  uint32_t check_failures_in_row = 0;
  uint64_t checks_passed = 0;
  uint64_t checks_failed = 0;
  std::string last_check_failure;  // why the latest failed check failed
  uint64_t reuses = 0;             // HTTP requests on a kept connection
  uint64_t tls_handshakes = 0;     // re-encryption: completed
  uint64_t tls_resumed = 0;        // of which resumed
  uint64_t tls_failures = 0;       // handshakes that failed
  stats::KtlsCounts ktls;          // kTLS on the sockets to this server
  // Re-encryption: the server's last resumable session on this shard.
  tls::UpstreamSessionSlot tls_session;
  // HTTP keep-alive: connections idle between requests (closed with the
  // entry when no table names the server any more). Declared after
  // tls_session: its TLS sessions report to that slot until destroyed.
  IdleConnections idle;
};

struct GroupState {
  std::string name;
  uint32_t refs = 0;
  uint32_t next_server = 0;  // round-robin cursor
  // Smooth weighted round robin: each server's current weight.
  std::vector<int64_t> current_weights;
};

class UpstreamRegistry {
 public:
  // first_server: where round robin starts for a new group, so that N shards
  // do not all send their first connection to server 0.
  explicit UpstreamRegistry(uint32_t first_server = 0)
      : first_server_(first_server) {}
  UpstreamRegistry(const UpstreamRegistry&) = delete;
  UpstreamRegistry& operator=(const UpstreamRegistry&) = delete;

  // Finds or creates the entry and takes a reference. Never null.
  // `transport_key`: "" for plain TCP, else the group's TLS settings key.
  ServerState* AcquireServer(const address::SocketAddress& address,
                             std::string_view transport_key = "");
  GroupState* AcquireGroup(std::string_view name);
  // Drops a reference; the entry is destroyed at zero.
  void Release(ServerState* server);
  void Release(GroupState* group);

  size_t server_count() const { return servers_.size(); }
  size_t group_count() const { return groups_.size(); }
  // Null if absent. For stats and tests.
  const ServerState* FindServer(const address::SocketAddress& address,
                                std::string_view transport_key = "") const;
  const GroupState* FindGroup(std::string_view name) const;

 private:
  uint32_t first_server_;
  // Keyed by the address's text form ("10.0.0.1:80", "[::1]:443") and the
  // transport key: computed only when a table is installed, never per
  // connection.
  absl::flat_hash_map<std::string, std::unique_ptr<ServerState>> servers_;
  absl::flat_hash_map<std::string, std::unique_ptr<GroupState>> groups_;
};

}  // namespace ringway::upstream

#endif  // RINGWAY_DATAPLANE_UPSTREAM_UPSTREAM_REGISTRY_H_
