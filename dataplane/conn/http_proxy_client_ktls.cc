// HttpProxy: an HTTPS listener's client socket handed to the kernel's TLS
// record layer once its handshake is done. From then on the kernel opens
// and seals the client's records and the HTTP exchange reads request heads
// and writes responses in plaintext on that socket, exactly as on a plain
// listener; BoringSSL keeps only what the handshake learnt (SNI, ALPN, the
// client's certificate).
//
// As in stream mode (http_proxy_ktls.cc) the socket first stops at a record
// boundary: whole records only go to BoringSSL, the rest of one half read
// is read exactly, and BoringSSL's own records (tickets) are sent before
// the keys go to the kernel.

#include <openssl/ssl.h>
#include <poll.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "dataplane/common/log.h"
#include "dataplane/conn/conn_op.h"
#include "dataplane/conn/http_proxy.h"
#include "dataplane/conn/http_proxy_internal.h"
#include "dataplane/http/real_client_address.h"
#include "dataplane/tls/ktls_control_records.h"
#include "dataplane/tls/ktls_socket.h"
#include "dataplane/tls/record_boundary.h"

namespace ringway::conn {
namespace {

using stats::Counter;

}  // namespace

bool HttpProxy::StartClientKtls(Connection& conn) {
  HttpState& h = *conn.http;
  h.ktls_candidate = false;  // decided here, once
  const tls::KtlsSupport& kernel = tls::KernelKtlsSupport();
  std::string why;
  if (kernel.Supports(h.tls->ssl(), &why)) {
    h.phase = HttpPhase::kKtlsHandover;
    AdvanceClientKtls(conn);
    return true;
  }
  if (KtlsModeOf(conn, kClient) == route::KtlsMode::kOn) {
    RINGWAY_LOG(kWarning,
                "listener \"%s\": ktls ON, but not for %s: %s; closing",
                conn.listener->name, http::IpText(conn.client_address), why);
    ctx_.stats->Add(Counter::kKtlsRefused);
    Close(conn, CloseReason::kRejected);
    return true;
  }
  CountKtlsFallback(conn, kClient,
                    kernel.available ? Counter::kKtlsFallbackCipher
                                     : Counter::kKtlsFallbackKernel,
                    std::move(why));
  return false;
}

void HttpProxy::AdvanceClientKtls(Connection& conn) {
  if (conn.http == nullptr || conn.state == ConnectionState::kClosing) return;
  HttpState& h = *conn.http;
  if (!SettleKtlsSide(conn, kClient)) return;
  if (h.client_eof) {
    // The client ended during the handshake: what it sent is served (or
    // refused) in user space.
    h.phase = HttpPhase::kRequestHead;
    OnClientPlaintext(conn);
    return;
  }
  FlushClient(conn);  // BoringSSL's own records: tickets
  if (conn.http == nullptr || conn.state == ConnectionState::kClosing) return;
  bool busy = h.client_recv_armed || h.client_tls_sending ||
              !h.tls->output().empty() || !h.client_out.empty();
  if (!h.client_recv_armed) {
    size_t more = tls::BytesToRecordEnd(h.client_raw.readable());
    if (more > 0) {
      ArmClientRecv(conn, more);
      busy = true;
    }
  }
  if (busy) return;
  InstallClientKtls(conn);
}

void HttpProxy::InstallClientKtls(Connection& conn) {
  HttpState& h = *conn.http;
  const int fd = conn.side[kClient].fd;
  absl::Status ulp = tls::InstallKtlsUlp(fd);
  if (!ulp.ok() && KtlsModeOf(conn, kClient) != route::KtlsMode::kOn) {
    CountKtlsFallback(conn, kClient, Counter::kKtlsFallbackKernel,
                      std::string(ulp.message()));
    h.phase = HttpPhase::kRequestHead;
    OnClientPlaintext(conn);
    return;
  }
  absl::Status installed =
      ulp.ok() ? tls::InstallKtlsKeys(fd, h.tls->ssl()) : ulp;
  if (!installed.ok()) {
    KtlsInstallFailed(conn, kClient, installed);
    return;
  }
  conn.side[kClient].ktls = true;
  h.client_ktls = true;
  h.tls->ReleaseOutput();
  ++KtlsCountsOf(conn, kClient).connections;
  ctx_.stats->Add(Counter::kKtlsConnections);
  h.phase = HttpPhase::kRequestHead;
  OnClientPlaintext(conn);  // a request that came with the handshake
}

bool HttpProxy::QueueClientCloseNotify(Connection& conn) {
  HttpState& h = *conn.http;
  if (!ClientSealed(h) || !h.tls->handshake_done() || h.close_notify_queued) {
    return false;
  }
  h.close_notify_queued = true;
  h.tls->Shutdown();
  FlushClient(conn);
  return true;
}

// The kernel may still hold sealed records of this socket that TCP had no
// room for; they reach TCP when it has. So close_notify (and the FIN
// after it) waits for POLLOUT first, and again if the alert itself finds
// no room, rather than being dropped or overtaking them.
bool HttpProxy::KtlsCloseNotifySent(Connection& conn, int side) {
  HttpState& h = *conn.http;
  Endpoint& end = conn.side[side];  // its close_notify flags, as the Relay's
  if (end.close_notify_sent) return true;
  if (end.sending) return false;  // the POLLOUT wait is in flight
  if (end.close_notify_polled) {
    int error = tls::KtlsSendCloseNotify(end.fd);
    if (error != -EAGAIN && error != -ENOMEM) {
      if (error != 0) {
        RINGWAY_LOG(kDebug, "listener \"%s\": kTLS close_notify to the %s: %s",
                    conn.listener->name, SideName(side), std::strerror(-error));
      }
      end.close_notify_sent = true;
      return true;
    }
  }
  io_uring_sqe* sqe = ctx_.ring->GetSqe();
  io_uring_prep_poll_add(sqe, end.fd, POLLOUT);
  io_uring_sqe_set_data64(sqe,
                          Tag(conn, side == kClient ? kOpHttpClientPollOut
                                                    : kOpHttpUpstreamPollOut));
  ++conn.inflight;
  if (side == kUpstream) ++h.upstream_inflight;
  end.close_notify_polled = true;
  end.sending = true;
  return false;
}

void HttpProxy::OnKtlsClosePoll(Connection& conn, int side, int32_t res) {
  HttpState& h = *conn.http;
  conn.side[side].sending = false;
  if (res < 0) {
    if (res != -ECANCELED) {
      Close(conn, side == kClient ? CloseReason::kClientReset
                                  : CloseReason::kUpstreamReset);
    }
    return;
  }
  if (h.phase == HttpPhase::kFlushClose) {
    OnClientFlushed(conn);
  } else if (h.phase == HttpPhase::kTunnel) {
    CheckTunnelEnds(conn);
  }
}

}  // namespace ringway::conn
