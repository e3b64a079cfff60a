// Choosing an upstream server for a connection and accounting for each
// connect attempt, shared by the L4 relay and the HTTP proxy: the group's
// balancing policy picks the first server, a failed attempt counts towards
// the server's passive health and moves to the next available one.
// Shard-local.
//
//   BeginUpstreamAttempts(conn, g, now);    // conn.group, attempts, first
//   while (attempts left) {
//     TakeNextServer(conn, now);            // conn.server = the one to try
//     ... connect ...
//     ok ? CountConnected(conn, stats) : CountConnectFailure(...);
//   }

#ifndef RINGWAY_DATAPLANE_CONN_UPSTREAM_ATTEMPT_H_
#define RINGWAY_DATAPLANE_CONN_UPSTREAM_ATTEMPT_H_

#include <cstdint>
#include <string_view>

#include "dataplane/conn/connection.h"
#include "dataplane/stats/shard_stats.h"

namespace ringway::conn {

// Sets conn.group* and attempts_left and picks the first server (by the
// group's policy; conn.client_address must be known for client hashing).
void BeginUpstreamAttempts(Connection& conn, uint32_t group, uint64_t now_ns);

// Uses one attempt: conn.server becomes the server to try, and the one
// after it (next available in group order) is lined up for a retry.
void TakeNextServer(Connection& conn, uint64_t now_ns);

// Makes the server just tried the next one to try again (a kept connection
// found closed: the server was alive a moment ago).
void RetrySameServer(Connection& conn);

// The connect to conn.server succeeded: counters, the connection counted in
// the server's active ones. `healthy`: the connect alone proves the server
// works (plain L4), so its failure count restarts; otherwise the caller
// calls upstream::RecordSuccess once it does (TLS handshake done, response
// head read), so a server that accepts and then fails still adds up to
// max_fails.
// `now_ns`: when the connect completed (its duration is observed).
void CountConnected(Connection& conn, stats::ShardStats& stats, bool healthy,
                    uint64_t now_ns);

// The connect to conn.server failed (`res` a negative errno; -ECANCELED
// with conn.connect_timed_out for a timeout), or its TLS handshake did
// (`tls_reason` set): counters, passive health, one log line.
void CountConnectFailure(Connection& conn, int32_t res,
                         std::string_view tls_reason, stats::ShardStats& stats,
                         int shard_id, uint64_t now_ns);

}  // namespace ringway::conn

#endif  // RINGWAY_DATAPLANE_CONN_UPSTREAM_ATTEMPT_H_
