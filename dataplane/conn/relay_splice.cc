// Relay: the splice transport for bulk bytes. io_uring reports readiness
// (a multishot POLLIN, a single POLLOUT only while the peer's socket buffer
// is full) and a non-blocking splice(2) runs on the shard thread, socket →
// pipe → socket.

#include <fcntl.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

#include "dataplane/common/log.h"
#include "dataplane/conn/conn_op.h"
#include "dataplane/conn/relay.h"

namespace ringway::conn {
namespace {

using stats::Counter;

constexpr unsigned kSpliceFlags = SPLICE_F_NONBLOCK | SPLICE_F_MOVE;

}  // namespace

void Relay::StartSplice(Connection& conn, int d) {
  Endpoint& src = conn.side[d];
  src.transport = Transport::kSplice;
  src.to_splice = false;
  ctx_.stats->Add(Counter::kDirectionsSpliced);
  src.pipe = ctx_.pipes->Acquire();
  if (!src.pipe.valid()) {
    RINGWAY_LOG(kError, "shard %d: pipe2(): %s", ctx_.shard_id,
                std::strerror(errno));
    Close(conn, CloseReason::kResourceError);
    return;
  }
  // Readiness already there fires at once.
  ArmPollIn(conn, d);
}

void Relay::ArmPollIn(Connection& conn, int d) {
  io_uring_sqe* sqe = ctx_.ring->GetSqe();
  io_uring_prep_poll_multishot(sqe, conn.side[d].fd, POLLIN | POLLRDHUP);
  io_uring_sqe_set_data64(sqe, Tag(conn, DirOp(kOpPollIn0, d)));
  ++conn.inflight;
  conn.side[d].poll_armed = true;
}

void Relay::OnPollIn(Connection& conn, int d, int32_t res, uint32_t flags) {
  Endpoint& src = conn.side[d];
  if (!(flags & IORING_CQE_F_MORE)) {
    src.poll_armed = false;
    --conn.inflight;
  }
  if (conn.state == ConnectionState::kClosing) {
    MaybeFinish(conn);
    return;
  }
  if (res < 0) {
    if (res != -ECANCELED) Close(conn, ResetReason(d));
    return;
  }
  SpliceIn(conn, d);
  if (!src.poll_armed && !src.eof && conn.state != ConnectionState::kClosing) {
    ArmPollIn(conn, d);
  }
}

// Multishot poll reports new readiness only: read until the socket is
// empty (EAGAIN with an empty pipe) or the pipe is full, so no byte is left
// behind without a wake-up to come for it.
void Relay::SpliceIn(Connection& conn, int d) {
  Endpoint& src = conn.side[d];
  while (!src.eof && conn.state != ConnectionState::kClosing) {
    uint32_t room = src.pipe.capacity - src.in_pipe;
    if (room == 0) {
      src.pipe_full = true;
      return;
    }
    ssize_t n =
        splice(src.fd, nullptr, src.pipe.write_fd, nullptr, room, kSpliceFlags);
    if (n > 0) {
      src.in_pipe += static_cast<uint32_t>(n);
      Touch(conn);
      SpliceOut(conn, d);
      continue;
    }
    if (n == 0) {
      OnEof(conn, d);
    } else if (errno == EAGAIN) {
      // Socket empty, or the pipe out of slots: a splice-out retries.
      src.pipe_full = src.in_pipe > 0;
    } else if (errno == EINVAL && src.ktls) {
      // A record that is not application data is next.
      if (OnKtlsRecord(conn, d)) continue;
    } else {
      Close(conn, ResetReason(d));
    }
    return;
  }
}

void Relay::SpliceOut(Connection& conn, int d) {
  Endpoint& src = conn.side[d];
  Endpoint& dst = conn.side[1 - d];
  while (src.in_pipe > 0 && !dst.sending &&
         conn.state != ConnectionState::kClosing) {
    ssize_t n = splice(src.pipe.read_fd, nullptr, dst.fd, nullptr, src.in_pipe,
                       kSpliceFlags);
    if (n > 0) {
      src.in_pipe -= static_cast<uint32_t>(n);
      CountBytes(conn, d, static_cast<uint64_t>(n));
      Touch(conn);
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      ArmPollOut(conn, d);
      return;
    }
    Close(conn, ResetReason(1 - d));
    return;
  }
  if (src.in_pipe == 0 && src.eof) FinishDirection(conn, d);
}

// Side 1 - d's socket buffer is full: wait until it drains (SpliceOut
// carries on, or FinishDirection once the pipe is empty).
void Relay::ArmPollOut(Connection& conn, int d) {
  io_uring_sqe* sqe = ctx_.ring->GetSqe();
  io_uring_prep_poll_add(sqe, conn.side[1 - d].fd, POLLOUT);
  io_uring_sqe_set_data64(sqe, Tag(conn, DirOp(kOpPollOut0, d)));
  ++conn.inflight;
  conn.side[1 - d].sending = true;
}

}  // namespace ringway::conn
