// Counts of one listener on one shard: written by that shard only (plain
// stores of a relaxed load plus one, no read-modify-write), read by any
// thread (the /metrics reader sums the shards). The listener set is fixed
// at start, so each shard holds one per listener for its whole life.

#ifndef RINGWAY_DATAPLANE_STATS_LISTENER_STATS_H_
#define RINGWAY_DATAPLANE_STATS_LISTENER_STATS_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "dataplane/stats/shard_stats.h"

namespace ringway::stats {

// Slots for why connections ended: conn::CloseReason's values index them
// (the shard checks they fit).
inline constexpr int kCloseReasonSlots = 16;

struct ListenerStats {
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> open{0};
  std::atomic<uint64_t> http_requests{0};
  // Connections ended, by conn::CloseReason.
  std::array<std::atomic<uint64_t>, kCloseReasonSlots> closed{};
  // HTTP responses sent whole (the upstream's or ringway's own), by status
  // class: [1] 1xx ... [5] 5xx; [0] anything else.
  std::array<std::atomic<uint64_t>, 6> http_responses{};
  HistogramCounts http_request;   // routed head to complete response
  HistogramCounts tls_handshake;  // a client's, from accept

  static size_t StatusClass(int status) {
    return status >= 100 && status < 600 ? static_cast<size_t>(status / 100)
                                         : 0;
  }

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
