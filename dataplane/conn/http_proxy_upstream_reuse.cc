// HttpProxy: what happens to an upstream connection after an exchange or
// a failure: kept for the next request, the request retried (same server
// after a pool race, next server for idempotent requests), or closed with
// what is in flight on it cancelled first.

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "dataplane/common/log.h"
#include "dataplane/conn/conn_op.h"
#include "dataplane/conn/http_proxy.h"
#include "dataplane/conn/http_proxy_internal.h"
#include "dataplane/conn/op_cancel.h"
#include "dataplane/conn/upstream_attempt.h"

namespace ringway::conn {

using stats::Counter;

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
  upstream::IdleConnection idle{fd, std::move(h.upstream_tls), h.upstream_ktls};
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
    CancelOnSocket(*ctx_.ring, conn, fd, kOpHttpUpstreamCancel);
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

}  // namespace ringway::conn
