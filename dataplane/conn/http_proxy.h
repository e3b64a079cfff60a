// The HTTP reverse-proxy state machine, for plain HTTP and HTTPS (TLS
// terminated here) listeners: an optional inbound PROXY header, the TLS
// handshake, then request after request on the client connection:
//
//   read the request head → route it (virtual host by Host/SNI, location by
//   path prefix; 301 to https, 404) → connect to a server of the location's
//   group (next server on failure, 502 when none) → send the rewritten head
//   (forwarded headers, hop-by-hop fields removed) and stream the body →
//   read the response head (1xx passed on) → send the rewritten head (added
//   response headers) and stream the body → next request, or close.
//
// A 101 turns the connection into a tunnel both ways.
//
// Stream mode serves the L4 listeners whose bytes pass through TLS on
// either side (a TLS-terminating TCP listener, or a TCP listener whose
// group re-encrypts): after the optional PROXY header and TLS handshake it
// connects to the listener's group and tunnels bytes both ways, with no
// HTTP in between, sending an outgoing PROXY header first if the group
// asks for one. Bodies are streamed
// with bounded buffers: a side that falls behind stops the other's reads.
// All I/O is single-shot recv/send on the shard's ring into per-connection
// buffers; BoringSSL decrypts into and encrypts from them (tls_session.h).
// Large Content-Length bodies between plaintext sockets (plain TCP or
// kTLS) are spliced instead (http_proxy_body_splice.cc).
// Deadlines: header (and TLS handshake) time, keep-alive idle time,
// upstream connect time and upstream response time, from the shard's timer
// wheel.
//
// Shard-local: one HttpProxy per shard, driven by the shard's loop, which it
// knows nothing of (the shard dispatches completions and deadlines here).

#ifndef RINGWAY_DATAPLANE_CONN_HTTP_PROXY_H_
#define RINGWAY_DATAPLANE_CONN_HTTP_PROXY_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "dataplane/accesslog/access_log_writer.h"
#include "dataplane/common/log_limiter.h"
#include "dataplane/conn/connection.h"
#include "dataplane/conn/http_state.h"
#include "dataplane/io/pipe_pool.h"
#include "dataplane/ring/ring.h"
#include "dataplane/stats/ktls_counts.h"
#include "dataplane/stats/listener_stats.h"
#include "dataplane/stats/shard_stats.h"
#include "dataplane/timer/timer_wheel.h"

namespace ringway::conn {

struct HttpProxyContext {
  ring::Ring* ring = nullptr;
  stats::ShardStats* stats = nullptr;
  timer::TimerWheel* timers = nullptr;
  int shard_id = 0;
  // Takes a stream-mode connection whose TLS records the kernel now does
  // (Connection::http is null by then; called with the proxy's owner): the
  // shard gives it to its Relay.
  void (*ktls_handover)(void* owner, Connection& conn) = nullptr;
  // By listener index: kTLS outcomes of client sockets; counts.
  std::vector<stats::KtlsCounts>* listener_ktls = nullptr;
  stats::ListenerStats* listener_stats = nullptr;
  // Pipes for bodies moved by splice (none: bodies go through user space).
  io::PipePool* pipes = nullptr;
  // Lines of listeners with an access log.
  accesslog::AccessLogWriter* access_log = nullptr;
};

class HttpProxy {
 public:
  // Called once a closing connection has nothing in flight and its sockets
  // are closed: the owner frees the slot.
  using FinishedFn = void (*)(void* owner, Connection& conn);

  HttpProxy(const HttpProxyContext& context, FinishedFn on_finished,
            void* owner);
  ~HttpProxy();

  // `conn` has side[kClient].fd, listener (an HTTP one) and routes set;
  // `listener_index` is the listener's index in the snapshot.
  void Start(Connection& conn, size_t listener_index);
  void OnCompletion(Connection& conn, uint8_t op, int32_t res, uint32_t flags);
  void OnDeadline(Connection& conn);
  // Shard drain: idle keep-alive connections close now; busy ones close
  // after their current response.
  void Drain(Connection& conn);
  void Abort(Connection& conn);

  void set_now(uint64_t now_ns) { now_ns_ = now_ns; }

 private:
  // http_proxy.cc: the client side.
  // `max_bytes`: read no more than this (0: a buffer's worth).
  void ArmClientRecv(Connection& conn, size_t max_bytes = 0);
  void MaybeArmClientRecv(Connection& conn);
  void OnClientRecv(Connection& conn, int32_t res);
  void OnProxyHeaderBytes(Connection& conn);
  void OnCiphertext(Connection& conn);
  void OnHandshakeDone(Connection& conn);
  void StartStream(Connection& conn);
  void OnClientPlaintext(Connection& conn);
  void ParseRequest(Connection& conn);
  void RouteRequest(Connection& conn);
  void ForwardRequestBody(Connection& conn);
  void RespondLocally(Connection& conn, int status, std::string_view why);
  void FlushClient(Connection& conn);
  void OnClientSent(Connection& conn, int32_t res);
  void OnClientFlushed(Connection& conn);
  void StartNextRequest(Connection& conn);

  // http_proxy_upstream.cc: the upstream side.
  void ConnectUpstream(Connection& conn, uint32_t group);
  void TryNextServer(Connection& conn);
  void OnUpstreamConnected(Connection& conn, int32_t res);
  void StartUpstreamTls(Connection& conn);
  void ContinueUpstreamHandshake(Connection& conn);
  // `alert_reason`: an alert read off the kernel's socket, which BoringSSL
  // never saw (otherwise its error is the reason).
  void UpstreamTlsFailed(Connection& conn, std::string_view alert_reason = {});
  bool DecryptUpstream(Connection& conn);
  void UpstreamReady(Connection& conn);
  bool KeepUpstream(Connection& conn);
  bool RetryRequest(Connection& conn, std::string_view why);
  void ReconnectWith(Connection& conn, std::string bytes);
  void ArmUpstreamRecv(Connection& conn, size_t max_bytes = 0);
  void MaybeArmUpstreamRecv(Connection& conn);
  void OnUpstreamRecv(Connection& conn, int32_t res);
  void ProcessResponse(Connection& conn);
  bool ForwardResponseBody(Connection& conn);
  void FinishExchange(Connection& conn);
  void FailUpstream(Connection& conn, int status, std::string_view why);
  void FlushUpstream(Connection& conn);
  void OnUpstreamSent(Connection& conn, int32_t res);
  void DropUpstream(Connection& conn);
  void OnUpstreamOpDone(Connection& conn);
  void StartTunnel(Connection& conn);
  void CheckTunnelEnds(Connection& conn);
  size_t ClientBacklog(const HttpState& h) const;
  size_t UpstreamBacklog(const HttpState& h) const;
  bool UpstreamSendIdle(const HttpState& h) const;

  // http_proxy_ktls.cc: stream mode to the kernel's TLS records.
  std::span<const uint8_t> DecryptInput(const HttpState& h,
                                        const buffer::ByteQueue& raw);
  bool StartKtlsHandover(Connection& conn);
  bool SettleKtlsSide(Connection& conn, int side);
  void AdvanceKtlsHandover(Connection& conn);
  void InstallKtlsAndHandOver(Connection& conn);
  stats::KtlsCounts& KtlsCountsOf(Connection& conn, int side);
  void CountKtlsFallback(Connection& conn, int side, stats::Counter counter,
                         std::string why);
  static route::KtlsMode KtlsModeOf(const Connection& conn, int side);
  void KtlsInstallFailed(Connection& conn, int side, const absl::Status& why);
  // HTTPS listeners: the client socket alone goes to the kernel after its
  // handshake; false when it stays in user space (AUTO fallback).
  bool StartClientKtls(Connection& conn);
  void AdvanceClientKtls(Connection& conn);
  void InstallClientKtls(Connection& conn);
  // http_proxy_upstream_ktls.cc: the same for an upstream socket of an
  // HTTP location, after its handshake, before the request goes.
  bool StartUpstreamKtls(Connection& conn);
  void AdvanceUpstreamKtls(Connection& conn);
  void InstallUpstreamKtls(Connection& conn);
  // A receive on `side`'s kTLS socket met a record that is not
  // application data (EIO): read whole and acted on.
  void OnKtlsControlRecord(Connection& conn, int side);
  // close_notify to a user-space TLS client, once (true: queued behind
  // sealed records, FlushClient sends it and comes back).
  bool QueueClientCloseNotify(Connection& conn);
  // close_notify on `side`'s kTLS socket, after a POLLOUT; false while
  // waiting (the poll's completion resumes the close or the tunnel's end).
  bool KtlsCloseNotifySent(Connection& conn, int side);
  void OnKtlsClosePoll(Connection& conn, int side, int32_t res);

  // http_proxy_body_splice.cc: Content-Length bodies by splice, per
  // source side d.
  bool MaySpliceBody(const Connection& conn, int d) const;
  bool StartBodySplice(Connection& conn, int d);
  void PumpBody(Connection& conn, int d);
  void ArmBodyPoll(Connection& conn, int d, bool out);
  bool KeepKtlsTickets(Connection& conn, int d);
  void OnBodyPoll(Connection& conn, uint8_t op, int32_t res);
  void FinishBodySplice(Connection& conn, int d);
  void ReleaseBodyPipe(BodySplice* body);

  // Either side.
  void SendFrom(Connection& conn, int fd, OutQueue& queue, uint8_t op);
  // Sends the session's sealed records, if any (false: none to send).
  bool SendSealed(Connection& conn, int fd, tls::TlsSession& tls, uint8_t op);
  void ScheduleDeadline(Connection& conn, uint64_t after_ns);
  void Touch(Connection& conn) { conn.last_activity_ns = now_ns_; }
  // Bytes from the client (d = kClient) or to it (kUpstream): the shard's
  // counter and the connection's (its access log lines').
  // In stream mode the line is an L4 one (the upstream's first byte times
  // it); an HTTP request's first byte is its response head's.
  void CountBytes(Connection& conn, int d, uint64_t bytes) {
    ctx_.stats->Add(RelayedBytesCounter(d), bytes);
    if (conn.http != nullptr && conn.http->stream) {
      conn.log.CountRelayed(d, bytes, now_ns_);
    } else {
      conn.log.bytes[d] += bytes;
    }
  }
  bool AccessLogged(const Connection& conn) const {
    return conn.listener->access_log != nullptr && ctx_.access_log != nullptr;
  }
  void Close(Connection& conn, CloseReason reason);
  bool OnlyReceivesInFlight(const Connection& conn) const;
  void MaybeFinish(Connection& conn);
  HttpState* AcquireState();
  void ReleaseState(HttpState* state);

  HttpProxyContext ctx_;
  FinishedFn on_finished_;
  void* owner_;
  uint64_t now_ns_ = 0;
  LogLimiter log_limiter_;  // bad-input lines, per reason
  // Exchange states of closed connections, for reuse. A live connection
  // owns its state through Connection::http until it finishes.
  std::vector<std::unique_ptr<HttpState>> free_states_;
};

}  // namespace ringway::conn

#endif  // RINGWAY_DATAPLANE_CONN_HTTP_PROXY_H_
