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
#include "dataplane/accesslog/access_log_file.h"
#include "dataplane/address/cidr.h"
#include "dataplane/address/socket_address.h"
#include "dataplane/codec/http_message.h"
#include "dataplane/route/server_name_matcher.h"
#include "dataplane/tls/client_context.h"
#include "dataplane/tls/server_context.h"

namespace ringway::route {

enum class ProxyProtocolVersion : uint8_t { kNone = 0, kV1 = 1, kV2 = 2 };

enum class Balancing : uint8_t {
  kRoundRobin,        // weighted (smooth, as nginx) when weights differ
  kLeastConnections,  // fewest active connections per unit of weight
  kClientAddressHash  // consistent hash of the client's address
};

// A point of a consistent-hash ring: a server owns the keys from the
// previous point up to its own hash.
struct HashPoint {
  uint32_t hash = 0;
  uint32_t server = 0;
};

// Kernel TLS after the handshake (config Ktls.Mode): where the path can use
// it, kAuto uses it when the kernel takes the negotiated cipher and runs
// BoringSSL's records otherwise; kOn closes a connection it cannot give
// to the kernel; kOff never uses it.
enum class KtlsMode : uint8_t { kAuto, kOn, kOff };

// Active health checks of a group's servers (health/health_checker.h).
enum class HealthCheckKind : uint8_t {
  kNone,  // passive health only
  kTcp,   // the TCP connect succeeds
  kTls,   // the TLS handshake completes (certificate checks included)
  kHttp,  // GET answered with an expected status (over TLS if the group is)
};

struct HealthCheck {
  HealthCheckKind kind = HealthCheckKind::kNone;
  uint64_t interval_ns = 0;
  uint64_t timeout_ns = 0;
  uint32_t rise = 2;  // passes in a row that bring a server back
  uint32_t fall = 3;  // failures in a row that take it out
  // kHttp: the whole request for each server (Host differs), sent as is.
  std::vector<std::string> http_requests;
  // kHttp: statuses that pass; empty: 200-399.
  std::vector<uint16_t> expected_statuses;

  bool enabled() const { return kind != HealthCheckKind::kNone; }
  bool Expects(int status) const {
    if (expected_statuses.empty()) return status >= 200 && status < 400;
    for (uint16_t s : expected_statuses) {
      if (s == status) return true;
    }
    return false;
  }
};

struct UpstreamGroup {
  std::string name;
  std::vector<address::SocketAddress> servers;  // at least one
  std::vector<uint32_t> weights;                // per server, >= 1
  bool equal_weights = true;
  Balancing balancing = Balancing::kRoundRobin;
  // kClientAddressHash: sorted by hash; points per server by weight, each
  // derived from the server's address (not its position), so removing a
  // server moves only the keys it owned.
  std::vector<HashPoint> hash_ring;
  // Passive health (nginx max_fails / fail_timeout): this many failed
  // connects or TLS handshakes within fail_timeout take a server out of
  // rotation for fail_timeout. 0: never.
  uint32_t max_fails = 1;
  uint64_t fail_timeout_ns = 10'000'000'000;
  uint64_t connect_timeout_ns = 0;
  uint32_t max_connect_attempts = 0;  // >= 1
  ProxyProtocolVersion send_proxy_protocol = ProxyProtocolVersion::kNone;
  // HTTP listeners: idle connections kept per server and shard for reuse
  // (0: none), and for how long.
  uint32_t keepalive = 32;
  uint64_t keepalive_timeout_ns = 0;
  // Re-encryption: TLS to every server (null: plain TCP). Shared by every
  // shard; each builds its own tls::ClientContext from it.
  std::shared_ptr<const tls::ClientTlsConfig> tls;
  bool tls_send_sni = false;
  KtlsMode ktls = KtlsMode::kAuto;  // on the upstream socket
  // Per server: the name its certificate is checked against (and sent as
  // SNI): tls.name, else the server's name, else its address.
  std::vector<std::string> tls_names;
  // Tells apart upstream state kept for the same address under different
  // TLS settings (idle connections, sessions): "" for plain TCP.
  std::string transport_key;
  HealthCheck health_check;
};

enum class ListenerKind : uint8_t {
  kTcpProxy,
  kTlsPassthrough,
  kHttp,
  kHttps,
  kTlsTerminate,  // TLS off, bytes relayed (http.tls holds the settings)
};

// ---------------------------------------------------------------------------
// HTTP listeners (kHttp plain, kHttps terminating TLS first).

struct HeaderField {
  std::string name;  // as configured (case kept)
  std::string value;
};

struct HttpLocation {
  // Matches a request whose path starts with it ("/" matches every path).
  std::string path_prefix;
  uint32_t upstream_group = 0;  // index into RouteSnapshot::groups
  // Non-empty: the Host sent upstream instead of the client's.
  std::string upstream_host;
};

struct VirtualHost {
  // For logs and stats: the first server name, or "default".
  std::string name;
  // Longest path_prefix first: the first whose prefix matches wins.
  std::vector<HttpLocation> locations;
  // Added to every response from an upstream (replacing a field of the
  // same name the upstream sent), and to ringway's own responses.
  std::vector<HeaderField> response_headers;
  // Plain HTTP listeners: answer 301 to https://host[:port]/target, except
  // for paths under /.well-known/acme-challenge/, which go to
  // acme_challenge_group (or, without one, to the locations).
  bool redirect_to_https = false;
  uint16_t https_port = 443;  // left out of Location when 443
  std::optional<uint32_t> acme_challenge_group;
};

// Which request headers carry the client to the upstream.
struct ForwardedHeaders {
  bool x_forwarded_for = true;  // appended to what the client sent
  bool x_real_ip = true;
  bool x_forwarded_proto = true;  // "https" or "http"
  bool x_forwarded_host = true;   // the client's Host
  bool forwarded = false;         // RFC 7239: for=...;proto=...;host=...
  // Client certificate verification result ("SUCCESS", "NONE",
  // "FAILED:<reason>") and subject (RFC 2253), each sent in the named
  // header; empty names send nothing. A client's own copy is removed.
  std::string client_verify_header;
  std::string client_subject_header;
};

// nginx `set_real_ip_from` + `real_ip_header` (+ `real_ip_recursive`):
// the client address is taken from a request header, but only when the
// socket peer (after any PROXY header) is trusted.
struct RealIpFromHeader {
  bool enabled = false;
  std::vector<address::Cidr> trusted;
  std::string header = "x-forwarded-for";  // lower case
  // X-Forwarded-For: skip trusted addresses from the right and take the
  // first untrusted one; otherwise take the rightmost.
  bool recursive = false;
};

struct HttpRoutes {
  // Host (or, without one, SNI) → index into virtual_hosts. Port and
  // trailing dot ignored. No match and no default: 404.
  std::shared_ptr<const ServerNameMatcher> hosts;
  std::vector<VirtualHost> virtual_hosts;
  // kHttps only: certificates and TLS options, shared by every shard
  // (each builds its own tls::ServerContext from it).
  std::shared_ptr<const tls::ServerTlsConfig> tls;
  KtlsMode ktls = KtlsMode::kAuto;  // on the client socket
  codec::HttpLimits limits;
  ForwardedHeaders forwarded;
  RealIpFromHeader real_ip;
  // A client that has not sent a complete request head this long after
  // the connection opened or the previous response ended is closed
  // (nginx client_header_timeout, default 60 s). Also the TLS handshake.
  uint64_t header_timeout_ns = 0;
  // Idle time between requests on a client keep-alive connection
  // (nginx keepalive_timeout, default 75 s).
  uint64_t keepalive_timeout_ns = 0;
  // No byte of the response this long after the request was sent: 504
  // (nginx proxy_read_timeout, default 60 s). Also bounds each later
  // wait for response bytes, and a stalled request body (408-free close).
  uint64_t upstream_timeout_ns = 0;
};

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
  // kTlsTerminate, or kTcpProxy to a group that re-encrypts: the bytes pass
  // through TLS on at least one side, so they are relayed in user space
  // (conn/http_proxy.h's stream mode) instead of spliced.
  bool tls_stream = false;
  TlsPassthroughRoutes tls;  // kTlsPassthrough
  HttpRoutes http;           // kHttp, kHttps
  ProxyProtocolInbound proxy_protocol;
  uint64_t idle_timeout_ns = 0;
  // Peek timeout when only a PROXY header is awaited (TCP listeners).
  uint64_t peek_timeout_ns = 0;
  int backlog = 4096;
  // TCP_DEFER_ACCEPT seconds on the listening sockets; 0: off.
  int defer_accept_s = 0;
  // L4 relays: a side's FIN ends only its direction (true) or, once its
  // bytes are delivered, the whole connection (false, nginx's default).
  bool half_close = true;
  // One line per connection (L4) or request (HTTP); null: none.
  std::shared_ptr<const accesslog::AccessLogFile> access_log;

  // The connection's first bytes are read and inspected before an upstream
  // is chosen.
  bool NeedsPeek() const {
    return kind == ListenerKind::kTlsPassthrough || proxy_protocol.enabled;
  }
  bool IsHttp() const {
    return kind == ListenerKind::kHttp || kind == ListenerKind::kHttps;
  }
  // Terminates TLS from clients (http.tls is set).
  bool TerminatesTls() const {
    return kind == ListenerKind::kHttps || kind == ListenerKind::kTlsTerminate;
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
  // The admin HTTP listener's address ("": none); fixed at start.
  std::string admin_http_address;
};

}  // namespace ringway::route

#endif  // RINGWAY_DATAPLANE_ROUTE_ROUTE_SNAPSHOT_H_
