// What became of the kTLS attempts of one listener's client sockets, or of
// one upstream server's sockets, on one shard: how many went to the
// kernel, how many stayed with BoringSSL's records, and why the latest of
// those did. Shard-local; copied into `ringwayctl stats` reports.

#ifndef RINGWAY_DATAPLANE_STATS_KTLS_COUNTS_H_
#define RINGWAY_DATAPLANE_STATS_KTLS_COUNTS_H_

#include <cstdint>
#include <string>

namespace ringway::stats {

struct KtlsCounts {
  uint64_t connections = 0;       // sockets whose records the kernel did
  uint64_t fallbacks = 0;         // ktls AUTO, user-space records instead
  std::string last_fallback;      // "kernel: TCP_ULP tls: ...", "cipher ..."
  uint64_t last_fallback_ns = 0;  // when (monotonic clock)

  void Fallback(std::string why, uint64_t now_ns) {
    ++fallbacks;
    last_fallback = std::move(why);
    last_fallback_ns = now_ns;
  }
  // Another shard's counts for the same listener or server: the latest
  // reason of the two stays.
  void Merge(const KtlsCounts& other) {
    connections += other.connections;
    fallbacks += other.fallbacks;
    if (other.fallbacks != 0 && other.last_fallback_ns >= last_fallback_ns) {
      last_fallback = other.last_fallback;
      last_fallback_ns = other.last_fallback_ns;
    }
  }
};

}  // namespace ringway::stats

#endif  // RINGWAY_DATAPLANE_STATS_KTLS_COUNTS_H_
