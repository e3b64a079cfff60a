// The access log lines of connections and HTTP requests: what a Connection
// (and its HttpState) learnt, turned into an accesslog::AccessEntry and
// queued on the shard's AccessLogWriter. Called only for listeners with an
// access log.

#ifndef RINGWAY_DATAPLANE_CONN_ACCESS_LOG_LINES_H_
#define RINGWAY_DATAPLANE_CONN_ACCESS_LOG_LINES_H_

#include <cstdint>
#include <string_view>

#include "dataplane/accesslog/access_log_writer.h"
#include "dataplane/conn/connection.h"

namespace ringway::conn {

// An L4 connection (tcp_proxy, tls_passthrough, and tls_terminate's stream
// mode), when it ends: bytes and durations over its whole life. Its
// client's address must be known (Connection::client_known).
void LogConnection(accesslog::AccessLogWriter& writer, const Connection& conn,
                   uint64_t now_ns);

// The HTTP request in progress on `conn`, when its response is complete
// (`end` kDone) or the connection ends inside it.
void LogHttpRequest(accesslog::AccessLogWriter& writer, const Connection& conn,
                    uint64_t now_ns, CloseReason end);

}  // namespace ringway::conn

#endif  // RINGWAY_DATAPLANE_CONN_ACCESS_LOG_LINES_H_
