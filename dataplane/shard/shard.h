// A shard: one thread pinned to one CPU, owning one io_uring, its own
// SO_REUSEPORT listening sockets, its connections, its upstream state and
// its counters.
//
// Shards share no mutable state. The control thread talks to a shard only
// through its Mailbox (new route snapshot, drain) and reads its ShardStats.
// The loop, in order: submit and wait (until the next timer deadline at
// most), handle the batch of completions, expire due timers, then drain the
// mailbox, so a snapshot swap never happens in the middle of a batch.

#ifndef RINGWAY_DATAPLANE_SHARD_SHARD_H_
#define RINGWAY_DATAPLANE_SHARD_SHARD_H_

#include <cstdint>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "dataplane/accesslog/access_log_writer.h"
#include "dataplane/buffer/provided_buffer_ring.h"
#include "dataplane/conn/http_proxy.h"
#include "dataplane/conn/peek_buffer_pool.h"
#include "dataplane/conn/relay.h"
#include "dataplane/health/health_checker.h"
#include "dataplane/io/pipe_pool.h"
#include "dataplane/ring/ring.h"
#include "dataplane/route/route_snapshot.h"
#include "dataplane/shard/connection_table.h"
#include "dataplane/shard/mailbox.h"
#include "dataplane/stats/ktls_counts.h"
#include "dataplane/stats/listener_stats.h"
#include "dataplane/stats/shard_stats.h"
#include "dataplane/timer/timer_wheel.h"
#include "dataplane/upstream/local_routes.h"
#include "dataplane/upstream/server_report.h"
#include "dataplane/upstream/upstream_registry.h"

namespace ringway::shard {

struct ShardMessage {
  enum class Kind : uint8_t { kNone, kSnapshot, kDrain, kReportUpstreams };
  Kind kind = Kind::kNone;
  std::shared_ptr<const route::RouteSnapshot> snapshot;  // kSnapshot
  uint64_t deadline_ns = 0;  // kDrain: monotonic; force-close after it
  // kReportUpstreams: the shard fills its slot.
  std::shared_ptr<upstream::UpstreamReportRequest> report;
};

struct ShardOptions {
  int id = 0;
  int cpu = -1;  // -1: not pinned
  // One listening socket per listener, in RouteSnapshot::listeners order.
  // The shard owns and closes them.
  std::vector<int> listen_fds;
  std::shared_ptr<const route::RouteSnapshot> initial_snapshot;
  unsigned ring_entries = 4096;
  uint32_t max_connections = 65536;
  int pipe_bytes = 256 * 1024;
  // Provided buffers that receives fill: recv_buffer_bytes is also the read
  // size past which a direction switches to splice.
  uint32_t recv_buffers = 1024;
  uint32_t recv_buffer_bytes = 16 * 1024;
};

class Shard {
 public:
  explicit Shard(ShardOptions options);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Starts the thread; returns once its ring is set up (or failed).
  absl::Status Start();
  // Control thread only.
  void Post(ShardMessage message) { mailbox_.Post(std::move(message)); }
  // Waits for the thread to end (after a kDrain message).
  void Join();

  int id() const { return options_.id; }
  const stats::ShardStats& stats() const { return stats_; }
  // By listener index (RouteSnapshot::listeners order).
  const stats::ListenerStats& listener_stats(size_t listener) const {
    return listener_stats_[listener];
  }
  // Valid after Start().
  const ring::RingFeatures& ring_features() const { return features_; }

 private:
  // A listener's accept state: backing off after EMFILE and the like, and
  // where its multishot accept writes each client's address.
  //
  // The kernel writes that one buffer on every accept, so it holds the
  // address of the latest only. With IORING_SETUP_DEFER_TASKRUN accepts run
  // only inside this thread's io_uring_enter, never while a batch of
  // completions is handled: the buffer then belongs to the listener's last
  // successful accept completion in the batch. Its connection takes the
  // address from here; the earlier ones ask the kernel (getpeername).
  // Without DEFER_TASKRUN no buffer is given and every connection asks. A
  // batch in which the ring entered the kernel again (a full submission
  // queue flushed by GetSqe, which may run task work) trusts no buffer
  // from then on.
  struct Listener {
    int fd = -1;
    timer::TimerEntry backoff;
    sockaddr_storage peer{};
    // In/out for the kernel: stays the family's size (a listener's peers
    // are all sockaddr_in, or all sockaddr_in6).
    socklen_t peer_length = sizeof(sockaddr_storage);
    // Successful accept completions of this batch not yet handled.
    uint32_t accepts_in_batch = 0;
  };

  void Run(std::promise<absl::Status>* started);
  absl::Status SetUp();
  void Loop();
  void Dispatch(const io_uring_cqe& cqe);
  void CountAcceptsInBatch();
  bool OwnsAcceptBuffer(Listener& listener);
  void OnTimer(timer::TimerEntry* entry);
  void ArmAccept(size_t listener);
  void ArmMailboxRead();
  void OnAccept(size_t listener, const io_uring_cqe& cqe);
  void StartConnection(size_t listener, int fd, const sockaddr_storage* client);
  void DrainMailbox();
  void InstallSnapshot(std::shared_ptr<const route::RouteSnapshot> snapshot);
  void BeginDrain(uint64_t deadline_ns);
  void CloseListeners();
  static void OnConnectionFinished(void* self, conn::Connection& conn);
  // A connection or health probe let go of `routes`: freed when it is no
  // longer current and nothing else holds it.
  void ReleaseRoutes(upstream::LocalRoutes* routes);

  ShardOptions options_;
  stats::ShardStats stats_;
  Mailbox<ShardMessage> mailbox_;
  std::thread thread_;
  ring::RingFeatures features_;

  // Shard thread only, from here on.
  std::unique_ptr<ring::Ring> ring_;
  std::unique_ptr<io::PipePool> pipes_;
  std::unique_ptr<buffer::ProvidedBufferRing> recv_buffers_;
  std::unique_ptr<accesslog::AccessLogWriter> access_log_;
  conn::PeekBufferPool peek_buffers_;
  timer::TimerWheel timers_;
  upstream::UpstreamRegistry upstreams_;
  std::unique_ptr<conn::Relay> relay_;
  std::unique_ptr<conn::HttpProxy> http_;
  std::unique_ptr<health::HealthChecker> checker_;
  ConnectionTable connections_;
  std::vector<Listener> listeners_;
  // kTLS on each listener's client sockets (HttpProxy writes, the upstream
  // report reads; both on this thread). Sized once.
  std::vector<stats::KtlsCounts> listener_ktls_;
  std::unique_ptr<stats::ListenerStats[]> listener_stats_;
  upstream::LocalRoutes* current_ = nullptr;
  uint64_t now_ns_ = 0;
  // ring_->enters() when this batch's accepts were counted.
  uint64_t batch_enters_ = 0;
  uint64_t mailbox_value_ = 0;
  bool draining_ = false;
  timer::TimerEntry drain_deadline_;
  uint64_t access_log_deadline_ns_ = 0;
  bool exit_ = false;
};

}  // namespace ringway::shard

#endif  // RINGWAY_DATAPLANE_SHARD_SHARD_H_
