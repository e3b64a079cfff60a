// Decides what to do with a connection from its first bytes: an optional
// PROXY protocol header (accepted only from trusted sources), then, on a
// passthrough listener, the TLS ClientHello whose SNI and ALPN pick the
// upstream group. Pure: no sockets, no rings; called again with everything
// received so far until it stops asking for more.

#ifndef RINGWAY_DATAPLANE_CONN_PREAMBLE_H_
#define RINGWAY_DATAPLANE_CONN_PREAMBLE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/codec/client_hello_parser.h"
#include "dataplane/codec/proxy_protocol_parser.h"
#include "dataplane/route/route_snapshot.h"

namespace ringway::conn {

enum class PreambleOutcome : uint8_t { kNeedMoreData, kRoute, kClose };

// Why a connection was closed, or routed to the default in spite of its
// first bytes. Each has its own counter.
enum class PreambleProblem : uint8_t {
  kNone,
  kProxyHeaderUntrusted,  // a PROXY header from a source not trusted
  kProxyHeaderMalformed,
  kProxyHeaderMissing,  // required from trusted sources, not sent
  kNotTls,
  kClientHelloMalformed,
  kClientHelloTooLarge,
  kNoRoute,  // no route matched and no default
};

std::string_view PreambleProblemName(PreambleProblem problem);

struct PreambleResult {
  PreambleOutcome outcome = PreambleOutcome::kNeedMoreData;
  PreambleProblem problem = PreambleProblem::kNone;
  uint32_t group = 0;             // kRoute: index into RouteSnapshot::groups
  size_t proxy_header_bytes = 0;  // inbound header to strip before relaying
  bool has_proxy_header = false;
  bool has_client_hello = false;  // `hello` is filled
  // kNeedMoreData: deciding again before this many bytes (from the start of
  // the stream) have arrived cannot succeed. Lets a ClientHello split over
  // many segments be parsed once or twice instead of once per segment.
  size_t bytes_needed = 0;
};

// peer_trusted: the socket peer is inside listener.proxy_protocol.trusted.
// scratch: at least listener.tls.client_hello_max_bytes (shard-local).
PreambleResult DecidePreamble(const route::ListenerRoutes& listener,
                              std::span<const uint8_t> data, bool peer_trusted,
                              std::span<uint8_t> scratch,
                              codec::ProxyHeader* header,
                              codec::ClientHelloInfo* hello);

}  // namespace ringway::conn

#endif  // RINGWAY_DATAPLANE_CONN_PREAMBLE_H_
