// A shard's hold on one route snapshot, plus the shard-local state that goes
// with it (round-robin cursors).
//
// Connections count their holder with a plain (non-atomic) counter, so
// accepting a connection never touches a cache line shared with other
// shards. The holder, and with it this shard's reference to the immutable
// RouteSnapshot, is dropped when it is no longer current and its last
// connection has closed. Shard-local.

#ifndef RINGWAY_DATAPLANE_SHARD_SHARD_SNAPSHOT_H_
#define RINGWAY_DATAPLANE_SHARD_SHARD_SNAPSHOT_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/route/route_snapshot.h"

namespace ringway::shard {

struct ShardSnapshot {
  ShardSnapshot(std::shared_ptr<const route::RouteSnapshot> s, int shard_id)
      : snapshot(std::move(s)), next_server(snapshot->groups.size()) {
    // Start shards at different servers so N shards do not all hit
    // server 0 first.
    for (size_t g = 0; g < next_server.size(); ++g) {
      next_server[g] = static_cast<uint32_t>(shard_id);
    }
  }

  // Picks the next server index of group g (round robin, per shard).
  uint32_t NextServer(uint32_t g) { return next_server[g]++; }

  std::shared_ptr<const route::RouteSnapshot> snapshot;
  uint32_t connections = 0;
  std::vector<uint32_t> next_server;
};

}  // namespace ringway::shard

#endif  // RINGWAY_DATAPLANE_SHARD_SHARD_SNAPSHOT_H_
