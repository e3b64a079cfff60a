// HttpProxy: the client's first bytes: an inbound PROXY header from a
// trusted load balancer, then the TLS handshake and decryption into the
// plaintext buffer.

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "dataplane/address/cidr.h"
#include "dataplane/codec/proxy_protocol_parser.h"
#include "dataplane/common/log.h"
#include "dataplane/conn/conn_op.h"
#include "dataplane/conn/http_proxy.h"
#include "dataplane/conn/http_proxy_internal.h"
#include "dataplane/http/real_client_address.h"

namespace ringway::conn {

using stats::Counter;

// The inbound PROXY header from a trusted load balancer: its source
// address becomes the client's.
void HttpProxy::OnProxyHeaderBytes(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  const route::ListenerRoutes& listener = *conn.listener;
  codec::ProxyHeader header;
  codec::ProxyHeaderStatus status =
      codec::ParseProxyHeader(h.client_raw.readable(), &header);
  switch (status) {
    case codec::ProxyHeaderStatus::kNeedMoreData:
      if (h.client_eof || h.client_raw.size() > kMaxRawBytes) {
        ctx_.stats->Add(Counter::kProxyHeaderMalformed);
        Close(conn, CloseReason::kRejected);
        return;
      }
      ArmClientRecv(conn);
      return;
    case codec::ProxyHeaderStatus::kMalformed:
      ctx_.stats->Add(Counter::kProxyHeaderMalformed);
      RINGWAY_LOG_LIMITED(log_limiter_, kProxyHeader, now_ns_, kWarning,
                          "listener \"%s\": malformed PROXY header from %s",
                          listener.name, http::IpText(conn.client_address));
      Close(conn, CloseReason::kRejected);
      return;
    case codec::ProxyHeaderStatus::kNotProxy:
      if (listener.proxy_protocol.required) {
        ctx_.stats->Add(Counter::kProxyHeaderMissing);
        RINGWAY_LOG_LIMITED(log_limiter_, kProxyHeader, now_ns_, kWarning,
                            "listener \"%s\": no PROXY header from %s",
                            listener.name, http::IpText(conn.client_address));
        Close(conn, CloseReason::kRejected);
        return;
      }
      break;
    case codec::ProxyHeaderStatus::kComplete:
      ctx_.stats->Add(Counter::kProxyHeadersAccepted);
      if (!header.local()) {
        conn.client_address = header.source();
        conn.local_address = header.destination();
        h.local_address_known = true;
      }
      h.client_raw.Consume(header.header_length());
      break;
  }
  // What follows the header is TLS or HTTP. Plain HTTP bytes move to
  // client_in (once per connection, at most one receive's worth).
  if (h.tls != nullptr) {
    h.phase = HttpPhase::kHandshake;
    OnCiphertext(conn);
    return;
  }
  h.phase = HttpPhase::kRequestHead;
  h.client_in.Append(h.client_raw.readable());
  h.client_raw.Consume(h.client_raw.size());
  if (h.stream) {
    StartStream(conn);
    return;
  }
  OnClientPlaintext(conn);
}

// Ciphertext arrived (or EOF): handshake, then decrypt into client_in.
void HttpProxy::OnCiphertext(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  tls::TlsSession& tls = *h.tls;
  if (!tls.handshake_done()) {
    tls.SetInput(h.client_raw.readable(), h.client_eof);
    tls::TlsResult result = tls.Handshake();
    h.client_raw.Consume(tls.TakeInputConsumed());
    if (result == tls::TlsResult::kError || result == tls::TlsResult::kClosed) {
      ctx_.stats->Add(Counter::kTlsHandshakeErrors);
      RINGWAY_LOG_LIMITED(
          log_limiter_, kTlsHandshake, now_ns_, kWarning,
          "listener \"%s\": TLS handshake with %s failed: %s",
          conn.listener->name, http::IpText(conn.client_address),
          result == tls::TlsResult::kClosed ? "client closed"
                                            : tls.error_reason());
      // An alert may be waiting in the output: send it, then close.
      h.phase = HttpPhase::kFlushClose;
      FlushClient(conn);
      return;
    }
    FlushClient(conn);  // the server's flight
    if (result != tls::TlsResult::kOk) {
      if (h.client_eof || h.client_raw.size() > kMaxRawBytes) {
        ctx_.stats->Add(Counter::kTlsHandshakeErrors);
        Close(conn, CloseReason::kRejected);
        return;
      }
      MaybeArmClientRecv(conn);
      return;
    }
    OnHandshakeDone(conn);
    // Stream mode starts connecting here, which may close the connection
    // (and free `tls`) at once; the client socket may have gone to the
    // kernel, whose handover reads on from here (http_proxy_ktls.cc).
    if (conn.http == nullptr || conn.state == ConnectionState::kClosing ||
        h.phase == HttpPhase::kKtlsHandover || h.client_ktls) {
      return;
    }
  }
  // Whole records only while the kernel may take over (DecryptInput).
  std::span<const uint8_t> input = DecryptInput(h, h.client_raw);
  tls.SetInput(input, h.client_eof && input.size() == h.client_raw.size());
  // Decrypt everything there is. kWantRead / kWantWrite: output waits for
  // FlushClient.
  const tls::TlsResult result = DecryptAll(tls, &h.client_raw, &h.client_in);
  if (result == tls::TlsResult::kClosed) {
    h.client_eof = true;
  } else if (result == tls::TlsResult::kError) {
    RINGWAY_LOG_LIMITED(log_limiter_, kTlsRecord, now_ns_, kInfo,
                        "listener \"%s\": TLS error from %s: %s",
                        conn.listener->name, http::IpText(conn.client_address),
                        tls.error_reason());
    Close(conn, CloseReason::kClientReset);
    return;
  }
  FlushClient(conn);  // anything BoringSSL wrote while reading
  OnClientPlaintext(conn);
}

void HttpProxy::OnHandshakeDone(Connection& conn) {
  if (conn.http == nullptr) return;  // finished meanwhile
  HttpState& h = *conn.http;
  ctx_.stats->Add(Counter::kTlsHandshakes);
  conn.log.tls_ns = now_ns_ - conn.log.accepted_ns;
  ctx_.stats->Observe(stats::Histogram::kTlsHandshake, conn.log.tls_ns);
  if (ctx_.listener_stats != nullptr) {
    ctx_.listener_stats[conn.listener_index].tls_handshake.Observe(
        conn.log.tls_ns);
  }
  if (h.tls->resumed()) ctx_.stats->Add(Counter::kTlsResumed);
  const route::ForwardedHeaders& forwarded = conn.listener->http.forwarded;
  if (!forwarded.client_verify_header.empty() ||
      !forwarded.client_subject_header.empty()) {
    h.client_verify = h.tls->PeerVerifyResult();
    h.client_subject = h.tls->PeerSubject();
  }
  h.phase = HttpPhase::kRequestHead;
  if (h.stream) {
    StartStream(conn);
  } else if (h.ktls_candidate) {
    StartClientKtls(conn);
  }
}

}  // namespace ringway::conn
