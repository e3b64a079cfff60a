// HttpProxy: re-encryption. The TLS handshake with an upstream server
// (bounded by the group's connect timeout), its failures (502 naming the
// reason, or the next server), and decrypting what the server sends.

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
#include "dataplane/conn/upstream_attempt.h"
#include "dataplane/tls/client_context.h"

namespace ringway::conn {

using stats::Counter;

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
  h.upstream_ktls_candidate =
      !h.stream && conn.group->ktls != route::KtlsMode::kOff;
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
  // HTTP: the socket may go to the kernel before the request is sent
  // (http_proxy_upstream_ktls.cc), which goes on from there.
  if (h.upstream_ktls_candidate && StartUpstreamKtls(conn)) return;
  // Records that came with the server's last flight (a server that speaks
  // first, in stream mode) are decrypted before the tunnel starts.
  if (!h.upstream_raw.empty() && !DecryptUpstream(conn)) return;
  UpstreamReady(conn);
}

// A failed handshake (or an alert right after it, in TLS 1.3, when the
// server refuses our certificate): 502 naming the reason.
void HttpProxy::UpstreamTlsFailed(Connection& conn,
                                  std::string_view alert_reason) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  const bool during_handshake = h.upstream_handshaking;
  h.upstream_ktls_settling = false;
  if (h.phase == HttpPhase::kKtlsHandover) h.phase = HttpPhase::kConnecting;
  ctx_.stats->Add(Counter::kUpstreamTlsErrors);
  ++conn.server->tls_failures;
  std::string_view reason =
      !alert_reason.empty() ? alert_reason : h.upstream_tls->error_reason();
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
  // Whole records only while the kernel may take over (DecryptInput).
  std::span<const uint8_t> input = DecryptInput(h, h.upstream_raw);
  tls.SetInput(input, h.upstream_eof && input.size() == h.upstream_raw.size());
  const tls::TlsResult result =
      DecryptAll(tls, &h.upstream_raw, &h.upstream_in);
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
  // kClosed (close_notify) ends the stream; so does a TCP FIN without one
  // (kError at EOF), as nginx takes it. kWantWrite: BoringSSL has a record
  // to send first (FlushUpstream below).
  if (result == tls::TlsResult::kClosed || result == tls::TlsResult::kError) {
    h.upstream_eof = true;
  }
  FlushUpstream(conn);  // anything BoringSSL wrote while reading
  return true;
}

}  // namespace ringway::conn
