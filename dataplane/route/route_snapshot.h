// The compiled, immutable route table the shards serve from.
//
// Built by the control thread (control/snapshot_builder.h) from a validated
// config, then shared read-only by every shard through
// std::shared_ptr<const RouteSnapshot>. Nothing in it changes after
// construction, so shards read it without locks. A connection keeps the
// snapshot it was accepted under until it closes.

#ifndef RINGWAY_DATAPLANE_ROUTE_ROUTE_SNAPSHOT_H_
#define RINGWAY_DATAPLANE_ROUTE_ROUTE_SNAPSHOT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "dataplane/address/cidr.h"
#include "dataplane/address/socket_address.h"
#include "dataplane/route/server_name_matcher.h"

namespace ringway::route {

enum class ProxyProtocolVersion : uint8_t { kNone = 0, kV1 = 1, kV2 = 2 };

struct UpstreamGroup {
  std::string name;
  std::vector<address::SocketAddress> servers;  // at least one
  uint64_t connect_timeout_ns = 0;
  uint32_t max_connect_attempts = 0;  // >= 1
  ProxyProtocolVersion send_proxy_protocol = ProxyProtocolVersion::kNone;
};

enum class ListenerKind : uint8_t { kTcpProxy, kTlsPassthrough };

// What a passthrough listener does with a connection's first bytes.
struct TlsPassthroughRoutes {
  // Targets are indexes into RouteSnapshot::groups; its default target is
  // default_upstream_group.
  std::shared_ptr<const ServerNameMatcher> matcher;
  std::optional<uint32_t> default_group;
  uint32_t client_hello_max_bytes = 16384;
  uint64_t peek_timeout_ns = 0;
  // Not TLS, malformed or too large: relay to default_group (if set)
  // instead of closing.
  bool bad_client_hello_to_default = false;
};

// Accepting PROXY protocol headers from load balancers in front of us.
struct ProxyProtocolInbound {
  bool enabled = false;
  std::vector<address::Cidr> trusted;  // only these may send a header
  bool required = false;               // trusted sources must send one
};

struct ListenerRoutes {
  std::string name;
  std::string address;  // as configured: identifies the socket group
  ListenerKind kind = ListenerKind::kTcpProxy;
  uint32_t upstream_group = 0;  // index into RouteSnapshot::groups (TCP)
  TlsPassthroughRoutes tls;     // kTlsPassthrough
  ProxyProtocolInbound proxy_protocol;
  uint64_t idle_timeout_ns = 0;
  // Peek timeout when only a PROXY header is awaited (TCP listeners).
  uint64_t peek_timeout_ns = 0;
  int backlog = 4096;
  // TCP_DEFER_ACCEPT seconds on the listening sockets; 0: off.
  int defer_accept_s = 0;

  // The connection's first bytes are read and inspected before an upstream
  // is chosen.
  bool NeedsPeek() const {
    return kind == ListenerKind::kTlsPassthrough || proxy_protocol.enabled;
  }
};

struct RouteSnapshot {
  // Monotonic per process: 1 for the first table applied.
  uint64_t version = 0;
  // SHA-256 (hex, first 16 bytes) of the canonical config text.
  std::string content_hash;
  // Where the table came from: a file path, "ringwayctl", "built-in".
  std::string source;
  absl::Time applied_at;
  // Canonical text format of the config it was built from (for show/diff).
  std::string config_text;

  // Same order in every snapshot of a process: index i is the i-th
  // listening socket group (see control/route_table.h).
  std::vector<ListenerRoutes> listeners;
  std::vector<UpstreamGroup> groups;
};

}  // namespace ringway::route

#endif  // RINGWAY_DATAPLANE_ROUTE_ROUTE_SNAPSHOT_H_
