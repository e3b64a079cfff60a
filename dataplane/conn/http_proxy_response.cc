// HttpProxy: responses down: the upstream's bytes read (and unsealed when
// the group re-encrypts), the head parsed and rewritten, the body moved to
// the client; the end of an exchange, and the 502/504 when the upstream
// fails.


#include <algorithm>
#include <cerrno>

#include "dataplane/common/log.h"
#include "dataplane/conn/access_log_lines.h"
#include "dataplane/conn/conn_op.h"
#include "dataplane/conn/http_proxy.h"
#include "dataplane/conn/http_proxy_internal.h"
#include "dataplane/http/client_response.h"

namespace ringway::conn {

using stats::Counter;

void HttpProxy::ArmUpstreamRecv(Connection& conn, size_t max_bytes) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  // Ciphertext lands in upstream_raw; plaintext in upstream_in.
  buffer::ByteQueue& queue = UpstreamSealed(h) ? h.upstream_raw : h.upstream_in;
  const size_t want = max_bytes != 0      ? max_bytes
                      : UpstreamSealed(h) ? kTlsRecvBytes
                                          : kRecvBytes;
  uint8_t* tail = queue.PrepareTail(want);
  io_uring_sqe* sqe = ctx_.ring->GetSqe();
  io_uring_prep_recv(sqe, conn.side[kUpstream].fd, tail,
                     max_bytes != 0 ? max_bytes : queue.tail_room(), 0);
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
  if (h.body_splice[kUpstream].active) return;
  if (h.phase == HttpPhase::kExchange && h.response_head_done &&
      MaySpliceBody(conn, kUpstream) && StartBodySplice(conn, kUpstream)) {
    return;
  }
  if (ClientBacklog(h) > kMaxBufferedBytes) return;  // the client is behind
  ArmUpstreamRecv(conn);
}

void HttpProxy::OnUpstreamRecv(Connection& conn, int32_t res) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  h.upstream_recv_armed = false;
  if (res == -EIO && h.upstream_ktls) {
    OnKtlsControlRecord(conn, kUpstream);  // not application data
    return;
  }
  if (res < 0) {
    if (res == -ECANCELED) return;
    if (h.phase == HttpPhase::kTunnel || h.phase == HttpPhase::kKtlsHandover ||
        h.response_started) {
      Close(conn, CloseReason::kUpstreamReset);
      return;
    }
    if (RetryRequest(conn, "reset the connection")) return;
    FailUpstream(conn, 502, "upstream reset the connection");
    return;
  }
  Touch(conn);
  (UpstreamSealed(h) ? h.upstream_raw : h.upstream_in).Commit(res);
  if (res == 0) {
    if (h.phase == HttpPhase::kExchange &&
        RetryRequest(conn, "closed the connection without a response")) {
      return;
    }
    h.upstream_eof = true;
  }
  if (h.phase == HttpPhase::kKtlsHandover) {
    AdvanceKtlsHandover(conn);
    return;
  }
  if (UpstreamSealed(h)) {
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
      CountBytes(conn, kUpstream, h.upstream_in.size());
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
    h.status = response.status_code;
    if (h.request_started_ns != 0) {
      conn.log.first_byte_ns = now_ns_ - h.request_started_ns;
    }
    const size_t before = h.client_out.size();
    http::WriteClientResponseHead(response, h.vhost, h.method, h.client_version,
                                  h.keep_client, &h.client_out);
    CountBytes(conn, kUpstream, h.client_out.size() - before);
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
    if (ClientSealed(h) && h.client_out.empty() && !h.client_tls_sending) {
      sealed = h.tls->Seal(bytes.first(take));
    }
    AppendBytes(&h.client_out, bytes.subspan(sealed, take - sealed));
    CountBytes(conn, kUpstream, take);
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
  for (BodySplice& body : h.body_splice) ReleaseBodyPipe(&body);
  stats::ListenerStats* listener =
      ctx_.listener_stats != nullptr ? &ctx_.listener_stats[conn.listener_index]
                                     : nullptr;
  if (h.request_started_ns != 0 && !h.stream) {
    ctx_.stats->Observe(stats::Histogram::kHttpRequest,
                        now_ns_ - h.request_started_ns);
    if (listener != nullptr) {
      listener->http_request.Observe(now_ns_ - h.request_started_ns);
    }
  }
  if (h.status != 0 && !h.stream && listener != nullptr) {
    stats::ListenerStats::Add(
        listener->http_responses[stats::ListenerStats::StatusClass(h.status)]);
  }
  if (!h.stream && (h.request_started_ns != 0 || h.status != 0) &&
      AccessLogged(conn)) {
    LogHttpRequest(*ctx_.access_log, conn, now_ns_, CloseReason::kDone);
  }
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

}  // namespace ringway::conn
