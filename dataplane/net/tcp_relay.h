// The L4 relay state machine: connect to an upstream server (next server on
// failure), then move bytes both ways with IORING_OP_SPLICE through one pipe
// per direction, propagating half-close (FIN → shutdown(SHUT_WR)) and
// resets.
//
// Why a poll before each socket→pipe splice: io_uring always runs SPLICE in
// an io-wq worker, and a splice from an idle socket would park that worker.
// A linked POLL_ADD holds the splice back until the socket is readable, and
// SPLICE_F_NONBLOCK keeps it from ever blocking. Backpressure: a direction
// reads again only when its pipe has room, so memory per connection is
// bounded by the two pipes.
//
// Listeners that route on the first bytes (TLS passthrough, inbound PROXY
// protocol) first *peek*: a multishot recv fills provided buffers, whose
// bytes are copied into the connection's PeekBuffer and the buffers
// recycled at once, until DecidePreamble settles. The recv is then
// cancelled (bytes that still arrive are kept), the upstream connected, and
// the outgoing PROXY header plus every peeked byte sent in one send before
// splicing starts: the upstream sees the client's bytes unchanged.
//
// Shard-local: one TcpRelay per shard, driven from the shard's loop.

#ifndef RINGWAY_DATAPLANE_NET_TCP_RELAY_H_
#define RINGWAY_DATAPLANE_NET_TCP_RELAY_H_

#include <cstdint>
#include <vector>

#include "dataplane/buffer/provided_buffer_ring.h"
#include "dataplane/codec/client_hello_parser.h"
#include "dataplane/codec/proxy_protocol_parser.h"
#include "dataplane/net/connection.h"
#include "dataplane/net/peek_buffer_pool.h"
#include "dataplane/net/pipe_pool.h"
#include "dataplane/net/preamble.h"
#include "dataplane/ring/ring.h"
#include "dataplane/stats/shard_stats.h"

namespace ringway::net {

// How bytes cross the pipes. Both wait for readiness with io_uring polls.
enum class SpliceMode : uint8_t {
  // IORING_OP_SPLICE linked after the poll. io_uring runs every splice in
  // an io-wq worker thread: a thread hand-off per splice.
  kIoUring,
  // splice(2) with SPLICE_F_NONBLOCK on the shard thread when the poll
  // fires: one system call, no hand-off (HAProxy's epoll + splice model).
  kInline,
};

class TcpRelay {
 public:
  // `on_finished` is called once a closing connection has no operation in
  // flight and its sockets are closed: the owner frees the slot.
  using FinishedFn = void (*)(void* owner, Connection& conn);

  TcpRelay(ring::Ring* ring, stats::ShardStats* stats, PipePool* pipes,
           buffer::ProvidedBufferRing* recv_buffers, PeekBufferPool* peeks,
           int shard_id, SpliceMode splice_mode, FinishedFn on_finished,
           void* owner);

  // `conn` has client_fd, group, next_server, attempts_left set.
  void Start(Connection& conn);
  // `conn` has client_fd and listener set; the route comes from its bytes.
  void StartPeek(Connection& conn);
  // A completion whose user_data named this connection (generation checked).
  void OnCompletion(Connection& conn, uint8_t op, int32_t res, uint32_t flags);
  // Ends the connection now (idle timeout, drain): resets both sides.
  void Abort(Connection& conn, CloseReason reason);

  // The shard's cached "now" for this loop iteration.
  void set_now(uint64_t now_ns) { now_ns_ = now_ns; }

 private:
  void LoadSocketAddresses(Connection& conn);
  void ArmPeekRecv(Connection& conn);
  void OnPeekRecv(Connection& conn, int32_t res, uint32_t flags);
  void Decide(Connection& conn);
  void Reject(Connection& conn, PreambleProblem problem);
  void ConnectAfterPeek(Connection& conn);
  void PrepareOutgoingProxyHeader(Connection& conn,
                                  const PreambleResult& decision);
  void SendPreamble(Connection& conn);
  void OnPreambleSent(Connection& conn, int32_t res);
  void ConnectNext(Connection& conn);
  void OnConnected(Connection& conn, int32_t res);
  void StartRelay(Connection& conn);
  void StartRead(Connection& conn, int d);
  void StartWrite(Connection& conn, int d, bool wait_writable);
  void OnReadable(Connection& conn, int d, int32_t poll_result);
  void OnSpliceIn(Connection& conn, int d, int32_t res);
  void OnSpliceOut(Connection& conn, int d, int32_t res);
  void OnEof(Connection& conn, int d);
  void ShutdownWrite(Connection& conn, int d);
  void Close(Connection& conn, CloseReason reason);
  void MaybeFinish(Connection& conn);
  CloseReason ResetReason(int d) const;

  uint64_t Tag(const Connection& conn, uint8_t op) const;

  ring::Ring* ring_;
  stats::ShardStats* stats_;
  PipePool* pipes_;
  buffer::ProvidedBufferRing* recv_buffers_;
  PeekBufferPool* peeks_;
  int shard_id_;
  SpliceMode splice_mode_;
  // Scratch for the synchronous ClientHello parse (reassembly across
  // records) and its results; reused by every connection of this shard.
  std::vector<uint8_t> hello_scratch_;
  codec::ClientHelloInfo hello_;
  codec::ProxyHeader proxy_header_;
  FinishedFn on_finished_;
  void* owner_;
  uint64_t now_ns_ = 0;
};

}  // namespace ringway::net

#endif  // RINGWAY_DATAPLANE_NET_TCP_RELAY_H_
