// Turns route-table text (protobuf text format, proto/ringway_config.proto)
// into an immutable RouteSnapshot, or into the complete list of what is
// wrong with it.
//
// Control-thread only. Every error names the field path and the problem, in
// the order found, e.g.
//   listeners[1].tcp_proxy.upstream_group: unknown upstream group "db"
// A table with any error produces no snapshot at all.

#ifndef RINGWAY_CONTROL_CONFIG_COMPILER_H_
#define RINGWAY_CONTROL_CONFIG_COMPILER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/route/route_snapshot.h"
#include "dataplane/tls/ticket_keys.h"
#include "proto/ringway_config.pb.h"

namespace ringway::control {

class AccessLogFiles;  // access_log_files.h

struct CompileResult {
  std::vector<std::string> errors;  // empty on success
  config::Config config;
  // Set on success; version, source and applied_at are left for the caller.
  std::shared_ptr<route::RouteSnapshot> snapshot;

  bool ok() const { return errors.empty(); }
};

struct CompileOptions {
  // Seals TLS session tickets of HTTPS listeners. The same source for
  // every table of a process, so tickets outlive a route apply. nullptr:
  // no tickets, whatever session_tickets says.
  std::shared_ptr<const tls::TicketKeySource> ticket_keys;
  // Where listeners' access logs are opened; nullptr: the process's
  // (AccessLogFiles::Process()).
  AccessLogFiles* access_logs = nullptr;
};

// Parses, validates and compiles in one pass over the whole table.
// Certificate and key files named by HTTPS listeners are read here.
CompileResult CompileConfigText(std::string_view text,
                                const CompileOptions& options);
// The same with a process-wide ticket key source made on first use.
CompileResult CompileConfigText(std::string_view text);

// The canonical text of a config: what `routes show` prints, what the
// content hash and `routes diff` are computed over.
std::string CanonicalText(const config::Config& config);
std::string ContentHash(std::string_view canonical_text);

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_CONFIG_COMPILER_H_
