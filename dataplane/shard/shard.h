// A shard: one thread pinned to one CPU, owning one io_uring, its own
// SO_REUSEPORT listening sockets, its connections and its counters.
//
// Shards share no mutable state. The control thread talks to a shard only
// through its Mailbox (new route snapshot, drain, stop) and reads its
// stats::ShardStats. The loop, in order: submit and wait, handle the batch of
// completions, then drain the mailbox, so a snapshot swap never happens in
// the middle of a batch.

#ifndef RINGWAY_DATAPLANE_SHARD_SHARD_H_
#define RINGWAY_DATAPLANE_SHARD_SHARD_H_

#include <linux/time_types.h>

#include <cstdint>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "dataplane/buffer/provided_buffer_ring.h"
#include "dataplane/net/peek_buffer_pool.h"
#include "dataplane/net/pipe_pool.h"
#include "dataplane/net/tcp_relay.h"
#include "dataplane/ring/ring.h"
#include "dataplane/route/route_snapshot.h"
#include "dataplane/shard/connection_table.h"
#include "dataplane/shard/mailbox.h"
#include "dataplane/shard/shard_snapshot.h"
#include "dataplane/stats/shard_stats.h"

namespace ringway::shard {

struct ShardMessage {
  enum class Kind : uint8_t { kNone, kSnapshot, kDrain };
  Kind kind = Kind::kNone;
  std::shared_ptr<const route::RouteSnapshot> snapshot;  // kSnapshot
  uint64_t deadline_ns = 0;  // kDrain: monotonic; force-close after it
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
  net::SpliceMode splice_mode = net::SpliceMode::kInline;
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
  // Valid after Start().
  const ring::RingFeatures& ring_features() const { return features_; }

 private:
  void Run(std::promise<absl::Status>* started);
  void Loop();
  void Dispatch(const io_uring_cqe& cqe);
  void ArmAccept(size_t listener);
  void ArmMailboxRead();
  void ArmTick();
  void OnAccept(size_t listener, const io_uring_cqe& cqe);
  void StartConnection(size_t listener, int fd);
  void OnTick();
  void DrainMailbox();
  void InstallSnapshot(std::shared_ptr<const route::RouteSnapshot> snapshot);
  void BeginDrain(uint64_t deadline_ns);
  void CloseListeners();
  static void OnConnectionFinished(void* self, net::Connection& conn);

  ShardOptions options_;
  stats::ShardStats stats_;
  Mailbox<ShardMessage> mailbox_;
  std::thread thread_;
  ring::RingFeatures features_;

  // Shard thread only, from here on.
  std::unique_ptr<ring::Ring> ring_;
  std::unique_ptr<net::PipePool> pipes_;
  std::unique_ptr<buffer::ProvidedBufferRing> recv_buffers_;
  net::PeekBufferPool peek_buffers_;
  std::unique_ptr<net::TcpRelay> relay_;
  ConnectionTable connections_;
  ShardSnapshot* current_ = nullptr;
  uint64_t now_ns_ = 0;
  uint64_t mailbox_value_ = 0;
  __kernel_timespec tick_interval_{};
  bool draining_ = false;
  uint64_t drain_deadline_ns_ = 0;
  bool forced_ = false;
  bool exit_ = false;
};

}  // namespace ringway::shard

#endif  // RINGWAY_DATAPLANE_SHARD_SHARD_H_
