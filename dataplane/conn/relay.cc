// Relay: moving bytes between the two endpoints, and closing.

#include "dataplane/conn/relay.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dataplane/common/log.h"
#include "dataplane/conn/access_log_lines.h"
#include "dataplane/conn/conn_op.h"
#include "dataplane/conn/op_cancel.h"
#include "dataplane/ring/user_data.h"

namespace ringway::conn {
namespace {

using stats::Counter;

// A side whose unsent bytes pass this switches to splice: the pipe then
// bounds what the relay holds, and the kernel's socket buffers push back.
constexpr uint32_t kMaxQueuedBytes = 64 * 1024;

// close() after this sends RST instead of FIN.
void ArmReset(int fd) {
  if (fd < 0) return;
  linger hard{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
}

}  // namespace

Relay::Relay(const RelayContext& context, FinishedFn on_finished, void* owner)
    : ctx_(context),
      buffer_bytes_(context.recv_buffers->buffer_bytes()),
      hello_scratch_(65536),
      on_finished_(on_finished),
      owner_(owner) {
  pending_flush_.reserve(1024);  // grows only past that many in one batch
}

void Relay::Touch(Connection& conn) { conn.last_activity_ns = now_ns_; }

CloseReason Relay::ResetReason(int d) {
  return d == kClient ? CloseReason::kClientReset : CloseReason::kUpstreamReset;
}

void Relay::Start(Connection& conn) {
  Touch(conn);
  // The client socket has TCP_NODELAY from its listener (inherited). Its
  // first bytes are read while the upstream connects.
  conn.side[kClient].writable = true;
  // The access log names the client; once the connection is closed the
  // kernel no longer can.
  if (conn.listener->access_log != nullptr) LoadClientAddress(conn);
  ArmRecv(conn, kClient);
  if (conn.listener->NeedsPeek()) {
    StartPeek(conn);
    return;
  }
  ChooseGroup(conn, conn.listener->upstream_group);
  if (conn.group->send_proxy_protocol != route::ProxyProtocolVersion::kNone) {
    // The preamble is just the outgoing PROXY header.
    conn.peek = ctx_.peeks->Acquire(0);
    PrepareOutgoingProxyHeader(conn, 0, false);
    conn.preamble_end = PeekBuffer::kHeadroom;
  }
  ConnectNext(conn);
}

void Relay::ArmRecv(Connection& conn, int d) {
  io_uring_sqe* sqe = ctx_.ring->GetSqe();
  io_uring_prep_recv_multishot(sqe, conn.side[d].fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = ctx_.recv_buffers->group_id();
  io_uring_sqe_set_data64(sqe, Tag(conn, DirOp(kOpRecv0, d)));
  ++conn.inflight;
  conn.side[d].recv_armed = true;
}

void Relay::OnRecv(Connection& conn, int d, int32_t res, uint32_t flags) {
  Endpoint& src = conn.side[d];
  if (!(flags & IORING_CQE_F_MORE)) {
    src.recv_armed = false;
    --conn.inflight;
  }
  if (flags & IORING_CQE_F_BUFFER) {
    uint16_t id = buffer::ProvidedBufferRing::BufferId(flags);
    if (res <= 0 || conn.state == ConnectionState::kClosing) {
      ctx_.recv_buffers->Recycle(id);
    } else if (conn.state == ConnectionState::kPeeking && d == kClient) {
      OnPeekBytes(conn, id, res);  // copies and recycles
    } else {
      ctx_.recv_buffers->Append(&src.received, id, res);
      Touch(conn);
      // A full buffer means more is waiting: bulk, so splice.
      if (static_cast<uint32_t>(res) == buffer_bytes_ ||
          src.received.bytes > kMaxQueuedBytes) {
        RequestSplice(conn, d);
      }
      DeferFlush(conn);
    }
  }
  if (conn.state == ConnectionState::kClosing) {
    MaybeFinish(conn);
    return;
  }
  if (res == 0) {
    if (conn.state == ConnectionState::kPeeking && d == kClient) {
      ctx_.stats->Add(Counter::kPeekClientClosed);
      Close(conn, CloseReason::kRejected);
      return;
    }
    OnEof(conn, d);
    return;
  }
  if (res < 0 && res != -ENOBUFS && res != -ECANCELED) {
    Close(conn, ResetReason(d));
    return;
  }
  if (src.recv_armed || src.eof) return;
  // Ended: our cancel (switching to splice), the buffer ring ran dry, or a
  // spurious end. Without buffers, splice needs none; while peeking, the
  // bytes are needed here, and buffers come back as sends complete.
  if (res == -ENOBUFS && conn.state != ConnectionState::kPeeking) {
    RequestSplice(conn, d);
  }
  if (src.to_splice) {
    Flush(conn, d);  // starts splicing once what was read is sent
  } else {
    ArmRecv(conn, d);
  }
}

void Relay::RequestSplice(Connection& conn, int d) {
  Endpoint& src = conn.side[d];
  if (src.transport == Transport::kSplice || src.to_splice) return;
  src.to_splice = true;
  if (!src.recv_armed) return;
  // Bytes that land before the cancel does are queued like the others.
  CancelOp(*ctx_.ring, conn, DirOp(kOpRecv0, d));
}

void Relay::DeferFlush(Connection& conn) {
  if (conn.flush_pending) return;
  conn.flush_pending = true;
  pending_flush_.emplace_back(&conn, conn.generation);
}

void Relay::FlushPending() {
  for (auto [conn, generation] : pending_flush_) {
    if (conn->generation != generation || !conn->flush_pending) continue;
    conn->flush_pending = false;
    Flush(*conn, kClient);
    Flush(*conn, kUpstream);
  }
  pending_flush_.clear();
}

// Sends what side d has queued to side 1 - d, or moves the direction on
// once the queue is empty: to splice, or to FIN.
void Relay::Flush(Connection& conn, int d) {
  Endpoint& src = conn.side[d];
  Endpoint& dst = conn.side[1 - d];
  if (!dst.writable || dst.sending || conn.state == ConnectionState::kClosing) {
    return;
  }
  if (!src.received.empty()) {
    SendQueued(conn, d);
    return;
  }
  if (src.transport == Transport::kSplice) return;
  if (src.eof) {
    FinishDirection(conn, d);
  } else if (src.to_splice && !src.recv_armed) {
    StartSplice(conn, d);
  }
}

// One send of everything side d has queued (up to kMaxGather buffers):
// several small reads leave in one segment where they can.
void Relay::SendQueued(Connection& conn, int d) {
  Endpoint& src = conn.side[d];
  Endpoint& dst = conn.side[1 - d];
  size_t count =
      ctx_.recv_buffers->Gather(src.received, dst.gather, Endpoint::kMaxGather);
  size_t bytes = 0;
  for (size_t i = 0; i < count; ++i) bytes += dst.gather[i].iov_len;
  // The last bytes before a FIN: hold them (MSG_MORE) for the shutdown
  // that follows their completion, which then leaves in the same segment.
  // One packet less per direction; on loopback that is the peer's receive
  // path and its ACK, both paid on this CPU.
  int flags = MSG_NOSIGNAL;
  if (src.eof && bytes == src.received.bytes) flags |= MSG_MORE;
  io_uring_sqe* sqe = ctx_.ring->GetSqe();
  if (count == 1) {
    io_uring_prep_send(sqe, dst.fd, dst.gather[0].iov_base, bytes, flags);
  } else {
    dst.gather_msg = msghdr{};
    dst.gather_msg.msg_iov = dst.gather;
    dst.gather_msg.msg_iovlen = count;
    io_uring_prep_sendmsg(sqe, dst.fd, &dst.gather_msg, flags);
  }
  io_uring_sqe_set_data64(sqe, Tag(conn, DirOp(kOpSend0, d)));
  ++conn.inflight;
  dst.sending = true;
}

void Relay::OnSent(Connection& conn, int d, int32_t res) {
  conn.side[1 - d].sending = false;
  if (res <= 0) {
    // The receiving side is gone: that is a reset of *that* end.
    Close(conn, ResetReason(1 - d));
    return;
  }
  ctx_.recv_buffers->Consume(&conn.side[d].received, res);
  CountBytes(conn, d, res);
  Touch(conn);
  Flush(conn, d);
}

void Relay::OnEof(Connection& conn, int d) {
  Endpoint& src = conn.side[d];
  src.eof = true;
  if (src.transport == Transport::kSplice) {
    if (src.in_pipe == 0 && !conn.side[1 - d].sending) {
      FinishDirection(conn, d);
    }
  } else {
    Flush(conn, d);
  }
}

// Everything side d sent has reached side 1 - d, and d sent FIN: pass the
// FIN on. When the other direction is already finished, closing both
// sockets sends that FIN and saves a shutdown.
void Relay::FinishDirection(Connection& conn, int d) {
  Endpoint& dst = conn.side[1 - d];
  if (dst.shut || conn.state == ConnectionState::kClosing) return;
  if (d == kClient && conn.side[d].ktls && !conn.side[d].close_notify) {
    // A client's FIN without close_notify may be a truncation: reset, as
    // the user-space path does, rather than end the upstream's stream
    // cleanly. (An upstream's bare FIN ends it, as nginx takes it.)
    Close(conn, CloseReason::kClientReset);
    return;
  }
  if (dst.ktls && !dst.close_notify_sent && !SendKtlsCloseNotify(conn, d)) {
    return;
  }
  dst.shut = true;
  if (conn.side[1 - d].eof && conn.side[d].shut) {
    Close(conn, CloseReason::kDone);
    return;
  }
  // shutdown(2) directly: IORING_OP_SHUTDOWN never completes inline, it is
  // always handed to an io-wq worker thread, which costs more than the
  // system call it saves.
  shutdown(dst.fd, SHUT_WR);
  // Without half-close the first side to end ends the connection, without
  // waiting for the other side's FIN. That FIN still goes out first, by
  // the shutdown: it pushes any bytes held with MSG_MORE at once, where a
  // close would reset instead (and drop them) if the socket still held
  // unread bytes.
  if (!conn.listener->half_close) Close(conn, CloseReason::kDone);
}

void Relay::OnDeadline(Connection& conn) {
  switch (conn.state) {
    case ConnectionState::kPeeking:
      Close(conn, CloseReason::kPeekTimeout);
      return;
    case ConnectionState::kConnecting: {
      conn.connect_timed_out = true;
      CancelOp(*ctx_.ring, conn, kOpConnect);
      return;
    }
    case ConnectionState::kRelaying: {
      // Activity only stamps last_activity_ns; the entry moves lazily here.
      uint64_t due = conn.last_activity_ns + conn.idle_timeout_ns;
      if (now_ns_ >= due) {
        Close(conn, CloseReason::kIdleTimeout);
      } else {
        ctx_.timers->Schedule(&conn.deadline, due);
      }
      return;
    }
    case ConnectionState::kFree:
    case ConnectionState::kClosing:
      return;
  }
}

void Relay::Abort(Connection& conn, CloseReason reason) { Close(conn, reason); }

void Relay::CountClose(Connection& conn, CloseReason reason) {
  switch (reason) {
    case CloseReason::kClientReset:
      ctx_.stats->Add(Counter::kClientResets);
      ArmReset(conn.side[kUpstream].fd);  // the upstream sees the reset
      break;
    case CloseReason::kUpstreamReset:
      ctx_.stats->Add(Counter::kUpstreamResets);
      ArmReset(conn.side[kClient].fd);
      break;
    case CloseReason::kUpstreamUnavailable:
      ctx_.stats->Add(Counter::kUpstreamUnavailable);
      break;
    case CloseReason::kIdleTimeout:
      ctx_.stats->Add(Counter::kIdleTimeouts);
      break;
    case CloseReason::kDrain:
      ctx_.stats->Add(Counter::kDrainForcedCloses);
      break;
    case CloseReason::kPeekTimeout:
      ctx_.stats->Add(Counter::kPeekTimeouts);
      break;
    case CloseReason::kDone:
    case CloseReason::kResourceError:
    case CloseReason::kRejected:
      break;
  }
}

void Relay::Close(Connection& conn, CloseReason reason) {
  if (conn.state == ConnectionState::kClosing) return;
  RINGWAY_LOG(kDebug, "shard %d: conn %d/%d closing (reason %d, inflight %d)",
              ctx_.shard_id, conn.slot, conn.generation,
              static_cast<int>(reason), conn.inflight);
  conn.state = ConnectionState::kClosing;
  conn.log.end = reason;
  CountClose(conn, reason);
  // Close is the only way into kClosing and nothing schedules a closing
  // connection's deadline: the entry is off the wheel before the slot can be
  // reused.
  ctx_.timers->Cancel(&conn.deadline);
  // Receives and polls on our sockets end with -ECANCELED; sends in flight
  // end on their own. Most connections end with nothing in flight, or only
  // a side's receive: that one is cancelled by its tag, a hash lookup,
  // where cancelling by descriptor walks every bucket of the ring's table.
  if (conn.inflight > 0 &&
      conn.inflight ==
          conn.side[kClient].recv_armed + conn.side[kUpstream].recv_armed) {
    for (int d : {kClient, kUpstream}) {
      if (conn.side[d].recv_armed) {
        CancelOp(*ctx_.ring, conn, DirOp(kOpRecv0, d));
      }
    }
  } else if (conn.inflight > 0) {
    for (const Endpoint& side : conn.side) {
      if (side.fd >= 0) CancelOnSocket(*ctx_.ring, conn, side.fd);
    }
  }
  MaybeFinish(conn);
}

void Relay::MaybeFinish(Connection& conn) {
  if (conn.state != ConnectionState::kClosing || conn.inflight != 0) return;
  if (conn.listener->access_log != nullptr && ctx_.access_log != nullptr) {
    LogConnection(*ctx_.access_log, conn, now_ns_);
  }
  const bool ring_close = ctx_.ring->features().op_close;
  for (Endpoint& side : conn.side) {
    if (side.fd >= 0) {
      if (ring_close) {
        io_uring_sqe* sqe = ctx_.ring->GetSqe();
        io_uring_prep_close(sqe, side.fd);
        io_uring_sqe_set_data64(sqe,
                                ring::UserData{ring::kOpIgnore, 0, 0}.Pack());
        sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
      } else {
        close(side.fd);
      }
    }
    ctx_.recv_buffers->Release(&side.received);
    // Splices run inline, so in_pipe is exact: only an empty pipe is reused.
    ctx_.pipes->Release(side.pipe, side.in_pipe == 0);
    side = Endpoint{};
  }
  ctx_.peeks->Release(conn.peek);
  conn.upstream_tls.reset();
  if (conn.server_connected) --conn.server->active_connections;
  RINGWAY_LOG(kDebug, "shard %d: conn %d/%d finished", ctx_.shard_id, conn.slot,
              conn.generation);
  on_finished_(owner_, conn);
}

void Relay::OnCompletion(Connection& conn, uint8_t op, int32_t res,
                         uint32_t flags) {
  switch (op) {
    case kOpRecv0:
    case kOpRecv1:
      OnRecv(conn, op - kOpRecv0, res, flags);
      return;
    case kOpPollIn0:
    case kOpPollIn1:
      OnPollIn(conn, op - kOpPollIn0, res, flags);
      return;
    default:
      break;
  }
  --conn.inflight;
  if (conn.state == ConnectionState::kClosing) {
    // A socket created after we gave up on the connection.
    if (op == kOpSocket && res >= 0) close(res);
    MaybeFinish(conn);
    return;
  }
  switch (op) {
    case kOpSocket:
      OnSocket(conn, res);
      break;
    case kOpConnect:
      OnConnected(conn, res);
      break;
    case kOpPreambleSend:
      OnPreambleSent(conn, res);
      break;
    case kOpSend0:
    case kOpSend1:
      OnSent(conn, op - kOpSend0, res);
      break;
    case kOpPollOut0:
    case kOpPollOut1: {
      int d = op - kOpPollOut0;
      conn.side[1 - d].sending = false;
      if (res < 0) {
        Close(conn, ResetReason(1 - d));
        break;
      }
      SpliceOut(conn, d);
      Endpoint& src = conn.side[d];
      if (src.pipe_full && conn.state != ConnectionState::kClosing) {
        src.pipe_full = false;
        SpliceIn(conn, d);
      }
      break;
    }
    default:
      break;  // cancels
  }
}

}  // namespace ringway::conn
