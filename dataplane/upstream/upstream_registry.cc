#include "dataplane/upstream/upstream_registry.h"

namespace ringway::upstream {

ServerState* UpstreamRegistry::AcquireServer(
    const address::SocketAddress& address) {
  std::unique_ptr<ServerState>& entry = servers_[address.ToString()];
  if (entry == nullptr) {
    entry = std::make_unique<ServerState>();
    entry->address = address;
  }
  ++entry->refs;
  return entry.get();
}

GroupState* UpstreamRegistry::AcquireGroup(std::string_view name) {
  std::unique_ptr<GroupState>& entry = groups_[std::string(name)];
  if (entry == nullptr) {
    entry = std::make_unique<GroupState>();
    entry->name = std::string(name);
    entry->next_server = first_server_;
  }
  ++entry->refs;
  return entry.get();
}

void UpstreamRegistry::Release(ServerState* server) {
  if (--server->refs == 0) servers_.erase(server->address.ToString());
}

void UpstreamRegistry::Release(GroupState* group) {
  if (--group->refs == 0) groups_.erase(group->name);
}

const ServerState* UpstreamRegistry::FindServer(
    const address::SocketAddress& address) const {
  auto it = servers_.find(address.ToString());
  return it == servers_.end() ? nullptr : it->second.get();
}

const GroupState* UpstreamRegistry::FindGroup(std::string_view name) const {
  auto it = groups_.find(std::string(name));
  return it == groups_.end() ? nullptr : it->second.get();
}

}  // namespace ringway::upstream
