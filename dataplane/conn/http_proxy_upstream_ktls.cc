// HttpProxy: the upstream socket of an HTTP location handed to the kernel's
// TLS record layer once its handshake is done, before the request goes.
// The request head and body are then written and the response read in
// plaintext, as to a plain upstream, and large bodies are spliced between
// it and the client's socket (plain, or kTLS too). A server's alert after
// our Finished (a refused client certificate) comes off the kernel's
// socket and gets the same 502 or next server as from BoringSSL. A connection
// kept for reuse stays with the kernel (upstream::IdleConnection::ktls).
//
// As for the client (http_proxy_client_ktls.cc), the socket first stops
// at a record boundary: our Finished and anything BoringSSL still has to
// send leave first, whole records the server sent meanwhile (tickets) go
// to BoringSSL, the rest of a half-read one is read exactly.

#include <openssl/ssl.h>

#include <string>

#include "dataplane/common/log.h"
#include "dataplane/conn/http_proxy.h"
#include "dataplane/conn/http_proxy_internal.h"
#include "dataplane/tls/ktls_socket.h"
#include "dataplane/tls/record_boundary.h"

namespace ringway::conn {
namespace {

using stats::Counter;

}  // namespace

bool HttpProxy::StartUpstreamKtls(Connection& conn) {
  HttpState& h = *conn.http;
  h.upstream_ktls_candidate = false;  // decided here, once
  const tls::KtlsSupport& kernel = tls::KernelKtlsSupport();
  std::string why;
  if (kernel.Supports(h.upstream_tls->ssl(), &why)) {
    h.upstream_ktls_settling = true;
    h.phase = HttpPhase::kKtlsHandover;
    // A server that stops inside a record does not hold the request.
    ScheduleDeadline(conn, conn.group->connect_timeout_ns);
    AdvanceUpstreamKtls(conn);
    return true;
  }
  if (conn.group->ktls == route::KtlsMode::kOn) {
    RINGWAY_LOG(kWarning,
                "listener \"%s\": ktls ON, but not for upstream %s: %s",
                conn.listener->name, conn.server->address.ToString(), why);
    ctx_.stats->Add(Counter::kKtlsRefused);
    FailUpstream(conn, 502, "ktls ON, but the kernel cannot take the session");
    return true;
  }
  CountKtlsFallback(conn, kUpstream,
                    kernel.available ? Counter::kKtlsFallbackCipher
                                     : Counter::kKtlsFallbackKernel,
                    std::move(why));
  return false;
}

void HttpProxy::AdvanceUpstreamKtls(Connection& conn) {
  if (conn.http == nullptr || conn.state == ConnectionState::kClosing) return;
  HttpState& h = *conn.http;
  if (!SettleKtlsSide(conn, kUpstream)) return;
  if (h.upstream_eof || !h.upstream_in.empty()) {
    // The server closed, or spoke before the request.
    h.upstream_ktls_settling = false;
    h.phase = HttpPhase::kConnecting;
    FailUpstream(conn, 502, "upstream closed after the TLS handshake");
    return;
  }
  FlushUpstream(conn);  // our Finished, BoringSSL's own records
  if (conn.http == nullptr || conn.state == ConnectionState::kClosing) return;
  // (The request waits in upstream_send for the kernel's socket.)
  bool busy = h.upstream_recv_armed || h.upstream_send.in_flight ||
              !h.upstream_tls->output().empty();
  if (!h.upstream_recv_armed) {
    size_t more = tls::BytesToRecordEnd(h.upstream_raw.readable());
    if (more > 0) {
      ArmUpstreamRecv(conn, more);
      busy = true;
    }
  }
  if (busy || h.upstream_inflight != 0) return;
  InstallUpstreamKtls(conn);
}

void HttpProxy::InstallUpstreamKtls(Connection& conn) {
  HttpState& h = *conn.http;
  const int fd = conn.side[kUpstream].fd;
  SSL* ssl = h.upstream_tls->ssl();
  h.upstream_ktls_settling = false;
  h.phase = HttpPhase::kConnecting;
  ctx_.timers->Cancel(&conn.deadline);
  absl::Status ulp = tls::InstallKtlsUlp(fd);
  if (!ulp.ok() && conn.group->ktls != route::KtlsMode::kOn) {
    CountKtlsFallback(conn, kUpstream, Counter::kKtlsFallbackKernel,
                      std::string(ulp.message()));
    UpstreamReady(conn);  // in user space after all
    return;
  }
  absl::Status installed = ulp.ok() ? tls::InstallKtlsKeys(fd, ssl) : ulp;
  if (!installed.ok()) {
    ctx_.stats->Add(Counter::kKtlsErrors);
    FailUpstream(
        conn, 502,
        "kTLS on the upstream socket: " + std::string(installed.message()));
    return;
  }
  conn.side[kUpstream].ktls = true;
  h.upstream_ktls = true;
  h.upstream_tls->ReleaseOutput();
  ++KtlsCountsOf(conn, kUpstream).connections;
  ctx_.stats->Add(Counter::kKtlsConnections);
  UpstreamReady(conn);
}

}  // namespace ringway::conn
