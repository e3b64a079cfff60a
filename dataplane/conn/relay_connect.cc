// Relay: choosing an upstream server and connecting to it (next server of
// the group on a refused or timed-out connect).

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dataplane/common/log.h"
#include "dataplane/conn/conn_op.h"
#include "dataplane/conn/relay.h"
#include "dataplane/conn/upstream_attempt.h"
#include "dataplane/conn/upstream_socket.h"
#include "dataplane/ring/user_data.h"

namespace ringway::conn {
namespace {

using stats::Counter;

constexpr int kSocketType = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;

}  // namespace

void Relay::ChooseGroup(Connection& conn, uint32_t group) {
  const route::UpstreamGroup& chosen = conn.routes->snapshot().groups[group];
  if (chosen.balancing == route::Balancing::kClientAddressHash) {
    LoadSocketAddresses(conn);
  }
  BeginUpstreamAttempts(conn, group, now_ns_);
}

void Relay::ConnectNext(Connection& conn) {
  if (conn.attempts_left == 0) {
    RINGWAY_LOG(kWarning,
                "shard %d: no server of upstream group \"%s\" took the "
                "connection; closing client",
                ctx_.shard_id, conn.group->name);
    Close(conn, CloseReason::kUpstreamUnavailable);
    return;
  }
  TakeNextServer(conn, now_ns_);
  conn.state = ConnectionState::kConnecting;
  int family = conn.server->address.family();
  if (ctx_.ring->features().op_socket) {
    io_uring_sqe* sqe = ctx_.ring->GetSqe();
    io_uring_prep_socket(sqe, family, kSocketType, 0, 0);
    io_uring_sqe_set_data64(sqe, Tag(conn, kOpSocket));
    ++conn.inflight;
    return;
  }
  int fd = socket(family, kSocketType, 0);
  OnSocket(conn, fd >= 0 ? fd : -errno);
}

void Relay::OnSocket(Connection& conn, int32_t res) {
  if (res < 0) {
    RINGWAY_LOG(kError, "shard %d: socket(): %s", ctx_.shard_id,
                std::strerror(-res));
    Close(conn, CloseReason::kResourceError);
    return;
  }
  Connect(conn, res);
}

void Relay::Connect(Connection& conn, int fd) {
  conn.side[kUpstream].fd = fd;
  PrepareUpstreamSocket(*ctx_.ring, fd,
                        conn.preamble_end > conn.preamble_begin ||
                            !conn.side[kClient].received.empty());
  const address::SocketAddress& server = conn.server->address;
  io_uring_sqe* sqe = ctx_.ring->GetSqe();
  // The kernel copies the address when the SQE is issued.
  io_uring_prep_connect(sqe, fd, server.sockaddr_ptr(), server.length());
  conn.connect_started_ns = now_ns_;
  io_uring_sqe_set_data64(sqe, Tag(conn, kOpConnect));
  ++conn.inflight;
  conn.connect_timed_out = false;
  ctx_.timers->Schedule(&conn.deadline,
                        now_ns_ + conn.group->connect_timeout_ns);
}

void Relay::OnConnected(Connection& conn, int32_t res) {
  ctx_.timers->Cancel(&conn.deadline);
  if (res == 0) {
    CountConnected(conn, *ctx_.stats, /*healthy=*/true, now_ns_);
    StartRelay(conn);
    return;
  }
  CountConnectFailure(conn, res, "", *ctx_.stats, ctx_.shard_id, now_ns_);
  close(conn.side[kUpstream].fd);
  conn.side[kUpstream].fd = -1;
  ConnectNext(conn);
}

void Relay::StartRelay(Connection& conn) {
  conn.state = ConnectionState::kRelaying;
  Touch(conn);
  if (conn.idle_timeout_ns != 0) {
    ctx_.timers->Schedule(&conn.deadline, now_ns_ + conn.idle_timeout_ns);
  }
  ArmRecv(conn, kUpstream);
  if (conn.preamble_end > conn.preamble_begin) {
    SendPreamble(conn);
  } else {
    conn.side[kUpstream].writable = true;
    Flush(conn, kClient);
  }
}

}  // namespace ringway::conn
