#include "dataplane/shard/shard.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>

#include "absl/strings/str_format.h"
#include "dataplane/common/log.h"
#include "dataplane/common/monotonic_clock.h"
#include "dataplane/net/relay_op.h"
#include "dataplane/ring/user_data.h"

namespace ringway::shard {
namespace {

using net::RelayOp;
using ring::UserData;

// Idle scans, peek and drain deadlines run on this tick.
constexpr long kTickNs = 250 * kNsPerMs;

absl::Status PinToCpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  int err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
  if (err != 0) {
    return absl::InternalError(
        absl::StrFormat("cannot pin to CPU %d: %s", cpu, std::strerror(err)));
  }
  return absl::OkStatus();
}

}  // namespace

Shard::Shard(ShardOptions options)
    : options_(std::move(options)), connections_(options_.max_connections) {}

Shard::~Shard() {
  if (thread_.joinable()) thread_.join();
}

absl::Status Shard::Start() {
  std::promise<absl::Status> started;
  std::future<absl::Status> ready = started.get_future();
  thread_ = std::thread([this, &started] { Run(&started); });
  absl::Status status = ready.get();
  if (!status.ok()) thread_.join();
  return status;
}

void Shard::Join() {
  if (thread_.joinable()) thread_.join();
}

void Shard::Run(std::promise<absl::Status>* started) {
  pthread_setname_np(pthread_self(),
                     absl::StrFormat("ringway-s%d", options_.id).c_str());
  if (options_.cpu >= 0) {
    absl::Status pinned = PinToCpu(options_.cpu);
    if (!pinned.ok()) {
      started->set_value(pinned);
      return;
    }
  }
  // Created here: a SINGLE_ISSUER ring belongs to the thread that made it.
  auto ring = ring::Ring::Create(options_.ring_entries);
  if (!ring.ok()) {
    started->set_value(ring.status());
    return;
  }
  ring_ = std::move(*ring);
  features_ = ring_->features();
  pipes_ = std::make_unique<net::PipePool>(options_.pipe_bytes, 1024);
  // Multishot receives of first bytes (peeking) land here; 256 x 4 KiB.
  auto buffers = buffer::ProvidedBufferRing::Create(ring_->raw(), 0, 256, 4096);
  if (!buffers.ok()) {
    started->set_value(buffers.status());
    return;
  }
  recv_buffers_ = std::move(*buffers);
  relay_ = std::make_unique<net::TcpRelay>(
      ring_.get(), &stats_, pipes_.get(), recv_buffers_.get(), &peek_buffers_,
      options_.id, options_.splice_mode, &OnConnectionFinished, this);
  InstallSnapshot(std::move(options_.initial_snapshot));
  for (size_t i = 0; i < options_.listen_fds.size(); ++i) ArmAccept(i);
  ArmMailboxRead();
  ArmTick();
  RINGWAY_LOG(kDebug, "shard %d on cpu %d: %s", options_.id, options_.cpu,
              features_.Describe());
  started->set_value(absl::OkStatus());  // `started` is gone after this
  Loop();
  CloseListeners();
  // Every connection has ended: nothing else holds the current table.
  delete current_;
  current_ = nullptr;
  // The buffer ring unregisters from the ring: it goes first.
  relay_.reset();
  recv_buffers_.reset();
  ring_.reset();
}

void Shard::Loop() {
  while (!exit_) {
    int submitted = ring_->SubmitAndWait(1);
    if (submitted < 0 && submitted != -EINTR && submitted != -ETIME &&
        submitted != -EBUSY && submitted != -EAGAIN) {
      RINGWAY_LOG(kError, "shard %d: io_uring_enter: %s", options_.id,
                  std::strerror(-submitted));
      std::abort();  // an impossible state: the ring itself is broken
    }
    now_ns_ = MonotonicNowNs();
    relay_->set_now(now_ns_);
    ring_->ForEachCompletion(
        [this](const io_uring_cqe& cqe) { Dispatch(cqe); });
    DrainMailbox();
    if (draining_ && connections_.live() == 0) exit_ = true;
  }
}

void Shard::Dispatch(const io_uring_cqe& cqe) {
  UserData tag = UserData::Unpack(cqe.user_data);
  switch (tag.op) {
    case net::kOpAccept:
      OnAccept(tag.slot, cqe);
      return;
    case net::kOpMailboxWake:
      ArmMailboxRead();  // messages are taken after the batch
      return;
    case net::kOpTick:
      OnTick();
      return;
    case net::kOpIgnore:
      return;
    default:
      break;
  }
  net::Connection* conn = connections_.Find(tag.slot, tag.generation);
  if (conn == nullptr) return;  // stale: the slot moved on
  relay_->OnCompletion(*conn, tag.op, cqe.res, cqe.flags);
}

void Shard::ArmAccept(size_t listener) {
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_multishot_accept(sqe, options_.listen_fds[listener], nullptr,
                                 nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  io_uring_sqe_set_data64(
      sqe, UserData{net::kOpAccept, static_cast<uint32_t>(listener), 0}.Pack());
}

void Shard::ArmMailboxRead() {
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_read(sqe, mailbox_.wake_fd(), &mailbox_value_,
                     sizeof(mailbox_value_), 0);
  io_uring_sqe_set_data64(sqe, UserData{net::kOpMailboxWake, 0, 0}.Pack());
}

void Shard::ArmTick() {
  tick_interval_.tv_sec = 0;
  tick_interval_.tv_nsec = kTickNs;
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_timeout(sqe, &tick_interval_, 0, 0);
  io_uring_sqe_set_data64(sqe, UserData{net::kOpTick, 0, 0}.Pack());
}

void Shard::OnAccept(size_t listener, const io_uring_cqe& cqe) {
  bool more = cqe.flags & IORING_CQE_F_MORE;
  if (cqe.res >= 0) {
    StartConnection(listener, cqe.res);
  } else if (!draining_) {
    stats_.Add(stats::Counter::kAcceptErrors);
    RINGWAY_LOG(kWarning, "shard %d: accept on listener \"%s\": %s",
                options_.id, current_->snapshot->listeners[listener].name,
                std::strerror(-cqe.res));
  }
  // A multishot accept without F_MORE has ended (error or overflow).
  if (!more && !draining_) ArmAccept(listener);
}

void Shard::StartConnection(size_t listener, int fd) {
  stats_.Add(stats::Counter::kConnectionsTotal);
  net::Connection* conn = connections_.Allocate();
  if (conn == nullptr) {
    stats_.Add(stats::Counter::kConnectionLimit);
    close(fd);
    return;
  }
  stats_.Add(stats::Counter::kConnectionsOpen);
  const route::RouteSnapshot& snapshot = *current_->snapshot;
  const route::ListenerRoutes& routes = snapshot.listeners[listener];
  conn->client_fd = fd;
  conn->listener = &routes;
  conn->snapshot = current_;
  ++current_->connections;
  conn->idle_timeout_ns = routes.idle_timeout_ns;
  if (routes.NeedsPeek()) {
    relay_->StartPeek(*conn);
    return;
  }
  const route::UpstreamGroup& group = snapshot.groups[routes.upstream_group];
  conn->group = &group;
  conn->next_server = current_->NextServer(routes.upstream_group);
  conn->attempts_left = group.max_connect_attempts;
  relay_->Start(*conn);
}

void Shard::OnConnectionFinished(void* self, net::Connection& conn) {
  Shard* shard = static_cast<Shard*>(self);
  ShardSnapshot* holder = conn.snapshot;
  --holder->connections;
  if (holder != shard->current_ && holder->connections == 0) delete holder;
  shard->stats_.Sub(stats::Counter::kConnectionsOpen);
  shard->connections_.Free(&conn);
}

void Shard::OnTick() {
  connections_.ForEachLive([this](net::Connection& conn) {
    if (conn.state == net::ConnectionState::kPeeking && !conn.peek_decided &&
        now_ns_ >= conn.peek_deadline_ns) {
      relay_->Abort(conn, net::CloseReason::kPeekTimeout);
      return;
    }
    if (conn.state != net::ConnectionState::kRelaying) return;
    if (conn.idle_timeout_ns != 0 &&
        now_ns_ - conn.last_activity_ns > conn.idle_timeout_ns) {
      relay_->Abort(conn, net::CloseReason::kIdleTimeout);
    }
  });
  if (draining_ && !forced_ && now_ns_ >= drain_deadline_ns_) {
    forced_ = true;
    RINGWAY_LOG(kWarning,
                "shard %d: drain deadline passed; closing %u "
                "connections",
                options_.id, connections_.live());
    connections_.ForEachLive([this](net::Connection& conn) {
      relay_->Abort(conn, net::CloseReason::kDrain);
    });
  }
  ArmTick();
}

void Shard::DrainMailbox() {
  while (auto message = mailbox_.TryTake()) {
    switch (message->kind) {
      case ShardMessage::Kind::kSnapshot:
        InstallSnapshot(std::move(message->snapshot));
        break;
      case ShardMessage::Kind::kDrain:
        BeginDrain(message->deadline_ns);
        break;
      case ShardMessage::Kind::kNone:
        break;
    }
  }
}

void Shard::InstallSnapshot(
    std::shared_ptr<const route::RouteSnapshot> snapshot) {
  ShardSnapshot* old = current_;
  uint64_t version = snapshot->version;
  current_ = new ShardSnapshot(std::move(snapshot), options_.id);
  // Release: whoever sees the version also sees the swap done.
  stats_.snapshot_version.store(version, std::memory_order_release);
  if (old != nullptr && old->connections == 0) delete old;
}

void Shard::BeginDrain(uint64_t deadline_ns) {
  if (draining_) return;
  draining_ = true;
  drain_deadline_ns_ = deadline_ns;
  CloseListeners();
}

void Shard::CloseListeners() {
  for (int& fd : options_.listen_fds) {
    if (fd < 0) continue;
    // Ends the multishot accept; the socket leaves the reuseport group.
    io_uring_sqe* sqe = ring_ ? ring_->GetSqe() : nullptr;
    if (sqe != nullptr) {
      io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
      io_uring_sqe_set_data64(sqe, UserData{net::kOpIgnore, 0, 0}.Pack());
      ring_->Submit();
    }
    close(fd);
    fd = -1;
  }
}

}  // namespace ringway::shard
