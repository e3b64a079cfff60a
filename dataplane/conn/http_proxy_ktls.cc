// HttpProxy: handing a stream-mode connection (TLS terminated and/or
// re-encrypted at L4) to the kernel's TLS record layer, then to the Relay,
// which splices it: payload decrypted by one socket's kTLS RX and
// re-encrypted by the other's kTLS TX, never copied through ringway.
//
// The kernel decrypts from the next record header on, so user space first
// stops at a record boundary on each TLS side: only whole records are ever
// given to BoringSSL (DecryptInput), the rest of a record half read is read
// exactly (BytesToRecordEnd), and what was decrypted meanwhile, with any
// record BoringSSL still has to send (tickets, our Finished), goes out
// through BoringSSL first. Then, with nothing in flight, the keys go to the
// kernel and the connection to the Relay.

#include <openssl/ssl.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "dataplane/common/log.h"
#include "dataplane/conn/http_proxy.h"
#include "dataplane/conn/http_proxy_internal.h"
#include "dataplane/http/real_client_address.h"
#include "dataplane/tls/client_context.h"
#include "dataplane/tls/ktls_socket.h"
#include "dataplane/tls/record_boundary.h"

namespace ringway::conn {
namespace {

using stats::Counter;

// The TLS session of `side`, or null where that side is plain TCP.
tls::TlsSession* TlsOf(HttpState& h, int side) {
  return side == kClient ? h.tls.get() : h.upstream_tls.get();
}

}  // namespace

std::span<const uint8_t> HttpProxy::DecryptInput(const HttpState& h,
                                                 const buffer::ByteQueue& raw) {
  std::span<const uint8_t> bytes = raw.readable();
  if (!h.ktls_candidate && !h.upstream_ktls_candidate &&
      h.phase != HttpPhase::kKtlsHandover) {
    return bytes;
  }
  return bytes.first(tls::WholeRecordsLength(bytes));
}

bool HttpProxy::StartKtlsHandover(Connection& conn) {
  HttpState& h = *conn.http;
  if (!h.ktls_candidate) return false;
  h.ktls_candidate = false;  // decided here, once
  const tls::KtlsSupport& kernel = tls::KernelKtlsSupport();
  std::string why[2];
  bool refused = false;
  for (int side : {kClient, kUpstream}) {
    if (TlsOf(h, side) == nullptr ||
        kernel.Supports(TlsOf(h, side)->ssl(), &why[side])) {
      continue;
    }
    if (KtlsModeOf(conn, side) == route::KtlsMode::kOn) {
      RINGWAY_LOG(kWarning,
                  "listener \"%s\": ktls ON, but not for the %s side of %s: "
                  "%s; closing",
                  conn.listener->name, SideName(side),
                  http::IpText(conn.client_address), why[side]);
      refused = true;
    }
  }
  if (refused) {
    ctx_.stats->Add(Counter::kKtlsRefused);
    Close(conn, CloseReason::kRejected);
    return true;
  }
  if (why[kClient].empty() && why[kUpstream].empty()) {
    h.phase = HttpPhase::kKtlsHandover;
    ScheduleDeadline(conn, conn.idle_timeout_ns);
    AdvanceKtlsHandover(conn);
    return true;
  }
  // Every TLS side stays in user space, each counted with its reason (a
  // side the kernel could take stays too: the splice needs both).
  ctx_.stats->Add(kernel.available ? Counter::kKtlsFallbackCipher
                                   : Counter::kKtlsFallbackKernel);
  for (int side : {kClient, kUpstream}) {
    if (TlsOf(h, side) == nullptr) continue;
    std::string reason = !why[side].empty()
                             ? std::move(why[side])
                             : absl::StrCat("the ", SideName(1 - side),
                                            " side: ", why[1 - side]);
    KtlsCountsOf(conn, side).Fallback(std::move(reason), now_ns_);
  }
  return false;
}

// One socket that stays with BoringSSL's records (AUTO): counted by shard
// and by listener or server, with the reason.
void HttpProxy::CountKtlsFallback(Connection& conn, int side,
                                  stats::Counter counter, std::string why) {
  ctx_.stats->Add(counter);
  KtlsCountsOf(conn, side).Fallback(std::move(why), now_ns_);
}

stats::KtlsCounts& HttpProxy::KtlsCountsOf(Connection& conn, int side) {
  if (side == kUpstream) return conn.server->ktls;
  return (*ctx_.listener_ktls)[conn.listener_index];
}

route::KtlsMode HttpProxy::KtlsModeOf(const Connection& conn, int side) {
  if (side == kClient) return conn.listener->http.ktls;
  if (conn.group != nullptr) return conn.group->ktls;
  return conn.routes->snapshot().groups[conn.listener->upstream_group].ktls;
}

// Decrypts the whole records `side` has received, and moves what BoringSSL
// queued while reading any of them (a KeyUpdate's acknowledgement) to the
// output, which is sent before the keys go to the kernel; false if that
// closed the connection.
bool HttpProxy::SettleKtlsSide(Connection& conn, int side) {
  HttpState& h = *conn.http;
  tls::TlsSession* tls = TlsOf(h, side);
  if (tls == nullptr) return true;
  buffer::ByteQueue& raw = side == kClient ? h.client_raw : h.upstream_raw;
  bool& eof = side == kClient ? h.client_eof : h.upstream_eof;
  std::span<const uint8_t> input = DecryptInput(h, raw);
  tls::TlsResult result = tls::TlsResult::kOk;
  if (!input.empty()) {
    tls->SetInput(input);
    result =
        DecryptAll(*tls, &raw, side == kClient ? &h.client_in : &h.upstream_in);
  }
  if (result == tls::TlsResult::kClosed) eof = true;
  if (result == tls::TlsResult::kError ||
      (!eof && !tls->FlushPendingRecords())) {
    if (side == kUpstream && !h.stream) {
      UpstreamTlsFailed(conn);  // 502 with the reason, or the next server
      return false;
    }
    RINGWAY_LOG(kInfo, "listener \"%s\": TLS error with the %s of %s: %s",
                conn.listener->name, SideName(side),
                http::IpText(conn.client_address), tls->error_reason());
    Close(conn, side == kClient ? CloseReason::kClientReset
                                : CloseReason::kUpstreamReset);
    return false;
  }
  return true;
}

void HttpProxy::AdvanceKtlsHandover(Connection& conn) {
  if (conn.http == nullptr || conn.state == ConnectionState::kClosing) return;
  HttpState& h = *conn.http;
  if (!h.stream) {  // one socket of an HTTP connection
    if (h.upstream_ktls_settling) {
      AdvanceUpstreamKtls(conn);
    } else {
      AdvanceClientKtls(conn);
    }
    return;
  }
  if (!SettleKtlsSide(conn, kClient) || !SettleKtlsSide(conn, kUpstream)) {
    return;
  }
  if (h.client_eof || h.upstream_eof) {
    // A side ended during the handshakes: not worth the kernel's records;
    // the tunnel finishes in user space.
    StartTunnel(conn);
    return;
  }
  // What came with the handshakes goes on through BoringSSL.
  if (!h.client_in.empty()) {
    CountBytes(conn, kClient, h.client_in.size());
    AppendBytes(&h.upstream_send.pending, h.client_in.readable());
    h.client_in.Consume(h.client_in.size());
  }
  if (!h.upstream_in.empty()) {
    CountBytes(conn, kUpstream, h.upstream_in.size());
    AppendBytes(&h.client_out, h.upstream_in.readable());
    h.upstream_in.Consume(h.upstream_in.size());
  }
  FlushClient(conn);
  FlushUpstream(conn);
  if (conn.http == nullptr || conn.state == ConnectionState::kClosing) return;
  bool busy = h.client_recv_armed || h.upstream_recv_armed ||
              h.client_tls_sending || !h.client_send.idle() ||
              !h.upstream_send.idle() || !h.client_out.empty() ||
              (h.tls != nullptr && !h.tls->output().empty()) ||
              (h.upstream_tls != nullptr && !h.upstream_tls->output().empty());
  // A side that stopped inside a record reads exactly the rest of it.
  if (h.tls != nullptr && !h.client_recv_armed) {
    size_t more = tls::BytesToRecordEnd(h.client_raw.readable());
    if (more > 0) {
      ArmClientRecv(conn, more);
      busy = true;
    }
  }
  if (h.upstream_tls != nullptr && !h.upstream_recv_armed) {
    size_t more = tls::BytesToRecordEnd(h.upstream_raw.readable());
    if (more > 0) {
      ArmUpstreamRecv(conn, more);
      busy = true;
    }
  }
  if (busy || conn.inflight != 0) return;
  InstallKtlsAndHandOver(conn);
}

void HttpProxy::InstallKtlsAndHandOver(Connection& conn) {
  HttpState& h = *conn.http;
  // The ULP first on every TLS side: where it cannot go on (a peer whose
  // FIN came during the handshakes, say), nothing is lost yet and AUTO
  // finishes the connection in user space.
  for (int side : {kClient, kUpstream}) {
    if (TlsOf(h, side) == nullptr) continue;
    absl::Status ulp = tls::InstallKtlsUlp(conn.side[side].fd);
    if (ulp.ok()) continue;
    if (KtlsModeOf(conn, side) == route::KtlsMode::kOn) {
      KtlsInstallFailed(conn, side, ulp);
      return;
    }
    CountKtlsFallback(conn, side, Counter::kKtlsFallbackKernel,
                      std::string(ulp.message()));
    StartTunnel(conn);
    return;
  }
  for (int side : {kClient, kUpstream}) {
    if (TlsOf(h, side) == nullptr) continue;
    absl::Status installed =
        tls::InstallKtlsKeys(conn.side[side].fd, TlsOf(h, side)->ssl());
    if (!installed.ok()) {
      KtlsInstallFailed(conn, side, installed);
      return;
    }
    conn.side[side].ktls = true;
    ++KtlsCountsOf(conn, side).connections;
  }
  ctx_.stats->Add(Counter::kKtlsConnections);
  ctx_.timers->Cancel(&conn.deadline);
  // Only a TLS 1.3 upstream session that keeps sessions can still use its
  // SSL (tickets arrive after the handshake); its output block goes.
  if (h.upstream_tls != nullptr &&
      tls::ClientContext::AwaitsSessionTickets(h.upstream_tls->ssl())) {
    h.upstream_tls->ReleaseOutput();
    conn.upstream_tls = std::move(h.upstream_tls);
  }
  if (h.tls != nullptr && AccessLogged(conn)) {
    // The Relay writes this connection's line, without the HttpState.
    conn.log.sni.assign(h.tls->server_name());
    conn.log.alpn.assign(h.tls->alpn());
    conn.log.tls_version = h.tls->version();
    conn.log.tls_cipher = h.tls->cipher();
  }
  ReleaseState(conn.http);
  conn.http = nullptr;
  ctx_.ktls_handover(owner_, conn);
}

void HttpProxy::KtlsInstallFailed(Connection& conn, int side,
                                  const absl::Status& why) {
  RINGWAY_LOG(kWarning,
              "listener \"%s\": kTLS on the %s socket of %s: %s; closing",
              conn.listener->name, SideName(side),
              http::IpText(conn.client_address), why.message());
  ctx_.stats->Add(Counter::kKtlsErrors);
  Close(conn, CloseReason::kResourceError);
}

}  // namespace ringway::conn
