// HttpProxy: writing to the client (plaintext from a queue, or records
// sealed by the connection's TLS session), what follows once everything
// is on the wire, and the next request on a kept-alive connection.

#include <sys/socket.h>

#include <cerrno>
#include <utility>

#include "dataplane/conn/conn_op.h"
#include "dataplane/conn/http_proxy.h"
#include "dataplane/conn/http_proxy_internal.h"

namespace ringway::conn {

void HttpProxy::FlushClient(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  if (conn.state == ConnectionState::kClosing) return;
  int fd = conn.side[kClient].fd;
  if (!ClientSealed(h)) {
    if (!h.client_out.empty()) {
      h.client_send.pending.append(h.client_out);
      h.client_out.clear();
    }
    if (!h.client_send.in_flight && !h.client_send.pending.empty()) {
      SendFrom(conn, fd, h.client_send, kOpHttpClientSend);
    } else if (h.client_send.idle()) {
      OnClientFlushed(conn);
    }
    return;
  }
  tls::TlsSession& tls = *h.tls;
  if (h.client_tls_sending) return;
  SealFront(tls, &h.client_out);
  if (SendSealed(conn, fd, tls, kOpHttpClientSend)) {
    h.client_tls_sending = true;
  } else if (h.client_out.empty()) {
    OnClientFlushed(conn);
  }
}

bool HttpProxy::SendSealed(Connection& conn, int fd, tls::TlsSession& tls,
                           uint8_t op) {
  std::span<const uint8_t> output = tls.output();
  if (output.empty()) return false;
  io_uring_sqe* sqe = ctx_.ring->GetSqe();
  io_uring_prep_send(sqe, fd, output.data(), output.size(), MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, Tag(conn, op));
  ++conn.inflight;
  return true;
}

void HttpProxy::SendFrom(Connection& conn, int fd, OutQueue& queue,
                         uint8_t op) {
  if (queue.sending.size() == queue.sent) {
    queue.sending.clear();
    queue.sent = 0;
    std::swap(queue.sending, queue.pending);
  }
  io_uring_sqe* sqe = ctx_.ring->GetSqe();
  io_uring_prep_send(sqe, fd, queue.sending.data() + queue.sent,
                     queue.sending.size() - queue.sent, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, Tag(conn, op));
  ++conn.inflight;
  queue.in_flight = true;
}

void HttpProxy::OnClientSent(Connection& conn, int32_t res) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  if (res <= 0) {
    h.client_send.in_flight = false;
    h.client_tls_sending = false;
    if (res != -ECANCELED) Close(conn, CloseReason::kClientReset);
    return;
  }
  Touch(conn);
  if (ClientSealed(h)) {
    h.client_tls_sending = false;
    h.tls->ConsumeOutput(res);
  } else {
    OutQueue& q = h.client_send;
    q.in_flight = false;
    q.sent += res;
    if (q.sent < q.sending.size()) {
      SendFrom(conn, conn.side[kClient].fd, q, kOpHttpClientSend);
      return;
    }
  }
  FlushClient(conn);
  if (conn.http == nullptr || conn.state == ConnectionState::kClosing) return;
  if (h.phase == HttpPhase::kKtlsHandover) {
    AdvanceKtlsHandover(conn);
    return;
  }
  // Room again for response bytes.
  if (h.body_splice[kUpstream].active) {
    PumpBody(conn, kUpstream);
  } else {
    MaybeArmUpstreamRecv(conn);
  }
}

// Everything queued for the client is on the wire.
void HttpProxy::OnClientFlushed(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  if (h.phase == HttpPhase::kFlushClose) {
    // TLS ends with close_notify, sent like any other record; this comes
    // back here once it is on the wire.
    if (QueueClientCloseNotify(conn)) return;
    if (h.client_ktls && !KtlsCloseNotifySent(conn, kClient)) return;
    shutdown(conn.side[kClient].fd, SHUT_WR);
    Close(conn, CloseReason::kDone);
    return;
  }
  if (h.phase == HttpPhase::kTunnel) CheckTunnelEnds(conn);
}

// The response is complete (and the request, or the connection closes):
// on to the next request, or close.
void HttpProxy::StartNextRequest(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  if (!h.keep_client || h.closing_soon) {
    h.phase = HttpPhase::kFlushClose;
    // A client that stops reading does not hold the connection forever.
    ScheduleDeadline(conn, conn.listener->http.header_timeout_ns);
    FlushClient(conn);
    return;
  }
  h.ResetExchange();
  h.log_bytes_at_start[kClient] = conn.log.bytes[kClient];
  h.log_bytes_at_start[kUpstream] = conn.log.bytes[kUpstream];
  conn.log.connect_ns = ConnectionLog::kNotMeasured;
  conn.log.first_byte_ns = ConnectionLog::kNotMeasured;
  h.phase = HttpPhase::kRequestHead;
  const route::HttpRoutes& http = conn.listener->http;
  ScheduleDeadline(conn, h.client_in.empty() ? http.keepalive_timeout_ns
                                             : http.header_timeout_ns);
  FlushClient(conn);
  if (!h.client_in.empty()) {
    ParseRequest(conn);  // pipelined
  } else {
    MaybeArmClientRecv(conn);
  }
}

}  // namespace ringway::conn
