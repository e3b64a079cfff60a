// HttpProxy: completions dispatched by op, deadlines by phase, drain, and
// closing a connection (cancels first, the slot freed once nothing is in
// flight).

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "dataplane/common/log.h"
#include "dataplane/conn/access_log_lines.h"
#include "dataplane/conn/conn_op.h"
#include "dataplane/conn/http_proxy.h"
#include "dataplane/conn/http_proxy_internal.h"
#include "dataplane/conn/op_cancel.h"
#include "dataplane/conn/upstream_attempt.h"

namespace ringway::conn {

using stats::Counter;

void HttpProxy::OnCompletion(Connection& conn, uint8_t op, int32_t res,
                             uint32_t /*flags*/) {
  --conn.inflight;
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  bool upstream_op = op == kOpSocket || op == kOpConnect ||
                     op == kOpHttpUpstreamRecv || op == kOpHttpUpstreamSend ||
                     op == kOpHttpUpstreamCancel || op == kOpHttpBodyPollIn1 ||
                     op == kOpHttpBodyPollOut0 || op == kOpHttpUpstreamPollOut;
  if (upstream_op) --h.upstream_inflight;
  if (conn.state == ConnectionState::kClosing) {
    if (op == kOpSocket && res >= 0) close(res);
    MaybeFinish(conn);
    return;
  }
  if (upstream_op && h.upstream_dropping) {
    if (op == kOpSocket && res >= 0) close(res);
    if (op == kOpHttpUpstreamRecv) h.upstream_recv_armed = false;
    if (op == kOpHttpUpstreamSend) h.upstream_send.in_flight = false;
    if (op == kOpHttpBodyPollIn1) h.body_splice[kUpstream].poll_in = false;
    if (op == kOpHttpBodyPollOut0) h.body_splice[kClient].poll_out = false;
    if (op == kOpHttpUpstreamPollOut) conn.side[kUpstream].sending = false;
    OnUpstreamOpDone(conn);
    return;
  }
  switch (op) {
    case kOpHttpClientRecv:
      OnClientRecv(conn, res);
      break;
    case kOpHttpClientSend:
      OnClientSent(conn, res);
      break;
    case kOpConnect:
      OnUpstreamConnected(conn, res);
      break;
    case kOpHttpUpstreamRecv:
      OnUpstreamRecv(conn, res);
      break;
    case kOpHttpUpstreamSend:
      OnUpstreamSent(conn, res);
      break;
    case kOpHttpBodyPollIn0:
    case kOpHttpBodyPollIn1:
    case kOpHttpBodyPollOut0:
    case kOpHttpBodyPollOut1:
      OnBodyPoll(conn, op, res);
      break;
    case kOpHttpClientPollOut:
      OnKtlsClosePoll(conn, kClient, res);
      break;
    case kOpHttpUpstreamPollOut:
      OnKtlsClosePoll(conn, kUpstream, res);
      break;
    default:
      break;  // cancels
  }
}

void HttpProxy::OnDeadline(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  const route::ListenerRoutes& listener = *conn.listener;
  switch (h.phase) {
    case HttpPhase::kProxyHeader:
    case HttpPhase::kHandshake:
    case HttpPhase::kRequestHead:
      if (h.phase == HttpPhase::kRequestHead && h.requests > 0 &&
          h.client_in.empty()) {
        ctx_.stats->Add(Counter::kIdleTimeouts);  // keep-alive ended
      } else {
        ctx_.stats->Add(Counter::kHttpClientTimeouts);
      }
      Close(conn, CloseReason::kDone);
      return;
    case HttpPhase::kConnecting: {
      if (h.upstream_handshaking) {
        ctx_.stats->Add(Counter::kUpstreamTlsErrors);
        ++conn.server->tls_failures;
        h.upstream_handshaking = false;
        CountConnectFailure(conn, 0, "handshake timed out", *ctx_.stats,
                            ctx_.shard_id, now_ns_);
        FailUpstream(conn, 504, "TLS handshake with the upstream timed out");
        return;
      }
      conn.connect_timed_out = true;
      CancelOp(*ctx_.ring, conn, kOpConnect, kOpHttpUpstreamCancel);
      ++h.upstream_inflight;
      return;
    }
    case HttpPhase::kExchange: {
      uint64_t due = conn.last_activity_ns + listener.http.upstream_timeout_ns;
      if (now_ns_ < due) {
        ctx_.timers->Schedule(&conn.deadline, due);
        return;
      }
      if (!h.request_done) {
        // The client stopped sending its body.
        ctx_.stats->Add(Counter::kHttpClientTimeouts);
        Close(conn, CloseReason::kIdleTimeout);
        return;
      }
      if (!h.response_started) {
        FailUpstream(conn, 504, "upstream timed out");
        return;
      }
      Close(conn, CloseReason::kIdleTimeout);
      return;
    }
    case HttpPhase::kKtlsHandover:
      if (h.upstream_ktls_settling) {
        // A server that stopped inside a record after its handshake.
        h.upstream_ktls_settling = false;
        h.phase = HttpPhase::kConnecting;
        FailUpstream(conn, 504, "upstream stalled after the TLS handshake");
        return;
      }
      if (!h.stream) {
        // A client that stopped inside a record after its handshake: the
        // header timeout, as during the handshake.
        ctx_.stats->Add(Counter::kHttpClientTimeouts);
        Close(conn, CloseReason::kDone);
        return;
      }
      [[fallthrough]];
    case HttpPhase::kTunnel: {
      uint64_t due = conn.last_activity_ns + conn.idle_timeout_ns;
      if (now_ns_ < due) {
        ctx_.timers->Schedule(&conn.deadline, due);
        return;
      }
      Close(conn, CloseReason::kIdleTimeout);
      return;
    }
    case HttpPhase::kFlushClose:
      Close(conn, CloseReason::kIdleTimeout);
      return;
  }
}

void HttpProxy::Drain(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  h.closing_soon = true;
  bool idle = h.phase == HttpPhase::kRequestHead && h.client_in.empty() &&
              h.requests > 0;
  if (idle || h.phase == HttpPhase::kProxyHeader) {
    Close(conn, CloseReason::kDone);
  }
}

void HttpProxy::Abort(Connection& conn) { Close(conn, CloseReason::kDrain); }

void HttpProxy::Close(Connection& conn, CloseReason reason) {
  if (conn.state == ConnectionState::kClosing) return;
  conn.state = ConnectionState::kClosing;
  conn.log.end = reason;
  if (conn.http != nullptr && AccessLogged(conn)) {
    const HttpState& h = *conn.http;
    // A request the connection ends inside (a bad request's own response
    // was logged when it was complete).
    if (!h.stream && !h.exchange_finished &&
        (h.request_started_ns != 0 || h.status != 0)) {
      LogHttpRequest(*ctx_.access_log, conn, now_ns_, reason);
    }
  }
  switch (reason) {
    case CloseReason::kClientReset:
      ctx_.stats->Add(Counter::kClientResets);
      ArmReset(conn.side[kUpstream].fd);
      break;
    case CloseReason::kUpstreamReset:
      ctx_.stats->Add(Counter::kUpstreamResets);
      ArmReset(conn.side[kClient].fd);
      break;
    case CloseReason::kIdleTimeout:
      ctx_.stats->Add(Counter::kIdleTimeouts);
      break;
    case CloseReason::kDrain:
      ctx_.stats->Add(Counter::kDrainForcedCloses);
      break;
    default:
      break;
  }
  ctx_.timers->Cancel(&conn.deadline);
  if (OnlyReceivesInFlight(conn)) {
    // By their tags: a hash lookup each, where cancelling by descriptor
    // walks every bucket of the ring's cancel table.
    const HttpState& h = *conn.http;
    if (h.client_recv_armed) CancelOp(*ctx_.ring, conn, kOpHttpClientRecv);
    if (h.upstream_recv_armed) {
      CancelOp(*ctx_.ring, conn, kOpHttpUpstreamRecv);
    }
  } else if (conn.inflight > 0) {
    for (const Endpoint& side : conn.side) {
      if (side.fd >= 0) CancelOnSocket(*ctx_.ring, conn, side.fd);
    }
    // A connect or socket op has no fd to cancel by yet.
    CancelOp(*ctx_.ring, conn, kOpConnect);
  }
  MaybeFinish(conn);
}

// Most connections close with nothing in flight but a receive or two.
bool HttpProxy::OnlyReceivesInFlight(const Connection& conn) const {
  if (conn.inflight == 0 || conn.http == nullptr) return false;
  const HttpState& h = *conn.http;
  return conn.inflight == h.client_recv_armed + h.upstream_recv_armed;
}

void HttpProxy::MaybeFinish(Connection& conn) {
  if (conn.state != ConnectionState::kClosing || conn.inflight != 0) return;
  if (conn.http != nullptr && conn.http->stream && AccessLogged(conn)) {
    LogConnection(*ctx_.access_log, conn, now_ns_);
  }
  for (Endpoint& side : conn.side) {
    if (side.fd >= 0) close(side.fd);
    side = Endpoint{};
  }
  if (conn.server_connected) {
    --conn.server->active_connections;
    conn.server_connected = false;
  }
  ReleaseState(conn.http);
  conn.http = nullptr;
  on_finished_(owner_, conn);
}

}  // namespace ringway::conn
