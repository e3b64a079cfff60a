#include "dataplane/net/tcp_relay.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dataplane/common/log.h"
#include "dataplane/net/relay_op.h"
#include "dataplane/ring/user_data.h"

namespace ringway::net {
namespace {

using stats::Counter;

constexpr unsigned kSpliceFlags = SPLICE_F_NONBLOCK | SPLICE_F_MOVE;

void SetNoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

// close() after this sends RST instead of FIN.
void ArmReset(int fd) {
  if (fd < 0) return;
  linger hard{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
}

uint8_t DirOp(uint8_t base, int d) { return static_cast<uint8_t>(base + d); }

}  // namespace

TcpRelay::TcpRelay(ring::Ring* ring, stats::ShardStats* stats, PipePool* pipes,
                   buffer::ProvidedBufferRing* recv_buffers,
                   PeekBufferPool* peeks, int shard_id, SpliceMode splice_mode,
                   FinishedFn on_finished, void* owner)
    : ring_(ring),
      stats_(stats),
      pipes_(pipes),
      recv_buffers_(recv_buffers),
      peeks_(peeks),
      shard_id_(shard_id),
      splice_mode_(splice_mode),
      hello_scratch_(65536),
      on_finished_(on_finished),
      owner_(owner) {}

uint64_t TcpRelay::Tag(const Connection& conn, uint8_t op) const {
  return ring::UserData{op, conn.slot, conn.generation}.Pack();
}

void TcpRelay::Start(Connection& conn) {
  conn.state = ConnectionState::kConnecting;
  conn.last_activity_ns = now_ns_;
  // The client socket has TCP_NODELAY from its listener (inherited).
  ConnectNext(conn);
}

void TcpRelay::ConnectNext(Connection& conn) {
  if (conn.attempts_left == 0) {
    RINGWAY_LOG(kWarning,
                "shard %d: no server of upstream group \"%s\" took "
                "the connection; closing client",
                shard_id_, conn.group->name);
    Close(conn, CloseReason::kUpstreamUnavailable);
    return;
  }
  --conn.attempts_left;
  const address::SocketAddress& server =
      conn.group->servers[conn.next_server % conn.group->servers.size()];
  ++conn.next_server;
  int fd =
      socket(server.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    RINGWAY_LOG(kError, "shard %d: socket(): %s", shard_id_,
                std::strerror(errno));
    Close(conn, CloseReason::kResourceError);
    return;
  }
  SetNoDelay(fd);
  conn.upstream_fd = fd;
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_connect(sqe, fd, server.sockaddr_ptr(), server.length());
  io_uring_sqe_set_data64(sqe, Tag(conn, kOpConnect));
  sqe->flags |= IOSQE_IO_LINK;
  // The kernel copies the timespec when the SQE is submitted (end of this
  // loop iteration); the connection outlives that.
  conn.connect_timeout.tv_sec = conn.group->connect_timeout_ns / 1'000'000'000;
  conn.connect_timeout.tv_nsec = conn.group->connect_timeout_ns % 1'000'000'000;
  sqe = ring_->GetSqe();
  io_uring_prep_link_timeout(sqe, &conn.connect_timeout, 0);
  io_uring_sqe_set_data64(sqe, Tag(conn, kOpConnectTimeout));
  conn.inflight += 2;
}

void TcpRelay::OnConnected(Connection& conn, int32_t res) {
  if (res == 0) {
    stats_->Add(Counter::kUpstreamConnectsOk);
    if (conn.preamble_end > conn.preamble_begin) {
      SendPreamble(conn);
    } else {
      StartRelay(conn);
    }
    return;
  }
  Counter counter = res == -ECONNREFUSED ? Counter::kUpstreamConnectRefused
                    : res == -ECANCELED  ? Counter::kUpstreamConnectTimeout
                                         : Counter::kUpstreamConnectOtherError;
  stats_->Add(counter);
  RINGWAY_LOG(
      kWarning,
      "shard %d: connect to upstream group \"%s\" server "
      "%s failed: %s",
      shard_id_, conn.group->name,
      conn.group->servers[(conn.next_server - 1) % conn.group->servers.size()]
          .ToString(),
      res == -ECANCELED ? "timed out" : std::strerror(-res));
  close(conn.upstream_fd);
  conn.upstream_fd = -1;
  ConnectNext(conn);
}

void TcpRelay::StartRelay(Connection& conn) {
  for (int d = 0; d < 2; ++d) {
    conn.direction[d] = RelayDirection{};
    conn.direction[d].pipe = pipes_->Acquire();
    if (!conn.direction[d].pipe.valid()) {
      RINGWAY_LOG(kError, "shard %d: pipe2(): %s", shard_id_,
                  std::strerror(errno));
      Close(conn, CloseReason::kResourceError);
      return;
    }
  }
  conn.state = ConnectionState::kRelaying;
  conn.last_activity_ns = now_ns_;
  StartRead(conn, 0);
  StartRead(conn, 1);
}

void TcpRelay::StartRead(Connection& conn, int d) {
  RelayDirection& dir = conn.direction[d];
  if (conn.state != ConnectionState::kRelaying || dir.reading || dir.eof ||
      dir.pipe_full) {
    return;
  }
  uint32_t room = static_cast<uint32_t>(pipes_->capacity_bytes()) - dir.in_pipe;
  if (static_cast<int32_t>(room) <= 0) return;
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_poll_add(sqe, conn.FromFd(d), POLLIN | POLLRDHUP);
  io_uring_sqe_set_data64(sqe, Tag(conn, DirOp(kOpPollIn0, d)));
  dir.reading = true;
  if (splice_mode_ == SpliceMode::kInline) {
    ++conn.inflight;  // the splice runs here when the poll fires
    return;
  }
  sqe->flags |= IOSQE_IO_LINK;
  sqe = ring_->GetSqe();
  io_uring_prep_splice(sqe, conn.FromFd(d), -1, dir.pipe.write_fd, -1, room,
                       kSpliceFlags);
  io_uring_sqe_set_data64(sqe, Tag(conn, DirOp(kOpSpliceIn0, d)));
  conn.inflight += 2;
}

void TcpRelay::StartWrite(Connection& conn, int d, bool wait_writable) {
  RelayDirection& dir = conn.direction[d];
  if (conn.state != ConnectionState::kRelaying || dir.writing ||
      dir.in_pipe == 0) {
    return;
  }
  io_uring_sqe* sqe;
  if (splice_mode_ == SpliceMode::kInline && !wait_writable) {
    // Non-blocking: moves what the socket takes now, or -EAGAIN.
    ssize_t n = splice(dir.pipe.read_fd, nullptr, conn.ToFd(d), nullptr,
                       dir.in_pipe, kSpliceFlags);
    OnSpliceOut(conn, d, n >= 0 ? static_cast<int32_t>(n) : -errno);
    return;
  }
  if (wait_writable) {
    sqe = ring_->GetSqe();
    io_uring_prep_poll_add(sqe, conn.ToFd(d), POLLOUT);
    io_uring_sqe_set_data64(sqe, Tag(conn, DirOp(kOpPollOut0, d)));
    ++conn.inflight;
    if (splice_mode_ == SpliceMode::kInline) {
      dir.writing = true;  // until the poll fires
      return;
    }
    sqe->flags |= IOSQE_IO_LINK;
  }
  sqe = ring_->GetSqe();
  io_uring_prep_splice(sqe, dir.pipe.read_fd, -1, conn.ToFd(d), -1, dir.in_pipe,
                       kSpliceFlags);
  io_uring_sqe_set_data64(sqe, Tag(conn, DirOp(kOpSpliceOut0, d)));
  ++conn.inflight;
  dir.writing = true;
}

// Inline mode: the socket became readable (or errored: the splice says).
void TcpRelay::OnReadable(Connection& conn, int d, int32_t poll_result) {
  RelayDirection& dir = conn.direction[d];
  dir.reading = false;
  if (poll_result < 0) {
    Close(conn, ResetReason(d));
    return;
  }
  uint32_t room = static_cast<uint32_t>(pipes_->capacity_bytes()) - dir.in_pipe;
  ssize_t n = splice(conn.FromFd(d), nullptr, dir.pipe.write_fd, nullptr, room,
                     kSpliceFlags);
  OnSpliceIn(conn, d, n >= 0 ? static_cast<int32_t>(n) : -errno);
}

void TcpRelay::OnSpliceIn(Connection& conn, int d, int32_t res) {
  RelayDirection& dir = conn.direction[d];
  if (res > 0) {
    dir.in_pipe += res;
    conn.last_activity_ns = now_ns_;
    StartWrite(conn, d, false);
    StartRead(conn, d);
  } else if (res == 0) {
    OnEof(conn, d);
  } else if (res == -EAGAIN) {
    // Readable but the pipe had no free slot, or a spurious wake-up.
    if (dir.in_pipe > 0) {
      dir.pipe_full = true;
    } else {
      StartRead(conn, d);
    }
  } else {
    Close(conn, ResetReason(d));
  }
}

void TcpRelay::OnSpliceOut(Connection& conn, int d, int32_t res) {
  RelayDirection& dir = conn.direction[d];
  if (res > 0) {
    dir.in_pipe -= res;
    conn.last_activity_ns = now_ns_;
    stats_->Add(d == 0 ? Counter::kBytesClientToUpstream
                       : Counter::kBytesUpstreamToClient,
                res);
    if (dir.in_pipe > 0) {
      StartWrite(conn, d, false);
    } else if (dir.eof) {
      ShutdownWrite(conn, d);
    }
    dir.pipe_full = false;
    StartRead(conn, d);
  } else if (res == -EAGAIN || res == 0) {
    StartWrite(conn, d, true);  // socket buffer full: wait for room
  } else {
    // The receiving side is gone: that is a reset of the *other* end.
    Close(conn, ResetReason(1 - d));
  }
}

void TcpRelay::OnEof(Connection& conn, int d) {
  RINGWAY_LOG(kDebug, "shard %d: conn %d/%d eof from %s (in pipe %d)",
              shard_id_, conn.slot, conn.generation,
              d == 0 ? "client" : "upstream", conn.direction[d].in_pipe);
  RelayDirection& dir = conn.direction[d];
  dir.eof = true;
  if (dir.in_pipe == 0 && !dir.writing) ShutdownWrite(conn, d);
}

void TcpRelay::ShutdownWrite(Connection& conn, int d) {
  RelayDirection& dir = conn.direction[d];
  if (dir.shut) return;
  dir.shut = true;
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_shutdown(sqe, conn.ToFd(d), SHUT_WR);
  io_uring_sqe_set_data64(sqe, Tag(conn, kOpShutdown));
  ++conn.inflight;
}

CloseReason TcpRelay::ResetReason(int d) const {
  return d == 0 ? CloseReason::kClientReset : CloseReason::kUpstreamReset;
}

void TcpRelay::Abort(Connection& conn, CloseReason reason) {
  Close(conn, reason);
}

void TcpRelay::Close(Connection& conn, CloseReason reason) {
  if (conn.state == ConnectionState::kClosing) return;
  RINGWAY_LOG(kDebug,
              "shard %d: conn %d/%d closing (reason %d, state %d, "
              "inflight %d)",
              shard_id_, conn.slot, conn.generation, static_cast<int>(reason),
              static_cast<int>(conn.state), conn.inflight);
  conn.state = ConnectionState::kClosing;
  conn.close_reason = reason;
  switch (reason) {
    case CloseReason::kClientReset:
      stats_->Add(Counter::kClientResets);
      ArmReset(conn.upstream_fd);  // the upstream sees the client's reset
      break;
    case CloseReason::kUpstreamReset:
      stats_->Add(Counter::kUpstreamResets);
      ArmReset(conn.client_fd);
      break;
    case CloseReason::kUpstreamUnavailable:
      stats_->Add(Counter::kUpstreamUnavailable);
      break;
    case CloseReason::kIdleTimeout:
      stats_->Add(Counter::kIdleTimeouts);
      break;
    case CloseReason::kDrain:
      stats_->Add(Counter::kDrainForcedCloses);
      break;
    case CloseReason::kPeekTimeout:
      stats_->Add(Counter::kPeekTimeouts);
      break;
    case CloseReason::kDone:
    case CloseReason::kResourceError:
    case CloseReason::kRejected:
      break;
  }
  // Polls and splices on our sockets end with -ECANCELED; splices already
  // running are non-blocking and end on their own. Most connections end
  // with nothing in flight and need no cancel at all.
  for (int fd : {conn.client_fd, conn.upstream_fd}) {
    if (fd < 0 || conn.inflight == 0) continue;
    io_uring_sqe* sqe = ring_->GetSqe();
    io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(sqe, Tag(conn, kOpCancel));
    ++conn.inflight;
  }
  MaybeFinish(conn);
}

void TcpRelay::MaybeFinish(Connection& conn) {
  if (conn.state != ConnectionState::kClosing || conn.inflight != 0) return;
  for (int fd : {conn.client_fd, conn.upstream_fd}) {
    if (fd < 0) continue;
    io_uring_sqe* sqe = ring_->GetSqe();
    io_uring_prep_close(sqe, fd);
    io_uring_sqe_set_data64(sqe, ring::UserData{kOpIgnore, 0, 0}.Pack());
    sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
  }
  RINGWAY_LOG(kDebug, "shard %d: conn %d/%d finished", shard_id_, conn.slot,
              conn.generation);
  conn.client_fd = conn.upstream_fd = -1;
  peeks_->Release(conn.peek);
  for (RelayDirection& dir : conn.direction) {
    pipes_->Release(dir.pipe, dir.in_pipe == 0 &&
                                  (conn.close_reason == CloseReason::kDone ||
                                   PipePool::IsEmpty(dir.pipe)));
    dir = RelayDirection{};
  }
  on_finished_(owner_, conn);
}

void TcpRelay::OnCompletion(Connection& conn, uint8_t op, int32_t res,
                            uint32_t flags) {
  if (op == kOpPeekRecv) {
    OnPeekRecv(conn, res, flags);
    return;
  }
  --conn.inflight;
  if (conn.state == ConnectionState::kClosing) {
    // Splices that were already running when we cancelled still moved
    // bytes: count them, or a pipe that still holds some would look empty
    // and be reused, leaking them into another connection.
    if (res > 0 && (op == kOpSpliceIn0 || op == kOpSpliceIn1)) {
      conn.direction[op - kOpSpliceIn0].in_pipe += res;
    } else if (res > 0 && (op == kOpSpliceOut0 || op == kOpSpliceOut1)) {
      conn.direction[op - kOpSpliceOut0].in_pipe -= res;
    }
    MaybeFinish(conn);
    return;
  }
  switch (op) {
    case kOpConnect:
      OnConnected(conn, res);
      break;
    case kOpPreambleSend:
      OnPreambleSent(conn, res);
      break;
    case kOpSpliceIn0:
    case kOpSpliceIn1:
      conn.direction[op - kOpSpliceIn0].reading = false;
      OnSpliceIn(conn, op - kOpSpliceIn0, res);
      break;
    case kOpSpliceOut0:
    case kOpSpliceOut1:
      conn.direction[op - kOpSpliceOut0].writing = false;
      OnSpliceOut(conn, op - kOpSpliceOut0, res);
      break;
    case kOpShutdown:
      if (conn.direction[0].shut && conn.direction[1].shut) {
        Close(conn, CloseReason::kDone);
      }
      break;
    case kOpPollIn0:
    case kOpPollIn1:
      if (splice_mode_ == SpliceMode::kInline)
        OnReadable(conn, op - kOpPollIn0, res);
      break;
    case kOpPollOut0:
    case kOpPollOut1:
      if (splice_mode_ == SpliceMode::kInline) {
        conn.direction[op - kOpPollOut0].writing = false;
        if (res < 0) {
          Close(conn, ResetReason(1 - (op - kOpPollOut0)));
        } else {
          StartWrite(conn, op - kOpPollOut0, false);
        }
      }
      break;
    default:
      // Polls (their linked splice reports), link timeouts, cancels.
      break;
  }
}

}  // namespace ringway::net
