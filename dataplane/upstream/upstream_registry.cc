#include "dataplane/upstream/upstream_registry.h"

namespace ringway::upstream {

namespace {

std::string ServerKey(const address::SocketAddress& address,
                      std::string_view transport_key) {
  std::string key = address.ToString();
  if (!transport_key.empty()) {
    key += ' ';
    key.append(transport_key);
  }
  return key;
}

}  // namespace

ServerState* UpstreamRegistry::AcquireServer(
    const address::SocketAddress& address, std::string_view transport_key) {
  std::string key = ServerKey(address, transport_key);
  std::unique_ptr<ServerState>& entry = servers_[key];
  if (entry == nullptr) {
    entry = std::make_unique<ServerState>();
    entry->address = address;
    entry->address_text = address.ToString();
    entry->key = std::move(key);
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
  if (--server->refs == 0) servers_.erase(server->key);
}

void UpstreamRegistry::Release(GroupState* group) {
  if (--group->refs == 0) groups_.erase(group->name);
}

const ServerState* UpstreamRegistry::FindServer(
    const address::SocketAddress& address,
    std::string_view transport_key) const {
  auto it = servers_.find(ServerKey(address, transport_key));
  return it == servers_.end() ? nullptr : it->second.get();
}

const GroupState* UpstreamRegistry::FindGroup(std::string_view name) const {
  auto it = groups_.find(std::string(name));
  return it == groups_.end() ? nullptr : it->second.get();
}

}  // namespace ringway::upstream
