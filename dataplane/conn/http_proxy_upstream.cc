// HttpProxy: the upstream side of an exchange: connect with failover and
// request bytes up (sealed when the group re-encrypts). Responses down and
// the end of an exchange: http_proxy_response.cc.

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dataplane/common/log.h"
#include "dataplane/conn/conn_op.h"
#include "dataplane/conn/http_proxy.h"
#include "dataplane/conn/http_proxy_internal.h"
#include "dataplane/conn/upstream_attempt.h"
#include "dataplane/conn/upstream_socket.h"

namespace ringway::conn {

using stats::Counter;

namespace {

constexpr int kSocketType = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;

}  // namespace

size_t HttpProxy::UpstreamBacklog(const HttpState& h) const {
  return h.upstream_send.bytes() +
         (h.upstream_tls != nullptr ? h.upstream_tls->output().size() : 0);
}

bool HttpProxy::UpstreamSendIdle(const HttpState& h) const {
  return h.upstream_send.idle() &&
         (h.upstream_tls == nullptr || h.upstream_tls->output().empty());
}

size_t HttpProxy::ClientBacklog(const HttpState& h) const {
  return h.client_out.size() + h.client_send.bytes() +
         (ClientSealed(h) ? h.tls->output().size() : 0);
}

// ---------------------------------------------------------------------------
// Connecting.

void HttpProxy::ConnectUpstream(Connection& conn, uint32_t g) {
  if (conn.http == nullptr) return;  // finished meanwhile
  BeginUpstreamAttempts(conn, g, now_ns_);
  TryNextServer(conn);
}

void HttpProxy::TryNextServer(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  if (conn.attempts_left == 0) {
    FailUpstream(conn, 502, "no server of the group took the connection");
    return;
  }
  TakeNextServer(conn, now_ns_);
  if (conn.group->tls) {
    h.upstream_tls_name = &conn.group->tls_names[conn.server_tried];
  }
  const address::SocketAddress& server = conn.server->address;
  if (h.upstream_keep && !h.upstream_retried) {
    upstream::IdleConnection idle =
        conn.server->idle.Take(now_ns_, conn.group->keepalive_timeout_ns);
    if (idle.fd >= 0) {
      ctx_.stats->Add(Counter::kHttpUpstreamReuses);
      ++conn.server->reuses;
      ++conn.server->active_connections;
      conn.server_connected = true;
      conn.side[kUpstream].fd = idle.fd;
      h.upstream_tls = std::move(idle.tls);
      h.upstream_ktls = idle.ktls;
      conn.side[kUpstream].ktls = idle.ktls;
      h.upstream_reused = true;
      UpstreamReady(conn);
      return;
    }
  }
  h.upstream_reused = false;
  int fd = socket(server.family(), kSocketType, 0);
  if (fd < 0) {
    RINGWAY_LOG(kError, "shard %d: socket(): %s", ctx_.shard_id,
                std::strerror(errno));
    FailUpstream(conn, 502, "no socket");
    return;
  }
  conn.side[kUpstream].fd = fd;
  // A request, or the ClientHello to a TLS upstream, goes out as soon as
  // the connect completes; a stream may have nothing to send yet (a server
  // that speaks first behind tls_terminate).
  PrepareUpstreamSocket(*ctx_.ring, fd,
                        !h.stream || conn.group->tls != nullptr ||
                            !h.upstream_preamble.empty() ||
                            !h.client_in.empty());
  io_uring_sqe* sqe = ctx_.ring->GetSqe();
  io_uring_prep_connect(sqe, fd, server.sockaddr_ptr(), server.length());
  conn.connect_started_ns = now_ns_;
  io_uring_sqe_set_data64(sqe, Tag(conn, kOpConnect));
  ++conn.inflight;
  ++h.upstream_inflight;
  conn.connect_timed_out = false;
  ScheduleDeadline(conn, conn.group->connect_timeout_ns);
}

void HttpProxy::OnUpstreamConnected(Connection& conn, int32_t res) {
  if (conn.http == nullptr) return;  // finished meanwhile
  ctx_.timers->Cancel(&conn.deadline);
  if (res == 0) {
    CountConnected(conn, *ctx_.stats,
                   /*healthy=*/conn.http->stream && !conn.group->tls, now_ns_);
    if (conn.group->tls) {
      StartUpstreamTls(conn);
      return;
    }
    UpstreamReady(conn);
    return;
  }
  CountConnectFailure(conn, res, "", *ctx_.stats, ctx_.shard_id, now_ns_);
  close(conn.side[kUpstream].fd);
  conn.side[kUpstream].fd = -1;
  TryNextServer(conn);
}

// Connected (or reused): the request goes out, the response is awaited.
// Stream mode: the tunnel starts.
void HttpProxy::UpstreamReady(Connection& conn) {
  if (conn.http == nullptr) return;
  if (conn.http->stream) {
    HttpState& h = *conn.http;
    if (h.upstream_tls == nullptr && !h.upstream_preamble.empty()) {
      h.upstream_send.pending.insert(0, h.upstream_preamble);
    }
    StartTunnel(conn);
    return;
  }
  conn.http->phase = HttpPhase::kExchange;
  Touch(conn);
  ScheduleDeadline(conn, conn.listener->http.upstream_timeout_ns);
  if (!conn.http->upstream_recv_armed) ArmUpstreamRecv(conn);
  ForwardRequestBody(conn);  // what arrived with the head
  FlushUpstream(conn);
  MaybeArmClientRecv(conn);
}

// ---------------------------------------------------------------------------
// Request bytes up.

void HttpProxy::FlushUpstream(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  int fd = conn.side[kUpstream].fd;
  bool handshaking =
      h.phase == HttpPhase::kConnecting && h.upstream_handshaking;
  if (fd < 0 || h.upstream_dropping || h.upstream_send.in_flight ||
      conn.state == ConnectionState::kClosing ||
      (h.phase != HttpPhase::kExchange && h.phase != HttpPhase::kTunnel &&
       h.phase != HttpPhase::kKtlsHandover && !handshaking)) {
    return;
  }
  if (!UpstreamSealed(h)) {
    if (h.upstream_send.pending.empty()) return;
    SendFrom(conn, fd, h.upstream_send, kOpHttpUpstreamSend);
    ++h.upstream_inflight;
    return;
  }
  tls::TlsSession& tls = *h.upstream_tls;
  // (A socket that may go to the kernel sends the request through it.)
  if (tls.handshake_done() && !h.upstream_ktls_candidate &&
      !h.upstream_ktls_settling) {
    SealFront(tls, &h.upstream_send.pending);
  }
  if (!SendSealed(conn, fd, tls, kOpHttpUpstreamSend)) return;
  ++h.upstream_inflight;
  h.upstream_send.in_flight = true;
}

void HttpProxy::OnUpstreamSent(Connection& conn, int32_t res) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  OutQueue& q = h.upstream_send;
  q.in_flight = false;
  if (res <= 0) {
    if (res == -ECANCELED) return;
    if (h.phase == HttpPhase::kKtlsHandover) {
      Close(conn, CloseReason::kUpstreamReset);
      return;
    }
    if (RetryRequest(conn, "closed while the request was sent")) return;
    FailUpstream(conn, 502, "upstream closed while the request was sent");
    return;
  }
  Touch(conn);
  if (UpstreamSealed(h)) {
    h.upstream_tls->ConsumeOutput(res);
    if (h.upstream_handshaking) {
      FlushUpstream(conn);
      return;
    }
  } else {
    q.sent += res;
    if (q.sent < q.sending.size()) {
      SendFrom(conn, conn.side[kUpstream].fd, q, kOpHttpUpstreamSend);
      ++h.upstream_inflight;
      return;
    }
  }
  if (h.phase == HttpPhase::kTunnel) {
    FlushUpstream(conn);
    CheckTunnelEnds(conn);
    MaybeArmClientRecv(conn);
    return;
  }
  if (h.phase == HttpPhase::kKtlsHandover) {
    AdvanceKtlsHandover(conn);
    return;
  }
  if (h.body_splice[kClient].active) {
    FlushUpstream(conn);  // what was queued before the spliced body
    PumpBody(conn, kClient);
    return;
  }
  ForwardRequestBody(conn);
  FlushUpstream(conn);
  MaybeArmClientRecv(conn);
}

}  // namespace ringway::conn
