// HttpProxy: setting a connection up, then the client side of the HTTP
// exchange: request heads (routing, 301, 404) and bodies in. Responses out
// and the next request: http_proxy_client_send.cc.

#include "dataplane/conn/http_proxy.h"

#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dataplane/address/cidr.h"
#include "dataplane/codec/proxy_protocol_parser.h"
#include "dataplane/codec/proxy_protocol_writer.h"
#include "dataplane/common/log.h"
#include "dataplane/conn/conn_op.h"
#include "dataplane/conn/http_proxy_internal.h"
#include "dataplane/conn/upstream_attempt.h"
#include "dataplane/http/local_response.h"
#include "dataplane/http/real_client_address.h"
#include "dataplane/http/upstream_request.h"
#include "dataplane/http/virtual_host_router.h"

namespace ringway::conn {

using stats::Counter;

HttpProxy::HttpProxy(const HttpProxyContext& context, FinishedFn on_finished,
                     void* owner)
    : ctx_(context), on_finished_(on_finished), owner_(owner) {}

HttpProxy::~HttpProxy() = default;

HttpState* HttpProxy::AcquireState() {
  if (free_states_.empty()) return new HttpState();
  HttpState* state = free_states_.back().release();
  free_states_.pop_back();
  return state;
}

void HttpProxy::ReleaseState(HttpState* state) {
  for (BodySplice& body : state->body_splice) {
    ReleaseBodyPipe(&body);
    body = BodySplice{};  // polls of a closed connection completed unseen
  }
  state->ResetConnection();
  free_states_.emplace_back(state);
}

void HttpProxy::ScheduleDeadline(Connection& conn, uint64_t after_ns) {
  ctx_.timers->Schedule(&conn.deadline, now_ns_ + after_ns);
}

void HttpProxy::Start(Connection& conn, size_t listener_index) {
  const route::ListenerRoutes& listener = *conn.listener;
  HttpState* state = AcquireState();
  conn.http = state;
  conn.state = ConnectionState::kRelaying;
  conn.side[kClient].writable = true;
  state->request_parser = codec::HttpRequestParser(listener.http.limits);
  codec::HttpLimits upstream_limits = listener.http.limits;
  upstream_limits.max_body_bytes = 0;  // responses are not ours to cap
  state->response_parser = codec::HttpResponseParser(upstream_limits);
  state->request_chunks = codec::HttpChunkedDecoder(listener.http.limits);
  state->response_chunks = codec::HttpChunkedDecoder(upstream_limits);

  if (!conn.client_known) {  // the shard may have it from the accept
    socklen_t length = sizeof(conn.client_address);
    getpeername(conn.side[kClient].fd,
                reinterpret_cast<sockaddr*>(&conn.client_address), &length);
    conn.client_known = true;
  }
  conn.addresses_known = true;

  state->stream = listener.tls_stream;
  if (state->stream) {
    const route::UpstreamGroup& group =
        conn.routes->snapshot().groups[listener.upstream_group];
    state->ktls_candidate =
        (!listener.TerminatesTls() ||
         listener.http.ktls != route::KtlsMode::kOff) &&
        (group.tls == nullptr || group.ktls != route::KtlsMode::kOff);
  } else if (listener.TerminatesTls()) {
    state->ktls_candidate = listener.http.ktls != route::KtlsMode::kOff;
  }
  if (listener.TerminatesTls()) {
    tls::ServerContext* context = conn.routes->server_tls(listener_index);
    if (context == nullptr) {
      Close(conn, CloseReason::kResourceError);
      return;
    }
    state->tls = std::make_unique<tls::TlsSession>(context->NewSsl());
  }
  bool trusted = listener.proxy_protocol.enabled &&
                 address::AnyContains(listener.proxy_protocol.trusted,
                                      conn.client_address);
  state->phase = trusted      ? HttpPhase::kProxyHeader
                 : state->tls ? HttpPhase::kHandshake
                              : HttpPhase::kRequestHead;
  if (state->phase == HttpPhase::kRequestHead && state->stream) {
    StartStream(conn);  // plain TCP in, TLS out: nothing to wait for
    return;
  }
  ScheduleDeadline(conn, listener.http.header_timeout_ns);
  ArmClientRecv(conn);
}

// ---------------------------------------------------------------------------
// Reading from the client.

void HttpProxy::ArmClientRecv(Connection& conn, size_t max_bytes) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  // Ciphertext and PROXY bytes land in client_raw; plaintext in client_in.
  bool raw = ClientSealed(h) || h.phase == HttpPhase::kProxyHeader;
  buffer::ByteQueue& queue = raw ? h.client_raw : h.client_in;
  uint8_t* tail = queue.PrepareTail(max_bytes != 0 ? max_bytes : kRecvBytes);
  io_uring_sqe* sqe = ctx_.ring->GetSqe();
  io_uring_prep_recv(sqe, conn.side[kClient].fd, tail,
                     max_bytes != 0 ? max_bytes : queue.tail_room(), 0);
  io_uring_sqe_set_data64(sqe, Tag(conn, kOpHttpClientRecv));
  ++conn.inflight;
  h.client_recv_armed = true;
}

// Reads more from the client when the current phase wants bytes and the
// upstream is not behind.
void HttpProxy::MaybeArmClientRecv(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  if (h.client_recv_armed || h.client_eof ||
      conn.state == ConnectionState::kClosing) {
    return;
  }
  switch (h.phase) {
    case HttpPhase::kProxyHeader:
    case HttpPhase::kHandshake:
    case HttpPhase::kRequestHead:
      break;
    case HttpPhase::kExchange:
      // A request body still coming, or (once it is complete) nothing: the
      // next pipelined request waits in the socket until this response is
      // done.
      if (h.request_done || h.body_splice[kClient].active) return;
      if (MaySpliceBody(conn, kClient) && StartBodySplice(conn, kClient)) {
        return;
      }
      if (UpstreamBacklog(h) + h.client_in.size() > kMaxBufferedBytes) {
        return;
      }
      break;
    case HttpPhase::kTunnel:
      if (UpstreamBacklog(h) > kMaxBufferedBytes) return;
      break;
    case HttpPhase::kConnecting:
    case HttpPhase::kFlushClose:
    case HttpPhase::kKtlsHandover:  // reads exactly what it needs itself
      return;
  }
  ArmClientRecv(conn);
}

void HttpProxy::OnClientRecv(Connection& conn, int32_t res) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  h.client_recv_armed = false;
  if (res == -EIO && h.client_ktls) {
    OnKtlsControlRecord(conn, kClient);  // not application data
    return;
  }
  if (res < 0) {
    if (res == -ECANCELED) return;
    Close(conn, CloseReason::kClientReset);
    return;
  }
  Touch(conn);
  bool raw = ClientSealed(h) || h.phase == HttpPhase::kProxyHeader;
  (raw ? h.client_raw : h.client_in).Commit(res);
  if (res == 0) h.client_eof = true;
  if (h.phase == HttpPhase::kProxyHeader) {
    OnProxyHeaderBytes(conn);
    return;
  }
  if (h.phase == HttpPhase::kKtlsHandover) {
    AdvanceKtlsHandover(conn);
    return;
  }
  if (ClientSealed(h)) {
    OnCiphertext(conn);
    return;
  }
  OnClientPlaintext(conn);
}

void HttpProxy::OnClientPlaintext(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  if (conn.state == ConnectionState::kClosing) return;
  switch (h.phase) {
    case HttpPhase::kRequestHead:
      ParseRequest(conn);
      return;
    case HttpPhase::kExchange:
      ForwardRequestBody(conn);
      if (conn.http == nullptr || conn.state == ConnectionState::kClosing) {
        return;
      }
      if (h.client_eof && !h.request_done) {
        // The client went away in the middle of its request (nginx 499).
        Close(conn, CloseReason::kClientReset);
        return;
      }
      MaybeArmClientRecv(conn);
      return;
    case HttpPhase::kTunnel:
      if (!h.client_in.empty()) {
        auto bytes = h.client_in.readable();
        h.upstream_send.pending.append(
            reinterpret_cast<const char*>(bytes.data()), bytes.size());
        CountBytes(conn, kClient, bytes.size());
        h.client_in.Consume(bytes.size());
        FlushUpstream(conn);
      }
      CheckTunnelEnds(conn);
      MaybeArmClientRecv(conn);
      return;
    case HttpPhase::kConnecting:
    case HttpPhase::kFlushClose:
      // (Stream mode keeps what the client sent before its FIN.)
      if (h.client_eof && h.phase == HttpPhase::kConnecting && !h.stream) {
        Close(conn, CloseReason::kClientReset);
      }
      return;
    case HttpPhase::kProxyHeader:
    case HttpPhase::kHandshake:
    case HttpPhase::kKtlsHandover:
      return;
  }
}

// ---------------------------------------------------------------------------
// Requests.

void HttpProxy::ParseRequest(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  codec::HttpParseStatus status =
      h.request_parser.Parse(h.client_in.readable(), &h.request);
  if (status == codec::HttpParseStatus::kNeedMoreData) {
    if (h.client_eof) {
      // A keep-alive client closing between requests is the normal end.
      Close(conn, CloseReason::kDone);
      return;
    }
    MaybeArmClientRecv(conn);
    return;
  }
  ++h.requests;
  ctx_.timers->Cancel(&conn.deadline);
  if (status != codec::HttpParseStatus::kComplete) {
    ctx_.stats->Add(Counter::kHttpBadRequests);
    RINGWAY_LOG_LIMITED(
        log_limiter_, kHttpRequest, now_ns_, kInfo,
        "listener \"%s\": bad request from %s: %s", conn.listener->name,
        h.client_ip.empty() ? http::IpText(conn.client_address) : h.client_ip,
        codec::HttpErrorName(h.request.error));
    h.method = codec::HttpMethod::kGet;
    h.client_version = codec::HttpVersion::kHttp11;
    RespondLocally(conn, codec::HttpStatusCodeFor(status),
                   codec::HttpErrorName(h.request.error));
    return;
  }
  RouteRequest(conn);
}

void HttpProxy::RouteRequest(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  const route::ListenerRoutes& listener = *conn.listener;
  const codec::HttpRequest& request = h.request;
  ctx_.stats->Add(Counter::kHttpRequests);
  if (ctx_.listener_stats != nullptr) {
    stats::ListenerStats::Add(
        ctx_.listener_stats[conn.listener_index].http_requests);
  }
  h.request_started_ns = now_ns_;
  if (AccessLogged(conn)) {
    h.log_method.assign(request.method_name);
    h.log_host.assign(request.host);
    h.log_path.assign(request.target);
  }
  h.method = request.method;
  h.client_version = request.version;
  h.request_keep_alive = request.keep_alive && !h.closing_soon;
  h.request_upgrade = request.upgrade;
  h.request_body = request.body_kind;
  h.request_left = request.content_length;
  h.client_ip = http::RealClientIp(listener.http.real_ip, conn.client_address,
                                   request.headers);

  std::string_view sni = h.tls != nullptr ? h.tls->server_name() : "";
  h.vhost = http::FindVirtualHost(listener.http, request.authority, sni);
  if (h.vhost == nullptr) {
    ctx_.stats->Add(Counter::kHttpNoVirtualHost);
    RespondLocally(conn, 404, "no virtual host");
    return;
  }
  bool acme = http::IsAcmeChallenge(request.target);
  if (h.vhost->redirect_to_https && !acme) {
    ctx_.stats->Add(Counter::kHttpRedirects);
    h.status = 301;
    std::string& out = h.client_out;
    const size_t before = out.size();
    http::WriteRedirectToHttps(
        request.authority, request.target, h.vhost->https_port, h.vhost,
        h.request_keep_alive && request.body_kind == codec::HttpBodyKind::kNone,
        request.method == codec::HttpMethod::kHead, &out);
    CountBytes(conn, kUpstream, out.size() - before);
    h.response_started = true;
    h.keep_client =
        h.request_keep_alive && request.body_kind == codec::HttpBodyKind::kNone;
    h.client_in.Consume(request.head_length);
    h.request_done = true;
    h.response_head_done = true;
    FinishExchange(conn);
    return;
  }
  if (acme && h.vhost->acme_challenge_group.has_value()) {
    h.acme_location =
        route::HttpLocation{"/", *h.vhost->acme_challenge_group, ""};
    h.location = &h.acme_location;
  } else {
    h.location = http::FindLocation(*h.vhost, request.target);
  }
  if (h.location == nullptr) {
    ctx_.stats->Add(Counter::kHttpNoVirtualHost);
    RespondLocally(conn, 404, "no location");
    return;
  }
  http::DownstreamFacts facts;
  facts.client_ip = h.client_ip;
  facts.https = h.tls != nullptr;
  facts.client_verify = h.client_verify;
  facts.client_subject = h.client_subject;
  const route::UpstreamGroup& group =
      conn.routes->snapshot().groups[h.location->upstream_group];
  h.upstream_keep = group.keepalive > 0 && !request.upgrade;
  h.upstream_send.pending.clear();
  http::WriteUpstreamRequestHead(request, listener.http.forwarded, *h.location,
                                 facts, h.upstream_keep,
                                 &h.upstream_send.pending);
  // Kept for a retry (http_proxy_upstream.cc RetryRequest).
  const bool idempotent = request.method == codec::HttpMethod::kGet ||
                          request.method == codec::HttpMethod::kHead ||
                          request.method == codec::HttpMethod::kOptions ||
                          request.method == codec::HttpMethod::kDelete ||
                          request.method == codec::HttpMethod::kTrace;
  h.request_idempotent = idempotent;
  if (request.body_kind == codec::HttpBodyKind::kNone && !request.upgrade &&
      (h.upstream_keep || idempotent)) {
    h.retry_head = h.upstream_send.pending;
  }
  CountBytes(conn, kClient, h.upstream_send.pending.size());
  h.client_in.Consume(request.head_length);
  h.request_done = h.request_body == codec::HttpBodyKind::kNone;
  h.phase = HttpPhase::kConnecting;
  ConnectUpstream(conn, h.location->upstream_group);
}

// Moves what the client sent of the request body to the upstream queue.
void HttpProxy::ForwardRequestBody(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  if (h.request_done || h.client_in.empty()) return;
  std::span<const uint8_t> bytes = h.client_in.readable();
  size_t take = 0;
  if (h.request_body == codec::HttpBodyKind::kContentLength) {
    take =
        static_cast<size_t>(std::min<uint64_t>(h.request_left, bytes.size()));
    h.request_left -= take;
    h.request_done = h.request_left == 0;
  } else {
    // Each call stops after one piece of chunk data.
    codec::HttpChunkedResult r;
    do {
      r = h.request_chunks.Decode(bytes.subspan(take));
      take += r.consumed;
    } while (r.status == codec::HttpParseStatus::kNeedMoreData &&
             r.consumed > 0 && take < bytes.size());
    if (r.status == codec::HttpParseStatus::kComplete) {
      h.request_done = true;
    } else if (r.status != codec::HttpParseStatus::kNeedMoreData) {
      ctx_.stats->Add(Counter::kHttpBadRequests);
      RINGWAY_LOG_LIMITED(log_limiter_, kHttpRequest, now_ns_, kInfo,
                          "listener \"%s\": bad request body from %s: %s",
                          conn.listener->name, h.client_ip,
                          codec::HttpErrorName(h.request_chunks.error()));
      if (!h.response_started) {
        DropUpstream(conn);
        RespondLocally(conn, codec::HttpStatusCodeFor(r.status),
                       codec::HttpErrorName(h.request_chunks.error()));
      } else {
        Close(conn, CloseReason::kClientReset);
      }
      return;
    }
  }
  h.upstream_send.pending.append(reinterpret_cast<const char*>(bytes.data()),
                                 take);
  CountBytes(conn, kClient, take);
  h.client_in.Consume(take);
  FlushUpstream(conn);
}

// ringway's own response (4xx, 502, 504): the connection closes after it
// unless the request had no body and may be kept alive.
void HttpProxy::RespondLocally(Connection& conn, int status,
                               std::string_view why) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  bool bodyless = h.request_body == codec::HttpBodyKind::kNone &&
                  h.request.error == codec::HttpError::kNone;
  h.keep_client = status < 500 && bodyless && h.request_keep_alive &&
                  h.phase != HttpPhase::kExchange;
  const size_t before = h.client_out.size();
  http::WriteLocalResponse(status, why, h.vhost, h.keep_client,
                           h.method == codec::HttpMethod::kHead, &h.client_out);
  CountBytes(conn, kUpstream, h.client_out.size() - before);
  h.status = status;
  h.response_started = true;
  if (h.keep_client && h.phase == HttpPhase::kRequestHead) {
    h.client_in.Consume(h.request.head_length);
  }
  h.request_done = true;
  h.response_head_done = true;
  FinishExchange(conn);
}

}  // namespace ringway::conn
