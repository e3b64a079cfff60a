// HttpProxy: the upstream side (connect with failover, the TLS handshake
// when the group re-encrypts, request bytes up, response heads and bodies
// down), 502/504, and the 101 tunnel.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dataplane/common/log.h"
#include "dataplane/conn/conn_op.h"
#include "dataplane/conn/http_proxy.h"
#include "dataplane/conn/upstream_attempt.h"
#include "dataplane/http/client_response.h"
#include "dataplane/tls/client_context.h"

namespace ringway::conn {
namespace {

using stats::Counter;

constexpr size_t kRecvBytes = 16 * 1024;
// Ciphertext is read in bigger pieces: several records per receive.
constexpr size_t kTlsRecvBytes = 64 * 1024;
constexpr size_t kMaxBufferedBytes = 64 * 1024;
constexpr int kSocketType = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;

void AppendBytes(std::string* out, std::span<const uint8_t> bytes) {
  out->append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

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
         (h.tls != nullptr ? h.tls->output().size() : 0);
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
  static const int kOne = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &kOne, sizeof(kOne));
  conn.side[kUpstream].fd = fd;
  io_uring_sqe* sqe = ctx_.ring->GetSqe();
  io_uring_prep_connect(sqe, fd, server.sockaddr_ptr(), server.length());
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
                   /*healthy=*/conn.http->stream && !conn.group->tls);
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

// ---------------------------------------------------------------------------
// Re-encryption: the TLS handshake with the server, bounded by the connect
// timeout.

void HttpProxy::StartUpstreamTls(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  tls::ClientContext* context = conn.routes->client_tls(conn.group_index);
  if (context == nullptr) {
    FailUpstream(conn, 502, "no TLS context for the group");
    return;
  }
  tls::UpstreamPeerName peer{*h.upstream_tls_name, conn.group->tls_send_sni};
  bssl::UniquePtr<SSL> ssl = context->NewSsl(peer, &conn.server->tls_session);
  if (!ssl) {
    FailUpstream(conn, 502, "no memory for a TLS session");
    return;
  }
  h.upstream_tls = std::make_unique<tls::TlsSession>(std::move(ssl));
  if (!h.upstream_preamble.empty()) {
    h.upstream_tls->QueueCleartext(
        {reinterpret_cast<const uint8_t*>(h.upstream_preamble.data()),
         h.upstream_preamble.size()});
  }
  h.upstream_handshaking = true;
  ScheduleDeadline(conn, conn.group->connect_timeout_ns);
  ContinueUpstreamHandshake(conn);
}

void HttpProxy::ContinueUpstreamHandshake(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  tls::TlsSession& tls = *h.upstream_tls;
  tls.SetInput(h.upstream_raw.readable(), h.upstream_eof);
  tls::TlsResult result = tls.Handshake();
  h.upstream_raw.Consume(tls.TakeInputConsumed());
  if (result == tls::TlsResult::kError || result == tls::TlsResult::kClosed) {
    UpstreamTlsFailed(conn);
    return;
  }
  FlushUpstream(conn);  // our flight
  if (result != tls::TlsResult::kOk) {
    if (h.upstream_eof) {
      UpstreamTlsFailed(conn);
      return;
    }
    if (!h.upstream_recv_armed) ArmUpstreamRecv(conn);
    return;
  }
  h.upstream_handshaking = false;
  ctx_.timers->Cancel(&conn.deadline);
  if (h.stream) {
    upstream::RecordSuccess(*conn.server);  // HTTP waits for a response
    conn.server->consecutive_failures = 0;
  }
  ctx_.stats->Add(Counter::kUpstreamTlsHandshakes);
  ++conn.server->tls_handshakes;
  if (tls.resumed()) {
    ctx_.stats->Add(Counter::kUpstreamTlsResumed);
    ++conn.server->tls_resumed;
  }
  // Records that came with the server's last flight (a server that speaks
  // first, in stream mode) are decrypted before the tunnel starts.
  if (!h.upstream_raw.empty() && !DecryptUpstream(conn)) return;
  UpstreamReady(conn);
}

// A failed handshake (or an alert right after it, in TLS 1.3, when the
// server refuses our certificate): 502 naming the reason.
void HttpProxy::UpstreamTlsFailed(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  const bool during_handshake = h.upstream_handshaking;
  ctx_.stats->Add(Counter::kUpstreamTlsErrors);
  ++conn.server->tls_failures;
  std::string_view reason = h.upstream_tls->error_reason();
  if (reason.empty() && h.upstream_eof) reason = "the server closed";
  std::string why =
      "TLS: " + tls::DescribeUpstreamTlsError(h.upstream_tls->ssl(), reason);
  CountConnectFailure(conn, 0, why, *ctx_.stats, ctx_.shard_id, now_ns_);
  h.upstream_handshaking = false;
  // The next server, if any is left: during the handshake nothing of the
  // request went yet (it is sealed only after it), so any request may go;
  // after it (a TLS 1.3 server refusing our certificate answers the
  // request with an alert), only a bodiless idempotent one, as for a reset.
  const bool may_retry =
      during_handshake ||
      (!h.retry_head.empty() && h.request_idempotent && h.upstream_in.empty());
  if (!h.stream && !h.response_started && conn.attempts_left > 0 && may_retry) {
    RINGWAY_LOG(kWarning,
                "listener \"%s\": upstream %s: %s; trying the next server",
                conn.listener->name, conn.server->address.ToString(), why);
    h.response_parser.Reset();
    h.phase = HttpPhase::kConnecting;
    ReconnectWith(conn, during_handshake ? std::move(h.upstream_send.pending)
                                         : h.retry_head);
    return;
  }
  FailUpstream(conn, 502, why);
}

// Ciphertext from the server: decrypted into upstream_in. False when the
// connection is no longer in a state to process a response.
bool HttpProxy::DecryptUpstream(Connection& conn) {
  HttpState& h = *conn.http;
  if (h.upstream_handshaking) {
    ContinueUpstreamHandshake(conn);
    return false;
  }
  tls::TlsSession& tls = *h.upstream_tls;
  tls.SetInput(h.upstream_raw.readable(), h.upstream_eof);
  for (;;) {
    size_t n = 0;
    uint8_t* tail = h.upstream_in.PrepareTail(kRecvBytes);
    tls::TlsResult result = tls.Read({tail, h.upstream_in.tail_room()}, &n);
    if (result == tls::TlsResult::kOk) {
      h.upstream_in.Commit(n);
      continue;
    }
    h.upstream_raw.Consume(tls.TakeInputConsumed());
    if (result == tls::TlsResult::kError && !h.upstream_eof) {
      if (h.phase == HttpPhase::kTunnel || h.response_started) {
        RINGWAY_LOG(kInfo, "listener \"%s\": TLS error from upstream %s: %s",
                    conn.listener->name, conn.server->address.ToString(),
                    tls.error_reason());
        Close(conn, CloseReason::kUpstreamReset);
      } else {
        UpstreamTlsFailed(conn);
      }
      return false;
    }
    // kClosed (close_notify) ends the stream; so does a TCP FIN without
    // one (kError at EOF), as nginx takes it. kWantWrite: BoringSSL has a
    // record to send first (FlushUpstream below).
    if (result == tls::TlsResult::kClosed || result == tls::TlsResult::kError) {
      h.upstream_eof = true;
    }
    break;
  }
  FlushUpstream(conn);  // anything BoringSSL wrote while reading
  return true;
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
       !handshaking)) {
    return;
  }
  if (h.upstream_tls == nullptr) {
    if (h.upstream_send.pending.empty()) return;
    SendFrom(conn, fd, h.upstream_send, kOpHttpUpstreamSend);
    ++h.upstream_inflight;
    return;
  }
  tls::TlsSession& tls = *h.upstream_tls;
  if (tls.handshake_done()) {
    // Seal what fits; the rest waits for the next send's completion.
    std::string& pending = h.upstream_send.pending;
    pending.erase(0, tls.Seal({reinterpret_cast<const uint8_t*>(pending.data()),
                               pending.size()}));
  }
  std::span<const uint8_t> output = tls.output();
  if (output.empty()) return;
  io_uring_sqe* sqe = ctx_.ring->GetSqe();
  io_uring_prep_send(sqe, fd, output.data(), output.size(), MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, Tag(conn, kOpHttpUpstreamSend));
  ++conn.inflight;
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
    if (RetryRequest(conn, "closed while the request was sent")) return;
    FailUpstream(conn, 502, "upstream closed while the request was sent");
    return;
  }
  Touch(conn);
  if (h.upstream_tls != nullptr) {
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
  ForwardRequestBody(conn);
  FlushUpstream(conn);
  MaybeArmClientRecv(conn);
}

// ---------------------------------------------------------------------------
// Response bytes down.

void HttpProxy::ArmUpstreamRecv(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  // Ciphertext lands in upstream_raw; plaintext in upstream_in.
  buffer::ByteQueue& queue =
      h.upstream_tls != nullptr ? h.upstream_raw : h.upstream_in;
  uint8_t* tail =
      queue.PrepareTail(h.upstream_tls != nullptr ? kTlsRecvBytes : kRecvBytes);
  io_uring_sqe* sqe = ctx_.ring->GetSqe();
  io_uring_prep_recv(sqe, conn.side[kUpstream].fd, tail, queue.tail_room(), 0);
  io_uring_sqe_set_data64(sqe, Tag(conn, kOpHttpUpstreamRecv));
  ++conn.inflight;
  ++h.upstream_inflight;
  h.upstream_recv_armed = true;
}

void HttpProxy::MaybeArmUpstreamRecv(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  if (h.upstream_recv_armed || h.upstream_eof || h.upstream_dropping ||
      conn.side[kUpstream].fd < 0 || conn.state == ConnectionState::kClosing ||
      h.exchange_finished ||
      (h.phase != HttpPhase::kExchange && h.phase != HttpPhase::kTunnel)) {
    return;
  }
  if (ClientBacklog(h) > kMaxBufferedBytes) return;  // the client is behind
  ArmUpstreamRecv(conn);
}

void HttpProxy::OnUpstreamRecv(Connection& conn, int32_t res) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  h.upstream_recv_armed = false;
  if (res < 0) {
    if (res == -ECANCELED) return;
    if (h.phase == HttpPhase::kTunnel || h.response_started) {
      Close(conn, CloseReason::kUpstreamReset);
      return;
    }
    if (RetryRequest(conn, "reset the connection")) return;
    FailUpstream(conn, 502, "upstream reset the connection");
    return;
  }
  Touch(conn);
  (h.upstream_tls != nullptr ? h.upstream_raw : h.upstream_in).Commit(res);
  if (res == 0) {
    if (h.phase == HttpPhase::kExchange &&
        RetryRequest(conn, "closed the connection without a response")) {
      return;
    }
    h.upstream_eof = true;
  }
  if (h.upstream_tls != nullptr) {
    if (!DecryptUpstream(conn)) return;
    // A kept TLS connection the server closed with close_notify as it was
    // reused: the same retry as a bare FIN.
    if (h.upstream_eof && res > 0 && h.phase == HttpPhase::kExchange &&
        h.upstream_in.empty() &&
        RetryRequest(conn, "closed the connection without a response")) {
      return;
    }
  }
  if (h.phase == HttpPhase::kTunnel) {
    if (!h.upstream_in.empty()) {
      ctx_.stats->Add(Counter::kBytesUpstreamToClient, h.upstream_in.size());
      AppendBytes(&h.client_out, h.upstream_in.readable());
      h.upstream_in.Consume(h.upstream_in.size());
      FlushClient(conn);
    }
    CheckTunnelEnds(conn);
    MaybeArmUpstreamRecv(conn);
    return;
  }
  ProcessResponse(conn);
}

void HttpProxy::ProcessResponse(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  const codec::HttpResponseContext context{h.method, h.request_upgrade};
  while (!h.response_head_done) {
    codec::HttpParseStatus status =
        h.response_parser.Parse(h.upstream_in.readable(), context, &h.response);
    if (status == codec::HttpParseStatus::kNeedMoreData) {
      if (h.upstream_eof) {
        FailUpstream(conn, 502, "upstream closed before a complete response");
        return;
      }
      FlushClient(conn);  // an interim response (100 Continue) goes now
      MaybeArmUpstreamRecv(conn);
      return;
    }
    if (status != codec::HttpParseStatus::kComplete) {
      FailUpstream(conn, 502, codec::HttpErrorName(h.response.error));
      return;
    }
    const codec::HttpResponse& response = h.response;
    if (response.interim()) {
      // 100 Continue and friends go on as they are; the final response
      // follows on the same connection.
      http::WriteClientResponseHead(response, h.vhost, h.method,
                                    h.client_version, true, &h.client_out);
      h.upstream_in.Consume(response.head_length);
      h.response_parser.Reset();
      continue;
    }
    h.keep_client = h.request_keep_alive && !h.closing_soon &&
                    http::ClientMayKeepAlive(response, h.request_keep_alive);
    if (response.body_kind == codec::HttpBodyKind::kUntilClose ||
        response.upgrade) {
      h.keep_client = false;
    }
    const size_t before = h.client_out.size();
    http::WriteClientResponseHead(response, h.vhost, h.method, h.client_version,
                                  h.keep_client, &h.client_out);
    ctx_.stats->Add(Counter::kBytesUpstreamToClient,
                    h.client_out.size() - before);
    h.upstream_in.Consume(response.head_length);
    h.response_head_done = true;
    upstream::RecordSuccess(*conn.server);
    conn.server->consecutive_failures = 0;
    h.response_started = true;
    h.response_from_upstream = true;
    h.response_body = response.body_kind;
    h.response_left = response.content_length;
    if (response.body_kind == codec::HttpBodyKind::kTunnel) {
      if (response.upgrade) {
        StartTunnel(conn);
        return;
      }
      // A 2xx to CONNECT: ringway does not forward CONNECT tunnels.
      h.keep_client = false;
      h.response_body = codec::HttpBodyKind::kNone;
    }
  }
  bool done = ForwardResponseBody(conn);
  if (conn.http == nullptr || conn.state == ConnectionState::kClosing) return;
  FlushClient(conn);
  if (done) {
    FinishExchange(conn);
    return;
  }
  if (h.upstream_eof) {
    RINGWAY_LOG(kWarning,
                "listener \"%s\": upstream %s closed in the middle of a "
                "response body",
                conn.listener->name, conn.server->address.ToString());
    Close(conn, CloseReason::kUpstreamReset);
    return;
  }
  MaybeArmUpstreamRecv(conn);
}

// Moves response body bytes to the client; true once the body is complete.
bool HttpProxy::ForwardResponseBody(Connection& conn) {
  if (conn.http == nullptr) return false;
  HttpState& h = *conn.http;
  std::span<const uint8_t> bytes = h.upstream_in.readable();
  size_t take = 0;
  bool done = false;
  switch (h.response_body) {
    case codec::HttpBodyKind::kNone:
    case codec::HttpBodyKind::kTunnel:
      return true;
    case codec::HttpBodyKind::kContentLength:
      take = static_cast<size_t>(
          std::min<uint64_t>(h.response_left, bytes.size()));
      h.response_left -= take;
      done = h.response_left == 0;
      break;
    case codec::HttpBodyKind::kChunked: {
      // Each call stops after one piece of chunk data.
      codec::HttpChunkedResult r;
      do {
        r = h.response_chunks.Decode(bytes.subspan(take));
        take += r.consumed;
      } while (r.status == codec::HttpParseStatus::kNeedMoreData &&
               r.consumed > 0 && take < bytes.size());
      if (r.status == codec::HttpParseStatus::kComplete) {
        done = true;
      } else if (r.status != codec::HttpParseStatus::kNeedMoreData) {
        ctx_.stats->Add(Counter::kHttpBadGateway);
        RINGWAY_LOG(kWarning, "listener \"%s\": bad chunked body from %s: %s",
                    conn.listener->name, conn.server->address.ToString(),
                    codec::HttpErrorName(h.response_chunks.error()));
        Close(conn, CloseReason::kUpstreamReset);
        return false;
      }
      break;
    }
    case codec::HttpBodyKind::kUntilClose:
      take = bytes.size();
      done = h.upstream_eof;
      break;
  }
  if (take > 0) {
    // HTTPS client with nothing queued before these bytes and no send of
    // sealed records in flight: seal straight from the receive buffer,
    // skipping the copy into client_out.
    size_t sealed = 0;
    if (h.tls != nullptr && h.client_out.empty() && !h.client_tls_sending) {
      sealed = h.tls->Seal(bytes.first(take));
    }
    AppendBytes(&h.client_out, bytes.subspan(sealed, take - sealed));
    ctx_.stats->Add(Counter::kBytesUpstreamToClient, take);
    h.upstream_in.Consume(take);
  }
  return done;
}

// The response is complete (or ringway answered itself): release the
// upstream socket, then the next request or the close.
void HttpProxy::FinishExchange(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  // A request body the upstream did not wait for cannot be skipped
  // reliably: the connection ends with this response.
  if (!h.request_done) h.keep_client = false;
  h.exchange_finished = true;
  ctx_.timers->Cancel(&conn.deadline);
  if (!KeepUpstream(conn)) DropUpstream(conn);
  if (!h.upstream_dropping) StartNextRequest(conn);
  // Otherwise OnUpstreamOpDone goes on once the upstream socket is closed.
}

void HttpProxy::FailUpstream(Connection& conn, int status,
                             std::string_view why) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  h.retry_after_drop = false;  // this answer replaces a pending retry
  if (h.stream) {
    // No HTTP to answer with: the client's connection closes.
    ctx_.stats->Add(Counter::kUpstreamUnavailable);
    RINGWAY_LOG(
        kWarning, "listener \"%s\": closing %s: upstream group \"%s\"%s%s: %s",
        conn.listener->name, h.client_ip,
        conn.group != nullptr ? conn.group->name : "",
        conn.server != nullptr ? " server " : "",
        conn.server != nullptr ? conn.server->address.ToString() : "", why);
    Close(conn, CloseReason::kUpstreamUnavailable);
    return;
  }
  ctx_.stats->Add(status == 504 ? Counter::kHttpGatewayTimeouts
                                : Counter::kHttpBadGateway);
  RINGWAY_LOG(
      kWarning, "listener \"%s\": %d for %s: upstream group \"%s\"%s%s: %s",
      conn.listener->name, status, h.client_ip,
      conn.group != nullptr ? conn.group->name : "",
      conn.server != nullptr ? " server " : "",
      conn.server != nullptr ? conn.server->address.ToString() : "", why);
  if (h.response_started) {
    Close(conn, CloseReason::kUpstreamReset);
    return;
  }
  h.phase = HttpPhase::kExchange;  // keeps RespondLocally from keeping alive
  RespondLocally(conn, status, why);
}

// Puts the upstream connection in its server's idle pool when the
// exchange left it clean: the server said keep-alive, every byte of the
// request went and of the response came, nothing is in flight on it.
bool HttpProxy::KeepUpstream(Connection& conn) {
  HttpState& h = *conn.http;
  int fd = conn.side[kUpstream].fd;
  if (!h.upstream_keep || fd < 0 || !h.response_from_upstream ||
      !h.response.keep_alive || !h.request_done || !h.upstream_in.empty() ||
      h.upstream_eof || h.upstream_inflight != 0 || h.upstream_dropping ||
      !UpstreamSendIdle(h) || !h.upstream_raw.empty() ||
      conn.group == nullptr) {
    return false;
  }
  upstream::IdleConnection idle{fd, std::move(h.upstream_tls)};
  if (!conn.server->idle.Put(idle, now_ns_, conn.group->keepalive,
                             conn.group->keepalive_timeout_ns)) {
    h.upstream_tls = std::move(idle.tls);
    return false;
  }
  if (conn.server_connected) {
    --conn.server->active_connections;
    conn.server_connected = false;
  }
  conn.side[kUpstream] = Endpoint{};
  h.upstream_send = OutQueue{};
  h.ResetUpstreamTls();
  return true;
}

// The upstream connection ended before any byte of the response. A
// bodiless request whose head was kept (retry_head) goes again:
//  - on a fresh connection to the same server, once, when the connection
//    was a kept one the server had closed just as it was reused (the race
//    every keep-alive pool has);
//  - otherwise on the next server, within the group's connect attempts,
//    for idempotent methods only (as nginx's proxy_next_upstream): the
//    server counts a failure towards its passive health.
// True if the retry started.
bool HttpProxy::RetryRequest(Connection& conn, std::string_view why) {
  HttpState& h = *conn.http;
  if (h.response_started || h.retry_head.empty() || !h.upstream_in.empty() ||
      h.upstream_dropping) {
    return false;
  }
  const bool same_server = h.upstream_reused && !h.upstream_retried;
  if (!same_server && (!h.request_idempotent || conn.attempts_left == 0)) {
    return false;
  }
  if (same_server) {
    RINGWAY_LOG(kDebug, "shard %d: kept connection to %s was closed; retrying",
                ctx_.shard_id, conn.server->address.ToString());
    h.upstream_retried = true;
  } else {
    CountConnectFailure(conn, 0, why, *ctx_.stats, ctx_.shard_id, now_ns_);
    RINGWAY_LOG(kWarning,
                "listener \"%s\": upstream %s %s; request of %s retried on "
                "the next server",
                conn.listener->name, conn.server->address.ToString(), why,
                h.client_ip);
  }
  h.response_parser.Reset();
  h.phase = HttpPhase::kConnecting;
  if (same_server) {
    // This attempt is on the pool, not the server. A request that may not
    // be repeated elsewhere gets the same server only.
    conn.attempts_left = h.request_idempotent ? conn.attempts_left + 1 : 1;
    RetrySameServer(conn);
  }
  ReconnectWith(conn, h.retry_head);
  return true;
}

// Closes the upstream connection and tries the next server with `bytes`
// as the first to send, once nothing is in flight on the old socket.
void HttpProxy::ReconnectWith(Connection& conn, std::string bytes) {
  HttpState& h = *conn.http;
  h.resend = std::move(bytes);
  DropUpstream(conn);
  if (h.upstream_dropping) {
    // A send or receive is still in flight on the old socket: the retry
    // starts once it is cancelled (OnUpstreamOpDone).
    h.retry_after_drop = true;
    return;
  }
  h.upstream_send.pending = std::move(h.resend);
  TryNextServer(conn);
}

// Closes the upstream socket, cancelling what is in flight on it first.
void HttpProxy::DropUpstream(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  if (h.upstream_dropping) return;
  if (conn.server_connected) {
    --conn.server->active_connections;
    conn.server_connected = false;
  }
  int fd = conn.side[kUpstream].fd;
  if (h.upstream_inflight == 0) {
    if (fd >= 0) close(fd);
    conn.side[kUpstream] = Endpoint{};
    h.upstream_in.Clear();
    h.upstream_send = OutQueue{};
    h.upstream_eof = false;
    h.upstream_shut = false;
    h.ResetUpstreamTls();
    return;
  }
  h.upstream_dropping = true;
  if (fd >= 0) {
    io_uring_sqe* sqe = ctx_.ring->GetSqe();
    io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(sqe, Tag(conn, kOpHttpUpstreamCancel));
    ++conn.inflight;
    ++h.upstream_inflight;
  }
}

void HttpProxy::OnUpstreamOpDone(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  if (h.upstream_inflight != 0) return;
  h.upstream_dropping = false;
  DropUpstream(conn);  // nothing in flight now: closes
  if (h.retry_after_drop) {
    h.retry_after_drop = false;
    h.upstream_send.pending = std::move(h.resend);
    TryNextServer(conn);
    return;
  }
  if (h.exchange_finished) StartNextRequest(conn);
}

// ---------------------------------------------------------------------------
// After 101 Switching Protocols.

void HttpProxy::StartTunnel(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  if (!h.stream) ctx_.stats->Add(Counter::kHttpUpgrades);
  h.phase = HttpPhase::kTunnel;
  h.keep_client = false;
  ScheduleDeadline(conn, conn.idle_timeout_ns);
  // Bytes that came right after either head belong to the new protocol.
  if (!h.upstream_in.empty()) {
    AppendBytes(&h.client_out, h.upstream_in.readable());
    h.upstream_in.Consume(h.upstream_in.size());
  }
  if (!h.client_in.empty()) {
    AppendBytes(&h.upstream_send.pending, h.client_in.readable());
    h.client_in.Consume(h.client_in.size());
  }
  FlushClient(conn);
  FlushUpstream(conn);
  CheckTunnelEnds(conn);
  MaybeArmClientRecv(conn);
  MaybeArmUpstreamRecv(conn);
}

// Passes each side's FIN on once its bytes are delivered; closes when both
// directions have ended.
void HttpProxy::CheckTunnelEnds(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  if (conn.state == ConnectionState::kClosing) return;
  if (h.client_eof && h.client_in.empty() && UpstreamSendIdle(h) &&
      !h.upstream_shut) {
    // TLS ends with close_notify first; this comes back once it is sent.
    if (h.upstream_tls != nullptr && !h.upstream_close_notify) {
      h.upstream_close_notify = true;
      h.upstream_tls->Shutdown();
      FlushUpstream(conn);
      if (!UpstreamSendIdle(h)) return;
    }
    h.upstream_shut = true;
    shutdown(conn.side[kUpstream].fd, SHUT_WR);
  }
  bool client_flushed = ClientBacklog(h) == 0 && !h.client_tls_sending &&
                        !h.client_send.in_flight;
  if (h.upstream_eof && h.upstream_in.empty() && client_flushed &&
      !h.client_shut) {
    if (h.tls != nullptr && h.tls->handshake_done() && !h.close_notify_queued) {
      h.close_notify_queued = true;
      h.tls->Shutdown();
      FlushClient(conn);
      if (ClientBacklog(h) != 0 || h.client_tls_sending) return;
    }
    h.client_shut = true;
    shutdown(conn.side[kClient].fd, SHUT_WR);
  }
  if (h.client_shut && h.upstream_shut) Close(conn, CloseReason::kDone);
}

}  // namespace ringway::conn
