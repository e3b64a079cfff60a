// A shard's hold on one route snapshot, with the snapshot's groups and
// servers resolved to this shard's UpstreamRegistry entries.
//
// Connections count their LocalRoutes with a plain counter, so accepting a
// connection never touches a cache line another shard writes. The holder,
// and with it this shard's reference to the immutable RouteSnapshot, is
// dropped when it is no longer current and its last connection has closed.
// It also holds this shard's TLS server context (one SSL_CTX) for each
// HTTPS listener of the snapshot, built from the listener's shared
// ServerTlsConfig when the table is installed, and its TLS client context
// (one SSL_CTX) for each group that re-encrypts.
// Shard-local.
//
//   auto* routes = new LocalRoutes(snapshot, &registry);
//   uint32_t server = routes->PickServer(group, client, now_ns);
//   routes->server(group, server)->active_connections++;

#ifndef RINGWAY_DATAPLANE_UPSTREAM_LOCAL_ROUTES_H_
#define RINGWAY_DATAPLANE_UPSTREAM_LOCAL_ROUTES_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dataplane/route/route_snapshot.h"
#include "dataplane/tls/client_context.h"
#include "dataplane/tls/server_context.h"
#include "dataplane/upstream/load_balancer.h"
#include "dataplane/upstream/upstream_registry.h"

namespace ringway::upstream {

class LocalRoutes {
 public:
  LocalRoutes(std::shared_ptr<const route::RouteSnapshot> snapshot,
              UpstreamRegistry* registry);
  ~LocalRoutes();
  LocalRoutes(const LocalRoutes&) = delete;
  LocalRoutes& operator=(const LocalRoutes&) = delete;

  const route::RouteSnapshot& snapshot() const { return *snapshot_; }
  // Index of the server of group g for a new connection, by the group's
  // balancing policy and its servers' health (load_balancer.h). Cursors
  // and weights are the group's, so they carry over to the next table.
  uint32_t PickServer(uint32_t g, const sockaddr_storage& client,
                      uint64_t now_ns) {
    return upstream::PickServer(snapshot_->groups[g], *groups_[g], servers_[g],
                                client, now_ns);
  }
  ServerState* server(uint32_t g, uint32_t s) const { return servers_[g][s]; }
  std::span<ServerState* const> servers(uint32_t g) const {
    return servers_[g];
  }
  // The TLS server context of listener `l` (an HTTPS listener), or null if
  // it is not one or its context could not be built (logged).
  tls::ServerContext* server_tls(size_t l) const {
    return l < server_tls_.size() ? server_tls_[l].get() : nullptr;
  }
  // The TLS client context of group `g` (re-encryption), or null if the
  // group is plain TCP or its context could not be built (logged).
  tls::ClientContext* client_tls(uint32_t g) const {
    return client_tls_[g].get();
  }

  // Connections that started under this table and are still open, and
  // health checks running under it: the shard frees a table that is no
  // longer current once neither holds it.
  uint32_t connections = 0;
  uint32_t probes = 0;
  bool in_use() const { return connections + probes > 0; }

 private:
  std::shared_ptr<const route::RouteSnapshot> snapshot_;
  UpstreamRegistry* registry_;
  std::vector<GroupState*> groups_;                 // by group index
  std::vector<std::vector<ServerState*>> servers_;  // [group][server]
  std::vector<std::unique_ptr<tls::ServerContext>> server_tls_;  // by listener
  std::vector<std::unique_ptr<tls::ClientContext>> client_tls_;  // by group
};

}  // namespace ringway::upstream

#endif  // RINGWAY_DATAPLANE_UPSTREAM_LOCAL_ROUTES_H_
