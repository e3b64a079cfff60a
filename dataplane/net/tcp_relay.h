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
// Shard-local: one TcpRelay per shard, driven from the shard's loop.

#ifndef RINGWAY_DATAPLANE_NET_TCP_RELAY_H_
#define RINGWAY_DATAPLANE_NET_TCP_RELAY_H_

#include <cstdint>

#include "dataplane/net/connection.h"
#include "dataplane/net/pipe_pool.h"
#include "dataplane/ring/ring.h"
#include "dataplane/shard/shard_stats.h"

namespace ringway::net {

class TcpRelay {
 public:
  // `on_finished` is called once a closing connection has no operation in
  // flight and its sockets are closed: the owner frees the slot.
  using FinishedFn = void (*)(void* owner, Connection& conn);

  TcpRelay(ring::Ring* ring, shard::ShardStats* stats, PipePool* pipes,
           int shard_id, FinishedFn on_finished, void* owner);

  // `conn` has client_fd, group, next_server, attempts_left set.
  void Start(Connection& conn);
  // A completion whose user_data named this connection (generation checked).
  void OnCompletion(Connection& conn, uint8_t op, int32_t res);
  // Ends the connection now (idle timeout, drain): resets both sides.
  void Abort(Connection& conn, CloseReason reason);

  // The shard's cached "now" for this loop iteration.
  void set_now(uint64_t now_ns) { now_ns_ = now_ns; }

 private:
  void ConnectNext(Connection& conn);
  void OnConnected(Connection& conn, int32_t res);
  void StartRelay(Connection& conn);
  void StartRead(Connection& conn, int d);
  void StartWrite(Connection& conn, int d, bool wait_writable);
  void OnSpliceIn(Connection& conn, int d, int32_t res);
  void OnSpliceOut(Connection& conn, int d, int32_t res);
  void OnEof(Connection& conn, int d);
  void ShutdownWrite(Connection& conn, int d);
  void Close(Connection& conn, CloseReason reason);
  void MaybeFinish(Connection& conn);
  CloseReason ResetReason(int d) const;

  uint64_t Tag(const Connection& conn, uint8_t op) const;

  ring::Ring* ring_;
  shard::ShardStats* stats_;
  PipePool* pipes_;
  int shard_id_;
  FinishedFn on_finished_;
  void* owner_;
  uint64_t now_ns_ = 0;
};

}  // namespace ringway::net

#endif  // RINGWAY_DATAPLANE_NET_TCP_RELAY_H_
