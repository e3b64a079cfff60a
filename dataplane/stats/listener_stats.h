// Counts of one listener on one shard: written by that shard only (plain
// stores of a relaxed load plus one, no read-modify-write), read by any
// thread (the /metrics reader sums the shards). The listener set is fixed
// at start, so each shard holds one per listener for its whole life.

#ifndef RINGWAY_DATAPLANE_STATS_LISTENER_STATS_H_
#define RINGWAY_DATAPLANE_STATS_LISTENER_STATS_H_

#include <atomic>
#include <cstdint>

namespace ringway::stats {

struct ListenerStats {
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> open{0};
  std::atomic<uint64_t> http_requests{0};

  // Shard thread only.
  static void Add(std::atomic<uint64_t>& value, uint64_t delta = 1) {
    value.store(value.load(std::memory_order_relaxed) + delta,
                std::memory_order_relaxed);
  }
  static void Sub(std::atomic<uint64_t>& value) {
    value.store(value.load(std::memory_order_relaxed) - 1,
                std::memory_order_relaxed);
  }
};

}  // namespace ringway::stats

#endif  // RINGWAY_DATAPLANE_STATS_LISTENER_STATS_H_
