#include "dataplane/shard/shard.h"

#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <future>

#include "absl/strings/str_format.h"
#include "dataplane/common/log.h"
#include "dataplane/common/monotonic_clock.h"
#include "dataplane/conn/conn_op.h"
#include "dataplane/ring/user_data.h"

namespace ringway::shard {
namespace {

using ring::UserData;
using stats::Counter;

// Shard-level operations (below health::kFirstHealthOp).
enum ShardOp : uint8_t {
  kOpAccept = 1,  // slot: listener index
  kOpMailboxWake,
  kOpAccessLogWrite,  // slot: the writer's file slot
};
static_assert(conn::kCloseReasons <= stats::kCloseReasonSlots);
static_assert(kOpAccessLogWrite < health::kFirstHealthOp &&
              health::kLastHealthOp < conn::kFirstConnectionOp);

// Timer resolution and reach: 4 ms ticks, 4096 slots (16 s a turn; longer
// deadlines wait in their slot for their turn).
constexpr uint64_t kTimerTickNs = 4 * kNsPerMs;
// How long past the drain deadline a shard waits for its last access log
// write.
constexpr uint64_t kAccessLogGraceNs = 1000 * kNsPerMs;
constexpr uint32_t kTimerSlots = 4096;
// After EMFILE, ENFILE, ENOBUFS or ENOMEM, accepting again at once would
// spin: wait this long first (nginx waits 500 ms on EMFILE).
constexpr uint64_t kAcceptBackoffNs = 100 * kNsPerMs;

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

bool IsResourceShortage(int err) {
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

}  // namespace

Shard::Shard(ShardOptions options)
    : options_(std::move(options)),
      timers_(kTimerTickNs, kTimerSlots, MonotonicNowNs()),
      upstreams_(static_cast<uint32_t>(options_.id)),
      connections_(options_.max_connections),
      listeners_(options_.listen_fds.size()),
      listener_ktls_(options_.listen_fds.size()),
      listener_stats_(new stats::ListenerStats[options_.listen_fds.size()]) {
  for (size_t i = 0; i < listeners_.size(); ++i) {
    listeners_[i].fd = options_.listen_fds[i];
  }
}

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

absl::Status Shard::SetUp() {
  if (options_.cpu >= 0) {
    if (absl::Status pinned = PinToCpu(options_.cpu); !pinned.ok()) {
      return pinned;
    }
  }
  // Created here: a SINGLE_ISSUER ring belongs to the thread that made it.
  auto ring = ring::Ring::Create(options_.ring_entries);
  if (!ring.ok()) return ring.status();
  ring_ = std::move(*ring);
  features_ = ring_->features();
  pipes_ = std::make_unique<io::PipePool>(options_.pipe_bytes, 1024);
  auto buffers = buffer::ProvidedBufferRing::Create(
      ring_->raw(), 0, options_.recv_buffers, options_.recv_buffer_bytes);
  if (!buffers.ok()) return buffers.status();
  recv_buffers_ = std::move(*buffers);
  access_log_ = std::make_unique<accesslog::AccessLogWriter>(
      ring_.get(), &stats_, options_.id, kOpAccessLogWrite);
  conn::RelayContext context;
  context.ring = ring_.get();
  context.stats = &stats_;
  context.pipes = pipes_.get();
  context.recv_buffers = recv_buffers_.get();
  context.peeks = &peek_buffers_;
  context.timers = &timers_;
  context.access_log = access_log_.get();
  context.shard_id = options_.id;
  relay_ = std::make_unique<conn::Relay>(context, &OnConnectionFinished, this);
  conn::HttpProxyContext http_context;
  http_context.ring = ring_.get();
  http_context.stats = &stats_;
  http_context.timers = &timers_;
  http_context.shard_id = options_.id;
  http_context.listener_ktls = &listener_ktls_;
  http_context.listener_stats = listener_stats_.get();
  http_context.pipes = pipes_.get();
  http_context.access_log = access_log_.get();
  http_context.ktls_handover = [](void* self, conn::Connection& conn) {
    static_cast<Shard*>(self)->relay_->StartKtls(conn);
  };
  http_ = std::make_unique<conn::HttpProxy>(http_context, &OnConnectionFinished,
                                            this);
  checker_ = std::make_unique<health::HealthChecker>(
      ring_.get(), &stats_, options_.id,
      [](void* self, upstream::LocalRoutes* routes) {
        static_cast<Shard*>(self)->ReleaseRoutes(routes);
      },
      this);
  return absl::OkStatus();
}

void Shard::Run(std::promise<absl::Status>* started) {
  pthread_setname_np(pthread_self(),
                     absl::StrFormat("ringway-s%d", options_.id).c_str());
  if (absl::Status status = SetUp(); !status.ok()) {
    started->set_value(status);
    return;
  }
  InstallSnapshot(std::move(options_.initial_snapshot));
  for (size_t i = 0; i < listeners_.size(); ++i) ArmAccept(i);
  ArmMailboxRead();
  RINGWAY_LOG(kDebug, "shard %d on cpu %d: %s", options_.id, options_.cpu,
              features_.Describe());
  started->set_value(absl::OkStatus());  // `started` is gone after this
  Loop();
  CloseListeners();
  // Every connection has ended: nothing else holds the current table.
  delete current_;
  current_ = nullptr;
  checker_.reset();  // idle: the loop ended only then
  // The buffer ring unregisters from the ring: it goes first.
  relay_.reset();
  http_.reset();
  recv_buffers_.reset();
  ring_.reset();
}

void Shard::Loop() {
  now_ns_ = MonotonicNowNs();
  while (!exit_) {
    access_log_->Flush(draining_);
    uint64_t wake = std::min({timers_.NextWakeNs(), checker_->NextWakeNs(),
                              access_log_->NextWakeNs()});
    if (draining_ && !access_log_->idle()) {
      wake = std::min(wake, access_log_deadline_ns_);
    }
    int submitted = ring_->SubmitAndWaitTimeout(
        wake == UINT64_MAX ? UINT64_MAX
                           : (wake > now_ns_ ? wake - now_ns_ : 0));
    if (submitted < 0 && submitted != -EINTR && submitted != -ETIME &&
        submitted != -EBUSY && submitted != -EAGAIN) {
      RINGWAY_LOG(kError, "shard %d: io_uring_enter: %s", options_.id,
                  std::strerror(-submitted));
      std::abort();  // an impossible state: the ring itself is broken
    }
    now_ns_ = MonotonicNowNs();
    relay_->set_now(now_ns_);
    http_->set_now(now_ns_);
    access_log_->set_now(now_ns_);
    if (features_.defer_taskrun) CountAcceptsInBatch();
    ring_->ForEachCompletion(
        [this](const io_uring_cqe& cqe) { Dispatch(cqe); });
    relay_->FlushPending();
    timers_.Advance(now_ns_,
                    [this](timer::TimerEntry* entry) { OnTimer(entry); });
    checker_->Advance(now_ns_);
    DrainMailbox();
    // The last access log lines are written, unless the file stalls past
    // the drain deadline (a blocked pipe, a hung disk): then they are lost
    // rather than holding the process (the ring cancels the write).
    if (draining_ && connections_.live() == 0 && checker_->idle() &&
        (access_log_->idle() || now_ns_ >= access_log_deadline_ns_)) {
      exit_ = true;
    }
  }
}

void Shard::Dispatch(const io_uring_cqe& cqe) {
  UserData tag = UserData::Unpack(cqe.user_data);
  if (tag.op >= conn::kFirstConnectionOp) {
    conn::Connection* conn = connections_.Find(tag.slot, tag.generation);
    if (conn == nullptr) return;  // stale: the slot moved on
    if (conn->http != nullptr) {
      http_->OnCompletion(*conn, tag.op, cqe.res, cqe.flags);
    } else {
      relay_->OnCompletion(*conn, tag.op, cqe.res, cqe.flags);
    }
    return;
  }
  if (tag.op >= health::kFirstHealthOp && tag.op <= health::kLastHealthOp) {
    checker_->OnCompletion(tag.op, tag.slot, tag.generation, cqe.res);
    return;
  }
  switch (tag.op) {
    case kOpAccept:
      OnAccept(tag.slot, cqe);
      return;
    case kOpMailboxWake:
      ArmMailboxRead();  // messages are taken after the batch
      return;
    case kOpAccessLogWrite:
      access_log_->OnWritten(tag.slot, cqe.res);
      return;
    default:
      return;  // ring::kOpIgnore
  }
}

// See Listener: which connection of the batch its listener's address
// buffer belongs to. Completions in the overflow list were accepted after
// every one in the queue, so none here owns the buffer then.
void Shard::CountAcceptsInBatch() {
  batch_enters_ = ring_->enters();
  if (ring_->CompletionsOverflowed()) return;
  ring_->PeekCompletions([this](const io_uring_cqe& cqe) {
    const UserData tag = UserData::Unpack(cqe.user_data);
    if (tag.op == kOpAccept && cqe.res >= 0) {
      ++listeners_[tag.slot].accepts_in_batch;
    }
  });
}

// Whether the accept completion being handled is the one that wrote
// `listener`'s address buffer (see Listener).
bool Shard::OwnsAcceptBuffer(Listener& listener) {
  if (listener.accepts_in_batch == 0) return false;  // not counted
  if (ring_->enters() != batch_enters_) {
    // Task work may have run since the count: more accepts, more writes.
    for (Listener& l : listeners_) l.accepts_in_batch = 0;
    return false;
  }
  return --listener.accepts_in_batch == 0 &&
         (listener.peer.ss_family == AF_INET ||
          listener.peer.ss_family == AF_INET6) &&
         listener.peer_length <= sizeof(listener.peer);
}

void Shard::OnTimer(timer::TimerEntry* entry) {
  if (entry == &drain_deadline_) {
    RINGWAY_LOG(kWarning,
                "shard %d: drain deadline passed; closing %u connections",
                options_.id, connections_.live());
    connections_.ForEachLive([this](conn::Connection& conn) {
      if (conn.http != nullptr) {
        http_->Abort(conn);
      } else {
        relay_->Abort(conn, conn::CloseReason::kDrain);
      }
    });
    return;
  }
  for (size_t i = 0; i < listeners_.size(); ++i) {
    if (entry == &listeners_[i].backoff) {
      if (!draining_) ArmAccept(i);
      return;
    }
  }
  // Otherwise the deadline of a connection: the entry is its member.
  auto* conn = reinterpret_cast<conn::Connection*>(
      reinterpret_cast<char*>(entry) - offsetof(conn::Connection, deadline));
  if (conn->http != nullptr) {
    http_->OnDeadline(*conn);
  } else {
    relay_->OnDeadline(*conn);
  }
}

void Shard::ArmAccept(size_t listener) {
  Listener& state = listeners_[listener];
  io_uring_sqe* sqe = ring_->GetSqe();
  if (features_.defer_taskrun) {
    state.peer_length = sizeof(state.peer);
    io_uring_prep_multishot_accept(
        sqe, state.fd, reinterpret_cast<sockaddr*>(&state.peer),
        &state.peer_length, SOCK_NONBLOCK | SOCK_CLOEXEC);
  } else {
    io_uring_prep_multishot_accept(sqe, state.fd, nullptr, nullptr,
                                   SOCK_NONBLOCK | SOCK_CLOEXEC);
  }
  io_uring_sqe_set_data64(
      sqe, UserData{kOpAccept, static_cast<uint32_t>(listener), 0}.Pack());
}

void Shard::ArmMailboxRead() {
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_read(sqe, mailbox_.wake_fd(), &mailbox_value_,
                     sizeof(mailbox_value_), 0);
  io_uring_sqe_set_data64(sqe, UserData{kOpMailboxWake, 0, 0}.Pack());
}

void Shard::OnAccept(size_t listener, const io_uring_cqe& cqe) {
  bool more = cqe.flags & IORING_CQE_F_MORE;
  if (cqe.res >= 0) {
    Listener& state = listeners_[listener];
    const bool owns_buffer = OwnsAcceptBuffer(state);
    StartConnection(listener, cqe.res, owns_buffer ? &state.peer : nullptr);
  } else if (!draining_) {
    stats_.Add(Counter::kAcceptErrors);
    RINGWAY_LOG(kWarning, "shard %d: accept on listener \"%s\": %s",
                options_.id, current_->snapshot().listeners[listener].name,
                std::strerror(-cqe.res));
  }
  // A multishot accept without F_MORE has ended (error or overflow).
  if (more || draining_) return;
  if (cqe.res < 0 && IsResourceShortage(-cqe.res)) {
    timers_.Schedule(&listeners_[listener].backoff, now_ns_ + kAcceptBackoffNs);
    return;
  }
  ArmAccept(listener);
}

void Shard::StartConnection(size_t listener, int fd,
                            const sockaddr_storage* client) {
  stats_.Add(Counter::kConnectionsTotal);
  conn::Connection* conn = connections_.Allocate();
  if (conn == nullptr) {
    stats_.Add(Counter::kConnectionLimit);
    close(fd);
    return;
  }
  stats_.Add(Counter::kConnectionsOpen);
  stats::ListenerStats& counts = listener_stats_[listener];
  stats::ListenerStats::Add(counts.accepted);
  stats::ListenerStats::Add(counts.open);
  const route::ListenerRoutes& routes =
      current_->snapshot().listeners[listener];
  conn->side[conn::kClient].fd = fd;
  conn->listener = &routes;
  conn->listener_index = static_cast<uint16_t>(listener);
  conn->routes = current_;
  ++current_->connections;
  conn->idle_timeout_ns = routes.idle_timeout_ns;
  conn->log.accepted_ns = now_ns_;
  if (client != nullptr) {
    conn->client_address = *client;
    conn->client_known = true;
  }
  if (routes.IsHttp() || routes.tls_stream) {
    http_->Start(*conn, listener);
  } else {
    relay_->Start(*conn);
  }
}

void Shard::OnConnectionFinished(void* self, conn::Connection& conn) {
  Shard* shard = static_cast<Shard*>(self);
  upstream::LocalRoutes* holder = conn.routes;
  --holder->connections;
  shard->ReleaseRoutes(holder);
  // How it ended is counted before it stops counting as open: a reader
  // that sees it closed sees why.
  stats::ListenerStats& counts = shard->listener_stats_[conn.listener_index];
  stats::ListenerStats::Add(counts.closed[static_cast<int>(conn.log.end)]);
  stats::ListenerStats::Sub(counts.open);
  shard->stats_.Sub(Counter::kConnectionsOpen);
  shard->connections_.Free(&conn);
}

void Shard::ReleaseRoutes(upstream::LocalRoutes* routes) {
  if (routes != current_ && !routes->in_use()) delete routes;
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
      case ShardMessage::Kind::kReportUpstreams: {
        auto& slot = message->report->slots[options_.id];
        slot.rows = upstream::ReportServers(*current_, MonotonicNowNs());
        const auto& listeners = current_->snapshot().listeners;
        for (size_t i = 0; i < listeners.size() && i < listener_ktls_.size();
             ++i) {
          slot.listeners.push_back({listeners[i].name, listener_ktls_[i]});
        }
        slot.done.store(true, std::memory_order_release);
        break;
      }
      case ShardMessage::Kind::kNone:
        break;
    }
  }
}

void Shard::InstallSnapshot(
    std::shared_ptr<const route::RouteSnapshot> snapshot) {
  upstream::LocalRoutes* old = current_;
  uint64_t version = snapshot->version;
  // Built before the old one goes, so servers and groups that stay keep
  // their registry entries.
  current_ = new upstream::LocalRoutes(std::move(snapshot), &upstreams_);
  checker_->SetRoutes(current_, MonotonicNowNs());
  // Release: whoever sees the version also sees the swap done.
  stats_.snapshot_version.store(version, std::memory_order_release);
  if (old != nullptr) ReleaseRoutes(old);
}

void Shard::BeginDrain(uint64_t deadline_ns) {
  if (draining_) return;
  draining_ = true;
  checker_->Stop();
  CloseListeners();
  // Idle HTTP keep-alive connections end now; busy ones after their
  // current response.
  connections_.ForEachLive([this](conn::Connection& conn) {
    if (conn.http != nullptr) http_->Drain(conn);
  });
  timers_.Schedule(&drain_deadline_, deadline_ns);
  access_log_deadline_ns_ = deadline_ns + kAccessLogGraceNs;
}

void Shard::CloseListeners() {
  for (Listener& listener : listeners_) {
    timers_.Cancel(&listener.backoff);
    if (listener.fd < 0) continue;
    // Stops listening now, even while a request of the ring still holds
    // the file (a ring's teardown at exit runs later, in the kernel's own
    // time): the socket leaves the reuseport group, and a new ringway (its
    // binds use SO_REUSEADDR) can bind the port right after this one
    // exits. The accept ends with an error.
    shutdown(listener.fd, SHUT_RD);
    // Ends the multishot accept if the shutdown has not yet.
    io_uring_sqe* sqe = ring_ ? ring_->GetSqe() : nullptr;
    if (sqe != nullptr) {
      io_uring_prep_cancel_fd(sqe, listener.fd, IORING_ASYNC_CANCEL_ALL);
      io_uring_sqe_set_data64(sqe, UserData{ring::kOpIgnore, 0, 0}.Pack());
      ring_->Submit();
    }
    close(listener.fd);
    listener.fd = -1;
  }
}

}  // namespace ringway::shard
