// The L4 relay state machine, for plain TCP listeners and TLS passthrough:
// pick an upstream server (next one on failure), connect, then move bytes
// both ways, propagating half-close (FIN → shutdown(SHUT_WR)) and resets.
//
// Each side of a connection is an Endpoint (endpoint.h). Bytes start on the
// recv/send transport: a multishot recv per side into the shard's provided
// buffers, sent on from those buffers, recycled when the send completes. A
// side whose read fills a whole buffer, or whose peer lags, switches to
// splice through a pipe: io_uring reports readiness (multishot POLLIN) and
// a non-blocking splice(2) runs on the shard thread. Memory per connection
// is bounded either way.
//
// Listeners that route on the first bytes (TLS passthrough, inbound PROXY
// protocol) start by *peeking*: the client's recv copies into the
// connection's PeekBuffer until DecidePreamble settles. The recv then simply
// goes on: later bytes queue on the client endpoint while the upstream
// connects, and follow the preamble (outgoing PROXY header + peeked bytes)
// in order.
//
// Deadlines (peek, connect, idle) are entries in the shard's timer wheel;
// the shard calls OnDeadline when one expires.
//
// Shard-local: one Relay per shard, driven from the shard's loop. It knows
// nothing of the loop itself: the shard dispatches completions to it.

#ifndef RINGWAY_DATAPLANE_CONN_RELAY_H_
#define RINGWAY_DATAPLANE_CONN_RELAY_H_

#include <cstdint>
#include <vector>

#include "dataplane/accesslog/access_log_writer.h"
#include "dataplane/buffer/provided_buffer_ring.h"
#include "dataplane/codec/client_hello_parser.h"
#include "dataplane/codec/proxy_protocol_parser.h"
#include "dataplane/common/log_limiter.h"
#include "dataplane/conn/connection.h"
#include "dataplane/conn/peek_buffer_pool.h"
#include "dataplane/conn/preamble.h"
#include "dataplane/io/pipe_pool.h"
#include "dataplane/ring/ring.h"
#include "dataplane/stats/shard_stats.h"
#include "dataplane/timer/timer_wheel.h"

namespace ringway::conn {

struct RelayContext {
  ring::Ring* ring = nullptr;
  stats::ShardStats* stats = nullptr;
  io::PipePool* pipes = nullptr;
  buffer::ProvidedBufferRing* recv_buffers = nullptr;
  PeekBufferPool* peeks = nullptr;
  timer::TimerWheel* timers = nullptr;
  // Lines of listeners with an access log.
  accesslog::AccessLogWriter* access_log = nullptr;
  int shard_id = 0;
};

class Relay {
 public:
  // `on_finished` is called once a closing connection has no operation in
  // flight and its sockets are closed: the owner frees the slot.
  using FinishedFn = void (*)(void* owner, Connection& conn);

  Relay(const RelayContext& context, FinishedFn on_finished, void* owner);

  // `conn` has side[kClient].fd, listener and routes set.
  void Start(Connection& conn);
  // kTLS (relay_ktls.cc): `conn` comes from the HttpProxy with both sockets
  // connected, the kernel doing the TLS records of each TLS side
  // (Endpoint::ktls), nothing in flight and nothing left to send: splice
  // both ways.
  void StartKtls(Connection& conn);
  // A completion whose user_data named this connection (generation checked).
  void OnCompletion(Connection& conn, uint8_t op, int32_t res, uint32_t flags);
  // conn.deadline expired.
  void OnDeadline(Connection& conn);
  // Ends the connection now (drain): resets both sides.
  void Abort(Connection& conn, CloseReason reason);
  // Sends what receives queued during this batch of completions. Called by
  // the shard once per batch: by then a FIN that followed the data in the
  // same batch is known, and the data goes out with the FIN in one segment.
  void FlushPending();

  // The shard's cached "now" for this loop iteration.
  void set_now(uint64_t now_ns) { now_ns_ = now_ns; }

 private:
  // relay_peek.cc: the first bytes.
  void StartPeek(Connection& conn);
  void OnPeekBytes(Connection& conn, uint16_t buffer_id, int32_t res);
  void Decide(Connection& conn);
  void Reject(Connection& conn, PreambleProblem problem);
  void PrepareOutgoingProxyHeader(Connection& conn, size_t inbound_bytes,
                                  bool has_client_hello);
  // getpeername (and getsockname) of the client's socket, unless a PROXY
  // header or an earlier call set them.
  void LoadSocketAddresses(Connection& conn);
  void LoadClientAddress(Connection& conn);
  void SendPreamble(Connection& conn);
  void OnPreambleSent(Connection& conn, int32_t res);

  // relay_connect.cc: choosing and connecting to an upstream server.
  void ChooseGroup(Connection& conn, uint32_t group);
  void ConnectNext(Connection& conn);
  void OnSocket(Connection& conn, int32_t res);
  void Connect(Connection& conn, int fd);
  void OnConnected(Connection& conn, int32_t res);
  void StartRelay(Connection& conn);

  // relay_ktls.cc: records that are not application data on a kTLS
  // socket. False when reading must stop (nothing there, or closed).
  bool OnKtlsRecord(Connection& conn, int d);
  template <typename... Args>
  void LogBadInput(PreambleProblem problem,
                   const absl::FormatSpec<Args...>& format,
                   const Args&... args);
  // close_notify to side 1 - d at the end of direction d; false while that
  // socket's buffer is full (a POLLOUT wait calls FinishDirection again).
  bool SendKtlsCloseNotify(Connection& conn, int d);

  // relay.cc: moving bytes, one direction per source side d.
  void ArmRecv(Connection& conn, int d);
  void OnRecv(Connection& conn, int d, int32_t res, uint32_t flags);
  void RequestSplice(Connection& conn, int d);
  void Flush(Connection& conn, int d);
  void SendQueued(Connection& conn, int d);
  void OnSent(Connection& conn, int d, int32_t res);
  void StartSplice(Connection& conn, int d);
  void ArmPollIn(Connection& conn, int d);
  void OnPollIn(Connection& conn, int d, int32_t res, uint32_t flags);
  void SpliceIn(Connection& conn, int d);
  void SpliceOut(Connection& conn, int d);
  void ArmPollOut(Connection& conn, int d);
  void OnEof(Connection& conn, int d);
  void FinishDirection(Connection& conn, int d);
  void Touch(Connection& conn);
  void Close(Connection& conn, CloseReason reason);
  void CountClose(Connection& conn, CloseReason reason);
  void MaybeFinish(Connection& conn);
  static CloseReason ResetReason(int d);
  // The per-direction op for direction d (conn_op.h).
  static uint8_t DirOp(uint8_t base, int d) {
    return static_cast<uint8_t>(base + d);
  }
  // Bytes of direction d relayed: the shard's counter and the
  // connection's (the access log's, and its first upstream byte).
  void CountBytes(Connection& conn, int d, uint64_t bytes) {
    ctx_.stats->Add(RelayedBytesCounter(d), bytes);
    conn.log.CountRelayed(d, bytes, now_ns_);
  }

  void DeferFlush(Connection& conn);

  RelayContext ctx_;
  uint32_t buffer_bytes_;
  // Scratch for the synchronous ClientHello parse (reassembly across
  // records) and its results; reused by every connection of this shard.
  std::vector<uint8_t> hello_scratch_;
  codec::ClientHelloInfo hello_;
  codec::ProxyHeader proxy_header_;
  // Connections with received bytes to send after this batch, with the
  // generation they had (a slot may be reused within a batch).
  std::vector<std::pair<Connection*, uint32_t>> pending_flush_;
  FinishedFn on_finished_;
  void* owner_;
  uint64_t now_ns_ = 0;
  LogLimiter log_limiter_;  // bad-input lines, per reason
};

}  // namespace ringway::conn

#endif  // RINGWAY_DATAPLANE_CONN_RELAY_H_
