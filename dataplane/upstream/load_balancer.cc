#include "dataplane/upstream/load_balancer.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace ringway::upstream {
namespace {

// Every server unavailable: balance over all of them instead.
bool AnyAvailable(std::span<ServerState* const> servers, uint64_t now_ns) {
  for (const ServerState* s : servers) {
    if (Available(*s, now_ns)) return true;
  }
  return false;
}

uint32_t RoundRobin(GroupState& state, std::span<ServerState* const> servers,
                    bool all, uint64_t now_ns) {
  const uint32_t n = static_cast<uint32_t>(servers.size());
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t s = state.next_server++ % n;
    if (all || Available(*servers[s], now_ns)) return s;
  }
  return state.next_server++ % n;
}

// nginx's smooth weighted round robin: every server gains its weight, the
// richest is picked and pays the total. Spreads a 5:1:1 group as
// a a b a c a a, not a a a a a b c.
uint32_t SmoothWeighted(const route::UpstreamGroup& group, GroupState& state,
                        std::span<ServerState* const> servers, bool all,
                        uint64_t now_ns) {
  if (state.current_weights.size() != servers.size()) {
    state.current_weights.assign(servers.size(), 0);
  }
  int64_t total = 0;
  int best = -1;
  for (size_t s = 0; s < servers.size(); ++s) {
    if (!all && !Available(*servers[s], now_ns)) continue;
    state.current_weights[s] += group.weights[s];
    total += group.weights[s];
    if (best < 0 || state.current_weights[s] > state.current_weights[best]) {
      best = static_cast<int>(s);
    }
  }
  state.current_weights[best] -= total;
  return static_cast<uint32_t>(best);
}

// Fewest active connections per unit of weight; ties go round robin, so an
// idle group still spreads its first connections.
uint32_t LeastConnections(const route::UpstreamGroup& group, GroupState& state,
                          std::span<ServerState* const> servers, bool all,
                          uint64_t now_ns) {
  const uint32_t n = static_cast<uint32_t>(servers.size());
  const uint32_t start = state.next_server++ % n;
  int best = -1;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t s = (start + i) % n;
    if (!all && !Available(*servers[s], now_ns)) continue;
    if (best < 0 ||
        uint64_t{servers[s]->active_connections} * group.weights[best] <
            uint64_t{servers[best]->active_connections} * group.weights[s]) {
      best = static_cast<int>(s);
    }
  }
  return static_cast<uint32_t>(best);
}

uint32_t ClientHash(const route::UpstreamGroup& group,
                    std::span<ServerState* const> servers, bool all,
                    const sockaddr_storage& client, uint64_t now_ns) {
  const std::vector<route::HashPoint>& ring = group.hash_ring;
  const uint32_t key = HashClientAddress(client);
  auto it = std::lower_bound(
      ring.begin(), ring.end(), key,
      [](const route::HashPoint& p, uint32_t k) { return p.hash < k; });
  size_t at = it == ring.end() ? 0 : static_cast<size_t>(it - ring.begin());
  // The owner, or the next point's owner clockwise while it is down.
  for (size_t i = 0; i < ring.size(); ++i) {
    uint32_t s = ring[(at + i) % ring.size()].server;
    if (all || Available(*servers[s], now_ns)) return s;
  }
  return ring[at].server;
}

}  // namespace

uint32_t PickServer(const route::UpstreamGroup& group, GroupState& state,
                    std::span<ServerState* const> servers,
                    const sockaddr_storage& client, uint64_t now_ns) {
  const bool all = !AnyAvailable(servers, now_ns);
  switch (group.balancing) {
    case route::Balancing::kLeastConnections:
      return LeastConnections(group, state, servers, all, now_ns);
    case route::Balancing::kClientAddressHash:
      if (!group.hash_ring.empty()) {
        return ClientHash(group, servers, all, client, now_ns);
      }
      break;
    case route::Balancing::kRoundRobin:
      if (!group.equal_weights) {
        return SmoothWeighted(group, state, servers, all, now_ns);
      }
      break;
  }
  return RoundRobin(state, servers, all, now_ns);
}

uint32_t NextServerAfter(std::span<ServerState* const> servers, uint32_t tried,
                         uint64_t now_ns) {
  const uint32_t n = static_cast<uint32_t>(servers.size());
  for (uint32_t i = 1; i < n; ++i) {
    uint32_t s = (tried + i) % n;
    if (Available(*servers[s], now_ns)) return s;
  }
  return (tried + 1) % n;
}

std::vector<route::HashPoint> BuildHashRing(
    const std::vector<address::SocketAddress>& servers,
    const std::vector<uint32_t>& weights, uint32_t points_per_weight) {
  std::vector<route::HashPoint> ring;
  for (size_t s = 0; s < servers.size(); ++s) {
    const std::string base = servers[s].ToString();
    const uint32_t points =
        points_per_weight * (s < weights.size() ? weights[s] : 1);
    for (uint32_t p = 0; p < points; ++p) {
      ring.push_back({HashBytes(base + "#" + std::to_string(p)),
                      static_cast<uint32_t>(s)});
    }
  }
  std::sort(ring.begin(), ring.end(),
            [](const route::HashPoint& a, const route::HashPoint& b) {
              return a.hash != b.hash ? a.hash < b.hash : a.server < b.server;
            });
  return ring;
}

uint32_t HashBytes(std::string_view bytes) {
  uint32_t h = 2166136261u;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 16777619u;
  }
  // FNV's low bits mix poorly for short keys: finish like murmur3's fmix32.
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

uint32_t HashClientAddress(const sockaddr_storage& client) {
  if (client.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(client);
    return HashBytes({reinterpret_cast<const char*>(&v4.sin_addr), 4});
  }
  if (client.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(client);
    const uint8_t* bytes = v6.sin6_addr.s6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr)) {
      return HashBytes({reinterpret_cast<const char*>(bytes + 12), 4});
    }
    return HashBytes({reinterpret_cast<const char*>(bytes), 16});
  }
  return 0;
}

}  // namespace ringway::upstream
