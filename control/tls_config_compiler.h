// The TLS parts of a route table: a terminating listener's certificates
// and options (TlsTermination) and an upstream group's re-encryption
// settings (UpstreamTls), loaded into the shared, immutable configs the
// shards build their TLS contexts from. Files are read here, at apply
// time, so an apply picks up renewed certificates.
//
// Control-thread only. Errors are appended to `errors`, each naming its
// field path ("upstream_groups[0].tls.trusted_ca_file: cannot read ...");
// on any error the result is null.

#ifndef RINGWAY_CONTROL_TLS_CONFIG_COMPILER_H_
#define RINGWAY_CONTROL_TLS_CONFIG_COMPILER_H_

#include <memory>
#include <string>
#include <vector>

#include "dataplane/tls/client_context.h"
#include "dataplane/tls/server_context.h"
#include "dataplane/tls/ticket_keys.h"
#include "proto/ringway_config.pb.h"

namespace ringway::control {

// `ticket_keys` seals session tickets unless the listener turns them off.
std::shared_ptr<const tls::ServerTlsConfig> CompileTlsTermination(
    const config::TlsTermination& in, const std::string& path,
    std::shared_ptr<const tls::TicketKeySource> ticket_keys,
    std::vector<std::string>* errors);

std::shared_ptr<const tls::ClientTlsConfig> CompileUpstreamTls(
    const config::UpstreamTls& in, const std::string& path,
    std::vector<std::string>* errors);

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_TLS_CONFIG_COMPILER_H_
