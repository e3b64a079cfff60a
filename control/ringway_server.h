// A running ringway: the route table, the listening socket groups, one shard
// per CPU, and the admin socket. main() and the integration tests both use
// this, so tests exercise exactly what the binary runs.
//
//   auto server = RingwayServer::Start({.config_text = text});
//   address::SocketAddress where = (*server)->listener_address("web");
//   ...
//   (*server)->Drain(absl::Seconds(10));

#ifndef RINGWAY_CONTROL_RINGWAY_SERVER_H_
#define RINGWAY_CONTROL_RINGWAY_SERVER_H_

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "control/route_table.h"
#include "control/service_notifier.h"
#include "dataplane/address/socket_address.h"
#include "dataplane/shard/shard.h"
#include "dataplane/stats/listener_stats.h"
#include "dataplane/stats/shard_stats.h"
#include "dataplane/upstream/server_report.h"
#include "proto/admin.pb.h"

namespace ringway::control {

class AdminHttpServer;
class AdminServer;

struct ServerOptions {
  std::string config_text;
  std::string config_source = "built-in";
  // 0: one per CPU this process may run on.
  int shards = 0;
  // Empty: no admin socket.
  std::string admin_socket;
  uint32_t max_connections_per_shard = 65536;
};

class RingwayServer {
 public:
  static absl::StatusOr<std::unique_ptr<RingwayServer>> Start(
      ServerOptions options);
  ~RingwayServer();

  // The bound address of a listener (port 0 in the config → real port).
  address::SocketAddress listener_address(const std::string& name) const;
  RouteTable& routes() { return routes_; }
  int shard_count() const { return static_cast<int>(shards_.size()); }
  const shard::Shard& shard(int i) const { return *shards_[i]; }
  int shard_cpu(int i) const { return cpus_[i]; }
  // Sum over shards.
  uint64_t Total(stats::Counter counter) const;
  // Sum over shards: per bucket (not cumulative) and the sum, in ns.
  struct HistogramTotal {
    std::array<uint64_t, stats::kHistogramBoundsNs.size() + 1> buckets{};
    uint64_t sum_ns = 0;
  };
  HistogramTotal Total(stats::Histogram histogram) const;
  // Listener names, in RouteSnapshot::listeners order, and their counts
  // summed over shards.
  const std::vector<std::string>& listener_names() const {
    return listener_names_;
  }
  struct ListenerTotal {
    uint64_t accepted = 0;
    uint64_t open = 0;
    uint64_t http_requests = 0;
    std::array<uint64_t, stats::kCloseReasonSlots> closed{};
    std::array<uint64_t, 6> http_responses{};  // by status class
    HistogramTotal http_request;
    HistogramTotal tls_handshake;
  };
  ListenerTotal ListenerTotals(size_t listener) const;
  // `ringwayctl stats`: counters per shard and in total, then each
  // upstream server's health and counters summed over shards (asked of the
  // shards, which own them), and kTLS per listener.
  admin::Stats Stats();
  // Rows of shards that do not answer within a second are left out.
  // `listeners` (if not null): each listener's kTLS counts, summed too.
  std::vector<upstream::ServerReport> UpstreamReports(
      std::vector<upstream::ListenerReport>* listeners = nullptr);
  // Every shard took a message from its mailbox and answered within
  // `timeout`: their loops run (the systemd watchdog's test).
  bool ShardsResponsive(absl::Duration timeout);
  // systemd notifications (READY, RELOADING around applies, STOPPING).
  const ServiceNotifier& notifier() const { return notifier_; }
  // Every shard serves and no drain has begun (/ready).
  bool ready() const { return !draining_.load(std::memory_order_acquire); }
  // The admin HTTP listener's bound address (none: the config has no
  // `admin`).
  std::optional<address::SocketAddress> admin_http_address() const;

  // Stops accepting, waits for connections to end until `deadline` has
  // passed, then closes the rest. Returns when every shard has stopped.
  void Drain(absl::Duration deadline);

 private:
  RingwayServer() = default;
  absl::Status OpenListeners(const route::RouteSnapshot& snapshot);
  absl::Status StartShards(const ServerOptions& options);
  void PublishToShards(std::shared_ptr<const route::RouteSnapshot> snapshot);
  // Posts `message` (a copy) to every shard. The mailboxes take one
  // producer each: the admin thread (applies, stats) and the main thread
  // (watchdog, drain) take turns here.
  void PostToShards(const shard::ShardMessage& message);
  // Asks every shard for its upstream report; true if all answered.
  bool AskShards(std::shared_ptr<upstream::UpstreamReportRequest> request,
                 absl::Duration timeout);

  RouteTable routes_;
  std::vector<int> cpus_;
  // listen_fds_[listener][shard]; handed to the shards at start.
  std::vector<std::vector<int>> listen_fds_;
  std::vector<std::string> listener_names_;
  std::vector<address::SocketAddress> listener_addresses_;
  std::vector<std::unique_ptr<shard::Shard>> shards_;
  std::unique_ptr<AdminServer> admin_;
  // Stopped only once the shards have drained: /ready says 503 meanwhile.
  std::unique_ptr<AdminHttpServer> admin_http_;
  std::atomic<bool> draining_{false};
  ServiceNotifier notifier_;
  std::mutex post_mutex_;
  bool drained_ = false;
};

// CPUs this process may run on (sched_getaffinity), in order.
std::vector<int> AllowedCpus();

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_RINGWAY_SERVER_H_
