#include "dataplane/upstream/local_routes.h"

#include "dataplane/common/log.h"

namespace ringway::upstream {

LocalRoutes::LocalRoutes(std::shared_ptr<const route::RouteSnapshot> snapshot,
                         UpstreamRegistry* registry)
    : snapshot_(std::move(snapshot)), registry_(registry) {
  groups_.reserve(snapshot_->groups.size());
  servers_.resize(snapshot_->groups.size());
  for (size_t g = 0; g < snapshot_->groups.size(); ++g) {
    const route::UpstreamGroup& group = snapshot_->groups[g];
    groups_.push_back(registry_->AcquireGroup(group.name));
    for (size_t s = 0; s < group.servers.size(); ++s) {
      // TLS: the name verified (and sent as SNI) is part of how a server is
      // reached: no pooled connection or session crosses names.
      std::string key = group.tls == nullptr
                            ? group.transport_key
                            : group.transport_key + " " + group.tls_names[s];
      servers_[g].push_back(registry_->AcquireServer(group.servers[s], key));
    }
  }
  client_tls_.resize(snapshot_->groups.size());
  for (size_t g = 0; g < snapshot_->groups.size(); ++g) {
    const route::UpstreamGroup& group = snapshot_->groups[g];
    if (!group.tls) continue;
    auto context = tls::ClientContext::Create(group.tls);
    if (!context.ok()) {
      RINGWAY_LOG(kError, "upstream group \"%s\": TLS context: %s", group.name,
                  context.status().message());
      continue;
    }
    client_tls_[g] = std::move(*context);
  }
  server_tls_.resize(snapshot_->listeners.size());
  for (size_t l = 0; l < snapshot_->listeners.size(); ++l) {
    const route::ListenerRoutes& listener = snapshot_->listeners[l];
    if (!listener.TerminatesTls() || !listener.http.tls) {
      continue;
    }
    auto context = tls::ServerContext::Create(listener.http.tls);
    if (!context.ok()) {
      // The control thread built the same context as a probe before the
      // table was accepted: this is a resource failure on this shard.
      RINGWAY_LOG(kError, "listener \"%s\": TLS context: %s", listener.name,
                  context.status().message());
      continue;
    }
    server_tls_[l] = std::move(*context);
  }
}

LocalRoutes::~LocalRoutes() {
  for (GroupState* group : groups_) registry_->Release(group);
  for (auto& servers : servers_) {
    for (ServerState* server : servers) registry_->Release(server);
  }
}

}  // namespace ringway::upstream
