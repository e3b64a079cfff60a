// Which server of a group a new connection goes to, and which one a failed
// attempt tries next, by the group's balancing policy and the servers'
// health (server_health.h). Shard-local state only (GroupState, ServerState):
// each shard balances its own connections, without locks.
//
//   uint32_t s = PickServer(group, group_state, servers, client, now_ns);
//   ... connect to servers[s] fails:
//   if (RecordFailure(*servers[s], group, now_ns)) log("marked down");
//   s = NextServerAfter(group, servers, s, now_ns);

#ifndef RINGWAY_DATAPLANE_UPSTREAM_LOAD_BALANCER_H_
#define RINGWAY_DATAPLANE_UPSTREAM_LOAD_BALANCER_H_

#include <sys/socket.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "dataplane/route/route_snapshot.h"
#include "dataplane/upstream/server_health.h"
#include "dataplane/upstream/upstream_registry.h"

namespace ringway::upstream {

// The server for a new connection. Skips unavailable servers; when every
// server is unavailable, picks as if all were up (as nginx does), so a
// group never refuses outright on stale health.
uint32_t PickServer(const route::UpstreamGroup& group, GroupState& state,
                    std::span<ServerState* const> servers,
                    const sockaddr_storage& client, uint64_t now_ns);

// After a failed attempt on `tried`: the next available server in group
// order (or simply the next one when none is available).
uint32_t NextServerAfter(std::span<ServerState* const> servers, uint32_t tried,
                         uint64_t now_ns);

// The consistent-hash ring for a group: `points_per_weight` points per unit
// of weight for each server, hashed from its address text. Control thread.
std::vector<route::HashPoint> BuildHashRing(
    const std::vector<address::SocketAddress>& servers,
    const std::vector<uint32_t>& weights, uint32_t points_per_weight = 160);

// 32-bit FNV-1a; the ring and the client keys use it.
uint32_t HashBytes(std::string_view bytes);
// The client's IP address as hash key (IPv4-mapped IPv6 as IPv4; the port
// left out, so a client keeps its server across connections).
uint32_t HashClientAddress(const sockaddr_storage& client);

}  // namespace ringway::upstream

#endif  // RINGWAY_DATAPLANE_UPSTREAM_LOAD_BALANCER_H_
