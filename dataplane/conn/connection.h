// State of one proxied connection: two endpoints, the route it took, and
// its deadline.
//
// Shard-local: created, driven and destroyed by one shard thread. Slots are
// reused; `generation` tells a late completion for an earlier occupant apart.

#ifndef RINGWAY_DATAPLANE_CONN_CONNECTION_H_
#define RINGWAY_DATAPLANE_CONN_CONNECTION_H_

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "dataplane/accesslog/access_entry.h"
#include "dataplane/conn/endpoint.h"
#include "dataplane/conn/peek_buffer.h"
#include "dataplane/ring/user_data.h"
#include "dataplane/route/route_snapshot.h"
#include "dataplane/stats/shard_stats.h"
#include "dataplane/timer/timer_wheel.h"
#include "dataplane/tls/tls_session.h"
#include "dataplane/upstream/local_routes.h"

namespace ringway::conn {

enum class ConnectionState : uint8_t {
  kFree,
  kPeeking,     // reading the first bytes to choose the route
  kConnecting,  // socket + connect to an upstream server in flight
  kRelaying,    // connected (a preamble may still be on its way)
  kClosing,     // cancels issued; waiting for in-flight operations to end
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
  kRejected,     // first bytes refused (counted by the caller)
  kPeekTimeout,  // the last: kCloseReasons below counts on it
};
inline constexpr int kCloseReasons =
    static_cast<int>(CloseReason::kPeekTimeout) + 1;

// For the access log and metrics: "done", "client_reset", ...
inline std::string_view CloseReasonName(CloseReason reason) {
  switch (reason) {
    case CloseReason::kDone:
      return "done";
    case CloseReason::kClientReset:
      return "client_reset";
    case CloseReason::kUpstreamReset:
      return "upstream_reset";
    case CloseReason::kUpstreamUnavailable:
      return "upstream_unavailable";
    case CloseReason::kIdleTimeout:
      return "idle_timeout";
    case CloseReason::kDrain:
      return "drain";
    case CloseReason::kResourceError:
      return "resource_error";
    case CloseReason::kRejected:
      return "rejected";
    case CloseReason::kPeekTimeout:
      return "peek_timeout";
  }
  return "unknown";
}

struct HttpState;  // http_state.h

inline constexpr int kClient = 0;
inline constexpr int kUpstream = 1;

// For log lines: "client" or "upstream".
inline const char* SideName(int side) {
  return side == kClient ? "client" : "upstream";
}

// The shard's counter of bytes read from side `from` and passed on.
inline stats::Counter RelayedBytesCounter(int from) {
  return from == kClient ? stats::Counter::kBytesClientToUpstream
                         : stats::Counter::kBytesUpstreamToClient;
}

// What the access log (dataplane/accesslog) says of a connection: plain
// stores as it goes, read when it ends (L4) or at each request's end (HTTP
// takes differences of `bytes` from the request's start).
struct ConnectionLog {
  // The access log's own "not measured": copied into its entries as is.
  static constexpr uint64_t kNotMeasured = accesslog::kNotMeasured;
  uint64_t accepted_ns = 0;  // (set by the shard; times the TLS handshake too)
  uint64_t connect_ns = kNotMeasured;  // the last upstream connect took
  // L4: accept to the upstream's first byte; HTTP: the request's start to
  // its response head.
  uint64_t first_byte_ns = kNotMeasured;
  uint64_t tls_ns = kNotMeasured;  // the client's TLS handshake took
  // From the client; to the client (L4: read from the upstream).
  uint64_t bytes[2] = {0, 0};
  CloseReason end = CloseReason::kDone;
  // Logged listeners only, kept here because what held them is gone by
  // the end: passthrough, what the ClientHello asked for (SNI, its first
  // ALPN protocol); a TLS client handed to the kernel (kTLS), what its
  // handshake settled (version and cipher name BoringSSL's static text).
  std::string sni;
  std::string alpn;
  std::string_view tls_version;
  std::string_view tls_cipher;

  // `n` bytes read from side `from` and passed on, as an L4 connection
  // counts them: the upstream's first byte times first_byte_ns from
  // accept.
  void CountRelayed(int from, uint64_t n, uint64_t now_ns) {
    if (from == kUpstream && bytes[kUpstream] == 0) {
      first_byte_ns = now_ns - accepted_ns;
    }
    bytes[from] += n;
  }
};

struct Connection {
  uint32_t slot = 0;
  uint32_t generation = 0;
  ConnectionState state = ConnectionState::kFree;
  // [kClient], [kUpstream]. Bytes read from side d go to side 1 - d.
  Endpoint side[2];
  // In-flight io_uring operations naming this connection (a multishot one
  // counts once until its last completion). The slot, its buffers and pipes
  // may be reused only when this is back to zero.
  uint16_t inflight = 0;
  bool flush_pending = false;  // on the relay's list for after this batch
  const route::ListenerRoutes* listener = nullptr;
  uint16_t listener_index = 0;  // in the snapshot (listeners are fixed)

  // Peek phase (listeners that route on the first bytes).
  PeekBuffer peek;
  uint32_t peek_bytes_needed = 0;  // don't decide again before this many
  // Preamble for the upstream (outgoing PROXY header, peeked bytes):
  // peek.block[begin, end), sent before anything else.
  uint32_t preamble_begin = 0;
  uint32_t preamble_end = 0;

  // The client's address as the route saw it (after any PROXY header) and
  // the address it connected to.
  bool addresses_known = false;  // both
  // client_address: from the accept (the shard), a PROXY header, or
  // getpeername when something needs it.
  bool client_known = false;
  sockaddr_storage client_address{};
  sockaddr_storage local_address{};

  // Upstream selection.
  uint32_t group_index = 0;
  const route::UpstreamGroup* group = nullptr;
  upstream::ServerState* server = nullptr;  // the one being tried / used
  uint32_t server_index = 0;  // the next to try (upstream_attempt.h)
  uint32_t server_tried = 0;  // index of `server`
  uint32_t attempts_left = 0;
  bool connect_timed_out = false;
  uint64_t connect_started_ns = 0;  // the upstream connect in flight
  bool server_connected = false;    // counted in server->active_connections

  ConnectionLog log;

  // HTTP listeners: the exchange state (http_state.h), from the HttpProxy's
  // pool; null on L4 listeners.
  HttpState* http = nullptr;

  // kTLS to the upstream: its BoringSSL session, kept after the kernel took
  // the records, for the TLS 1.3 tickets the server sends later (kept for
  // resumption).
  std::unique_ptr<tls::TlsSession> upstream_tls;

  // One deadline at a time: peek, connect or idle, by state.
  timer::TimerEntry deadline;
  uint64_t last_activity_ns = 0;
  uint64_t idle_timeout_ns = 0;

  // NOTE: keeps the route table this connection started with alive; dropped
  // (on this shard) when the connection is freed.
  upstream::LocalRoutes* routes = nullptr;
  // Intrusive list of live connections, for drain.
  Connection* prev = nullptr;
  Connection* next = nullptr;
};

// The user_data of `conn`'s operation `op`: the shard hands the completion
// back to this connection, unless its slot was reused meanwhile (the
// generation no longer matches).
inline uint64_t Tag(const Connection& conn, uint8_t op) {
  return ring::UserData{op, conn.slot, conn.generation}.Pack();
}

}  // namespace ringway::conn

#endif  // RINGWAY_DATAPLANE_CONN_CONNECTION_H_
