#include "dataplane/upstream/local_routes.h"

namespace ringway::upstream {

LocalRoutes::LocalRoutes(std::shared_ptr<const route::RouteSnapshot> snapshot,
                         UpstreamRegistry* registry)
    : snapshot_(std::move(snapshot)), registry_(registry) {
  groups_.reserve(snapshot_->groups.size());
  servers_.resize(snapshot_->groups.size());
  for (size_t g = 0; g < snapshot_->groups.size(); ++g) {
    const route::UpstreamGroup& group = snapshot_->groups[g];
    groups_.push_back(registry_->AcquireGroup(group.name));
    for (const address::SocketAddress& server : group.servers) {
      servers_[g].push_back(registry_->AcquireServer(server));
    }
  }
}

LocalRoutes::~LocalRoutes() {
  for (GroupState* group : groups_) registry_->Release(group);
  for (auto& servers : servers_) {
    for (ServerState* server : servers) registry_->Release(server);
  }
}

}  // namespace ringway::upstream
