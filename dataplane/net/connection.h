// State of one proxied TCP connection, as the shard's relay sees it.
//
// Shard-local: created, driven and destroyed by one shard thread. Slots are
// reused; `generation` tells a late completion for an earlier occupant apart.

#ifndef RINGWAY_DATAPLANE_NET_CONNECTION_H_
#define RINGWAY_DATAPLANE_NET_CONNECTION_H_

#include <linux/time_types.h>
#include <sys/socket.h>

#include <cstdint>

#include "dataplane/net/pipe_pool.h"
#include "dataplane/route/route_snapshot.h"

namespace ringway::shard {
struct ShardSnapshot;
}

namespace ringway::net {

// One direction of the relay: bytes from `from` go through `pipe` to `to`.
struct RelayDirection {
  Pipe pipe;
  uint32_t in_pipe = 0;    // bytes spliced in, not yet spliced out
  bool reading = false;    // poll + splice-in in flight
  bool writing = false;    // (poll +) splice-out in flight
  bool eof = false;        // `from` sent FIN
  bool shut = false;       // shutdown(SHUT_WR) sent to `to`
  bool pipe_full = false;  // last splice-in found no room: wait for a write
};

enum class ConnectionState : uint8_t {
  kFree,
  kPeeking,     // reading the first bytes to choose the route
  kConnecting,  // connecting to an upstream server
  kRelaying,
  kClosing,  // cancels issued; waiting for in-flight operations to end
};

// Why a connection ended; picks the counter and whether to reset.
enum class CloseReason : uint8_t {
  kDone,  // both directions finished cleanly
  kClientReset,
  kUpstreamReset,
  kUpstreamUnavailable,
  kIdleTimeout,
  kDrain,
  kResourceError,
  kRejected,  // first bytes refused (counted by the caller)
  kPeekTimeout,
};

// Bytes read while choosing the route, with headroom in front so the
// outgoing PROXY header can be written right before them and both sent in
// one send. Shard-local; pooled by size.
struct PeekBuffer {
  static constexpr uint32_t kHeadroom = 1024;  // > largest v2 header we send
  uint8_t* block = nullptr;                    // kHeadroom + capacity bytes
  uint32_t capacity = 0;  // bytes of payload room after the headroom
  uint32_t length = 0;    // payload bytes received
  uint8_t* payload() const { return block + kHeadroom; }
};

struct Connection {
  uint32_t slot = 0;
  uint32_t generation = 0;
  ConnectionState state = ConnectionState::kFree;
  CloseReason close_reason = CloseReason::kDone;
  int client_fd = -1;
  int upstream_fd = -1;
  // In-flight io_uring operations naming this connection. The slot (and its
  // pipes) may be reused only when this is back to zero.
  uint16_t inflight = 0;
  const route::ListenerRoutes* listener = nullptr;
  // Peek phase: see tcp_relay.h.
  PeekBuffer peek;
  bool peek_recv_active = false;
  bool peek_decided = false;
  uint64_t peek_deadline_ns = 0;
  // Preamble still to send upstream after connecting: peek.block[begin,end).
  uint32_t preamble_begin = 0;
  uint32_t preamble_end = 0;
  // The client's address as the route saw it (after any PROXY header) and
  // the address it connected to.
  bool addresses_known = false;  // client/local_address filled
  sockaddr_storage client_address{};
  sockaddr_storage local_address{};
  // Upstream selection.
  const route::UpstreamGroup* group = nullptr;
  uint32_t next_server = 0;
  uint32_t attempts_left = 0;
  __kernel_timespec connect_timeout{};  // read by the kernel at submit
  // [0] client→upstream, [1] upstream→client.
  RelayDirection direction[2];
  uint64_t last_activity_ns = 0;
  uint64_t idle_timeout_ns = 0;
  // NOTE: keeps the route table this connection started with alive; released
  // (on this shard) when the connection is freed.
  shard::ShardSnapshot* snapshot = nullptr;
  // Intrusive list of live connections, for idle scans and drain.
  Connection* prev = nullptr;
  Connection* next = nullptr;

  int FromFd(int d) const { return d == 0 ? client_fd : upstream_fd; }
  int ToFd(int d) const { return d == 0 ? upstream_fd : client_fd; }
};

}  // namespace ringway::net

#endif  // RINGWAY_DATAPLANE_NET_CONNECTION_H_
