// Socket options of a fresh upstream socket, set before its connect.
//
// TCP_NODELAY: relayed writes go out as they come (nginx's `tcp_nodelay
// on`).
//
// The handshake's last ACK rides on our first bytes when they are ready to
// go as soon as the connect completes (a ClientHello or PROXY header
// peeked or written before connecting, a client's bytes already read, an
// HTTP request): with quick-ACK mode off (TCP_QUICKACK 0) before connect,
// Linux delays the ACK that completes the handshake ("save one ACK",
// tcp_rcv_synsent_state_process) and sends it with the first data. One
// segment fewer per upstream connection, processed on this CPU by the
// server's listener on loopback, and the server's accept finds the bytes
// there. The socket enters quick-ACK mode on its own once connected, so
// nothing else changes. Not when nothing is ready: a server that speaks
// first would not see the connection until the delayed ACK's timer (up to
// 200 ms).

#ifndef RINGWAY_DATAPLANE_CONN_UPSTREAM_SOCKET_H_
#define RINGWAY_DATAPLANE_CONN_UPSTREAM_SOCKET_H_

#include "dataplane/ring/ring.h"

namespace ringway::conn {

// Through io_uring socket commands where the ring has them (completions
// skipped on success), else setsockopt(2).
void PrepareUpstreamSocket(ring::Ring& ring, int fd, bool bytes_ready);

}  // namespace ringway::conn

#endif  // RINGWAY_DATAPLANE_CONN_UPSTREAM_SOCKET_H_
