// HttpProxy: bytes both ways with no HTTP in between: after a 101
// (WebSocket and other upgrades), and for stream-mode listeners (TLS
// terminated or re-encrypted at L4), which connect as soon as the client
// side is ready.

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "dataplane/codec/proxy_protocol_writer.h"
#include "dataplane/common/log.h"
#include "dataplane/conn/conn_op.h"
#include "dataplane/conn/http_proxy.h"
#include "dataplane/conn/http_proxy_internal.h"
#include "dataplane/http/real_client_address.h"
#include "dataplane/tls/ktls_control_records.h"

namespace ringway::conn {

using stats::Counter;

// Stream mode: the client side is ready (PROXY header read, handshake
// done); connect to the listener's group.
void HttpProxy::StartStream(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  const route::ListenerRoutes& listener = *conn.listener;
  ctx_.timers->Cancel(&conn.deadline);
  h.phase = HttpPhase::kConnecting;
  h.client_ip = http::IpText(conn.client_address);
  const route::UpstreamGroup& group =
      conn.routes->snapshot().groups[listener.upstream_group];
  if (group.send_proxy_protocol != route::ProxyProtocolVersion::kNone) {
    if (!h.local_address_known) {
      socklen_t length = sizeof(conn.local_address);
      getsockname(conn.side[kClient].fd,
                  reinterpret_cast<sockaddr*>(&conn.local_address), &length);
    }
    uint8_t header[1024];
    size_t n = group.send_proxy_protocol == route::ProxyProtocolVersion::kV1
                   ? codec::WriteProxyV1(conn.client_address,
                                         conn.local_address, header)
                   : codec::WriteProxyV2(
                         conn.client_address, conn.local_address,
                         h.tls != nullptr ? h.tls->alpn() : "",
                         h.tls != nullptr ? h.tls->server_name() : "", header);
    h.upstream_preamble.assign(reinterpret_cast<const char*>(header), n);
  }
  ConnectUpstream(conn, listener.upstream_group);
}

// ---------------------------------------------------------------------------
// After 101 Switching Protocols (and stream mode).

void HttpProxy::StartTunnel(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  if (h.stream && StartKtlsHandover(conn)) return;
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
      if (h.upstream_ktls) {
        if (!KtlsCloseNotifySent(conn, kUpstream)) return;
        h.upstream_close_notify = true;
      } else {
        h.upstream_close_notify = true;
        h.upstream_tls->Shutdown();
        FlushUpstream(conn);
        if (!UpstreamSendIdle(h)) return;
      }
    }
    h.upstream_shut = true;
    shutdown(conn.side[kUpstream].fd, SHUT_WR);
  }
  bool client_flushed = ClientBacklog(h) == 0 && !h.client_tls_sending &&
                        !h.client_send.in_flight;
  if (h.upstream_eof && h.upstream_in.empty() && client_flushed &&
      !h.client_shut) {
    if (QueueClientCloseNotify(conn) &&
        (ClientBacklog(h) != 0 || h.client_tls_sending)) {
      return;
    }
    if (h.client_ktls && !KtlsCloseNotifySent(conn, kClient)) return;
    h.client_shut = true;
    shutdown(conn.side[kClient].fd, SHUT_WR);
  }
  if (h.client_shut && h.upstream_shut) Close(conn, CloseReason::kDone);
}

}  // namespace ringway::conn
