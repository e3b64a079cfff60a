// ringway's metrics as Prometheus metric families, for /metrics on the
// admin HTTP listener. The shards' counters live in per-shard memory that
// only the shard writes (stats::ShardStats: plain stores, no
// read-modify-write, no locks); this reader sums them when scraped. The
// families are built for prometheus-cpp's Collectable interface and
// written by its TextSerializer, not by hand.
//
//   ringway_connections_accepted_total, ringway_connections_open,
//   ringway_listener_{connections_accepted_total,connections_open,
//   http_requests_total}{listener},
//   ringway_bytes_total{direction}, ringway_errors_total{reason},
//   ringway_<event>_total (requests, handshakes, splices, kTLS, ...),
//   ringway_upstream_server_up{group,server} and its connection counts,
//   ringway_listener_ktls_*_total{listener},
//   ringway_route_table_version, ringway_route_table_applied_timestamp_seconds,
//   ringway_ready, ringway_shards.

#ifndef RINGWAY_CONTROL_RINGWAY_METRICS_H_
#define RINGWAY_CONTROL_RINGWAY_METRICS_H_

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <string>
#include <vector>

namespace ringway::control {

class RingwayServer;

class RingwayMetrics : public prometheus::Collectable {
 public:
  explicit RingwayMetrics(RingwayServer* server) : server_(server) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

  // The Prometheus text exposition of Collect().
  std::string Text() const;

 private:
  RingwayServer* server_;
};

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_RINGWAY_METRICS_H_
