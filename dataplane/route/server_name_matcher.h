// ServerNameMatcher picks the route of a TLS passthrough connection from the
// server name (SNI) and the ALPN protocols in its ClientHello, like nginx's
// `map $ssl_preread_server_name` or HAProxy's `req.ssl_sni`. The control
// thread builds one from the TlsPassthrough routes of the config; shards then
// share it read-only and call Lookup once per connection, at a cost that grows
// with the labels of the name, never with the number of routes.
//
//   absl::StatusOr<ServerNameMatcher> matcher = ServerNameMatcher::Build(
//       {{.server_names = {"api.example.org"}, .target = 0},
//        {.server_names = {"*.example.org"}, .alpn = {"h2"}, .target = 1}},
//       /*default_target=*/2);
//   matcher->Lookup("api.example.org", {"h2"});  // 0: the exact name wins.
//   matcher->Lookup("www.example.org", {"h2"});  // 1
//   matcher->Lookup("www.example.org", {});      // 2: route 1 wants h2.

#ifndef RINGWAY_DATAPLANE_ROUTE_SERVER_NAME_MATCHER_H_
#define RINGWAY_DATAPLANE_ROUTE_SERVER_NAME_MATCHER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace ringway::route {

// One TlsRoute of the config, with its upstream group already resolved to an
// index.
struct ServerNameRoute {
  // "api.example.org" (exactly that name), "*.example.org" (exactly one label
  // below example.org) or ".example.org" (example.org and every name below
  // it). Case-insensitive; one trailing dot is ignored. Empty: the route
  // matches on ALPN alone, whatever the server name (or none).
  std::vector<std::string> server_names;
  // ALPN protocol IDs (RFC 7301: 1 to 255 bytes, compared exactly); the route
  // matches when the client offers any of them. Empty: any ALPN, or none.
  std::vector<std::string> alpn;
  // What Lookup returns for this route; the caller maps it to an upstream
  // group.
  uint32_t target = 0;
};

// Immutable, shared: built on the control thread, then read concurrently by
// every shard without locks. Lookup never allocates.
//
// Precedence, from strongest to weakest; a level with no matching route falls
// through to the next:
//   1. the exact name ("a.b.example.org");
//   2. the matching wildcard or suffix pattern with the longest base name,
//      base being what follows "*." or ".": ".a.b.example.org", then
//      "*.b.example.org", then ".b.example.org", then ".example.org", ...
//      With the same base, the wildcard beats the suffix ("*.example.org"
//      beats ".example.org" for a.example.org) because it matches fewer names;
//      a suffix beats a wildcard of a shorter base because it names one more
//      label of the server name literally (nginx does the same);
//   3. routes with no server names (ALPN-only routes), for any server name and
//      for a ClientHello without SNI. They rank below every name pattern: to
//      send "acme-tls/1" clients of a name that has its own route elsewhere,
//      give that name an ALPN route too;
//   4. the default target, if any; otherwise no match.
// Within one pattern (or among the routes with no server names):
//   - the first route, in config order, whose ALPN list contains a protocol the
//     client offers wins;
//   - then the route with no ALPN list, if any;
//   - a route whose ALPN list the client does not match is skipped, so the
//     lookup falls through to the next, less specific pattern.
// A server name that is not a valid host name (empty label, label over 63
// characters, over 253 characters, a character outside [A-Za-z0-9-_]) matches
// no pattern and is treated like a ClientHello without SNI.
class ServerNameMatcher {
 public:
  // Longest server name a pattern may have, and so the longest that can match
  // (RFC 1035 limits names to 253 characters without the trailing dot).
  static constexpr size_t kMaxNameLength = 253;
  static constexpr size_t kMaxLabelLength = 63;

  // Validates and indexes `routes` (control thread only). Fails with
  // InvalidArgument naming the route index ("routes[3]") on an invalid server
  // name or ALPN ID, or when two routes (or one route twice) list the same
  // pattern with the same set of ALPN IDs: the later one could never match.
  // `default_target` is returned when no route matches.
  static absl::StatusOr<ServerNameMatcher> Build(
      absl::Span<const ServerNameRoute> routes,
      std::optional<uint32_t> default_target);

  // Move-only: a copy of a large matcher is never what a caller means.
  ServerNameMatcher(ServerNameMatcher&&) = default;
  ServerNameMatcher& operator=(ServerNameMatcher&&) = default;
  ServerNameMatcher(const ServerNameMatcher&) = delete;
  ServerNameMatcher& operator=(const ServerNameMatcher&) = delete;

  // The target for a ClientHello with `server_name` (empty: no SNI extension)
  // whose ALPN list contains protocol P exactly when client_offers_alpn(P).
  // Any thread. Does not allocate; makes one hash probe per label of the name
  // and calls client_offers_alpn only for routes with an ALPN list on the
  // patterns it visits. `server_name` may be in any case and end in one dot.
  std::optional<uint32_t> Lookup(
      std::string_view server_name,
      absl::FunctionRef<bool(std::string_view)> client_offers_alpn) const;

  // The same, with the offered protocols as a list (empty: no ALPN
  // extension).
  std::optional<uint32_t> Lookup(
      std::string_view server_name,
      absl::Span<const std::string_view> offered_alpn = {}) const;

  // Distinct server name patterns (after lowercasing and dropping the
  // trailing dot) over all routes; routes with no server names count none.
  size_t pattern_count() const { return pattern_count_; }

 private:
  // Candidates_[begin, end): routes of one pattern in the order they are
  // tried (ALPN routes in config order, then the one without ALPN).
  struct Range {
    uint32_t begin = 0;
    uint32_t end = 0;
  };
  // The patterns whose base is one name: "x" (exact), "*.x" and ".x".
  struct Patterns {
    Range exact;
    Range wildcard;
    Range suffix;
  };
  // One route as seen from one of its patterns: alpn_[alpn_begin,
  // alpn_end) are its ALPN IDs, none meaning it does not care.
  struct Candidate {
    uint32_t alpn_begin = 0;
    uint32_t alpn_end = 0;
    uint32_t target = 0;
  };
  class Builder;

  ServerNameMatcher() = default;

  std::optional<uint32_t> MatchName(
      std::string_view name,
      absl::FunctionRef<bool(std::string_view)> client_offers_alpn) const;
  std::optional<uint32_t> FirstMatch(
      Range range,
      absl::FunctionRef<bool(std::string_view)> client_offers_alpn) const;

  // Keyed by the lowercase base name, without a trailing dot.
  absl::flat_hash_map<std::string, Patterns> names_;
  Range any_name_;  // Routes with no server names.
  std::vector<Candidate> candidates_;
  std::vector<std::string> alpn_;
  std::optional<uint32_t> default_target_;
  size_t pattern_count_ = 0;
};

}  // namespace ringway::route

#endif  // RINGWAY_DATAPLANE_ROUTE_SERVER_NAME_MATCHER_H_
