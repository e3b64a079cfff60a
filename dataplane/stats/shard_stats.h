// Per-shard counters: written only by the owning shard, read by the control
// thread for `ringwayctl stats`.
//
// One cache-line-aligned block per shard so shards never share a line.
// Single writer: increments are a relaxed load+store, not a locked RMW.

#ifndef RINGWAY_DATAPLANE_STATS_SHARD_STATS_H_
#define RINGWAY_DATAPLANE_STATS_SHARD_STATS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

namespace ringway::stats {

enum class Counter : int {
  kConnectionsTotal,  // accepted
  kConnectionsOpen,   // gauge: accepted and not yet closed
  kBytesClientToUpstream,
  kBytesUpstreamToClient,
  kUpstreamConnectsOk,
  kProxyHeadersAccepted,
  kBadClientHelloToDefault,  // bad first bytes, relayed to the default
  kDirectionsSpliced,  // relay directions that moved from recv/send to splice
  // HTTP listeners.
  kTlsHandshakes,       // completed (full or resumed)
  kTlsResumed,          // of which resumed
  kHttpRequests,        // request heads parsed and routed
  kHttpRedirects,       // 301 to https
  kHttpUpgrades,        // 101: tunnelled afterwards
  kHttpUpstreamReuses,  // requests sent on a kept upstream connection
  kHttpBodiesSpliced,   // Content-Length bodies moved by splice
  // Re-encryption.
  kUpstreamTlsHandshakes,  // completed (full or resumed)
  kUpstreamTlsResumed,     // of which resumed
  kHealthChecksPassed,     // active health checks of upstream servers
  // kTLS (tls_terminate listeners, re-encrypting tcp_proxy listeners):
  // connections whose TLS sides all went to the kernel, and those that
  // would have (AUTO) but run BoringSSL's records: the kernel has no kTLS,
  // or not for the version/cipher negotiated.
  kKtlsConnections,
  kKtlsFallbackKernel,
  kKtlsFallbackCipher,
  kKtlsTicketsStored,  // NewSessionTickets read off kTLS, kept for reuse
  kAccessLogLines,     // access log lines queued for their file
  // Errors by kind.
  kHealthChecksFailed,
  kUpstreamConnectRefused,
  kUpstreamConnectTimeout,
  kUpstreamConnectOtherError,
  kUpstreamUnavailable,  // every attempt failed: client closed
  kClientResets,
  kUpstreamResets,
  kIdleTimeouts,
  kAcceptErrors,
  kConnectionLimit,  // accepted but no free slot: closed
  kDrainForcedCloses,
  kProxyHeaderUntrusted,
  kProxyHeaderMalformed,
  kProxyHeaderMissing,
  kNotTls,
  kClientHelloMalformed,
  kClientHelloTooLarge,
  kNoRoute,
  kPeekTimeouts,
  kPeekClientClosed,
  kTlsHandshakeErrors,
  kHttpBadRequests,       // malformed or over a limit: 4xx and closed
  kHttpNoVirtualHost,     // 404: no virtual host or location
  kHttpBadGateway,        // 502: no upstream took it, or a bad response
  kHttpGatewayTimeouts,   // 504: no response in time
  kHttpClientTimeouts,    // client too slow: head, body or keep-alive
  kUpstreamTlsErrors,     // handshake failed (verification, alert, timeout)
  kKtlsRefused,           // ktls: ON and the kernel refused: closed
  kKtlsKeyUpdateCloses,   // a KeyUpdate the kernel cannot follow: closed
  kKtlsErrors,            // a key install or control record failed: closed
  kAccessLogDropped,      // lines dropped: the file's writes fell behind
  kAccessLogWriteErrors,  // writes that failed (their lines are lost)
  kNumCounters,
};

std::string_view CounterName(Counter counter);
bool IsErrorCounter(Counter counter);

// Durations observed per shard, in fixed buckets (Prometheus `_seconds`
// histograms once summed).
enum class Histogram : int {
  kUpstreamConnect,  // connect() to an upstream server, until it completes
  kTlsHandshake,     // a client's TLS handshake, from accept
  kHttpRequest,      // an HTTP request, routed head to complete response
  kNumHistograms,
};

std::string_view HistogramName(Histogram histogram);

// Upper bounds of the buckets, in nanoseconds: 100 µs to 10 s; one more
// bucket (+Inf) takes the rest.
inline constexpr std::array<uint64_t, 14> kHistogramBoundsNs = {
    100'000,     250'000,     500'000,       1'000'000,     2'500'000,
    5'000'000,   10'000'000,  25'000'000,    50'000'000,    100'000'000,
    250'000'000, 500'000'000, 1'000'000'000, 10'000'000'000};

struct HistogramCounts {
  // Per bucket (not cumulative), the last one +Inf.
  std::array<std::atomic<uint64_t>, kHistogramBoundsNs.size() + 1> buckets{};
  std::atomic<uint64_t> sum_ns{0};

  // The owning shard's thread only: plain stores, no read-modify-write.
  void Observe(uint64_t duration_ns) {
    size_t bucket = 0;
    while (bucket < kHistogramBoundsNs.size() &&
           duration_ns > kHistogramBoundsNs[bucket]) {
      ++bucket;
    }
    auto& b = buckets[bucket];
    b.store(b.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    sum_ns.store(sum_ns.load(std::memory_order_relaxed) + duration_ns,
                 std::memory_order_relaxed);
  }
};

struct alignas(64) ShardStats {
  std::array<std::atomic<uint64_t>, static_cast<int>(Counter::kNumCounters)>
      values{};
  std::array<HistogramCounts, static_cast<int>(Histogram::kNumHistograms)>
      histograms{};
  // Snapshot version this shard serves new connections from.
  std::atomic<uint64_t> snapshot_version{0};

  // Shard thread only.
  void Add(Counter counter, uint64_t delta = 1) {
    auto& v = values[static_cast<int>(counter)];
    v.store(v.load(std::memory_order_relaxed) + delta,
            std::memory_order_relaxed);
  }
  void Sub(Counter counter, uint64_t delta = 1) {
    auto& v = values[static_cast<int>(counter)];
    v.store(v.load(std::memory_order_relaxed) - delta,
            std::memory_order_relaxed);
  }
  void Observe(Histogram histogram, uint64_t duration_ns) {
    histograms[static_cast<int>(histogram)].Observe(duration_ns);
  }

  // Any thread.
  uint64_t Get(Counter counter) const {
    return values[static_cast<int>(counter)].load(std::memory_order_relaxed);
  }
};

}  // namespace ringway::stats

#endif  // RINGWAY_DATAPLANE_STATS_SHARD_STATS_H_
