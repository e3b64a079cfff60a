// Listening sockets for one listener: one SO_REUSEPORT socket per shard,
// with a classic BPF program that steers each new connection to the shard
// pinned to the CPU that received it.
//
// Why: the CPU that processed the SYN (the NIC queue's CPU, or the sender's
// CPU on loopback) already has the socket hot in cache; accepting it there
// keeps the whole connection on one core.

#ifndef RINGWAY_DATAPLANE_NET_LISTEN_SOCKET_H_
#define RINGWAY_DATAPLANE_NET_LISTEN_SOCKET_H_

#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/address/socket_address.h"

namespace ringway::net {

// Socket options of one listener, the same on every shard's socket.
struct ListenOptions {
  int backlog = 4096;  // listen(2) backlog per socket
  // TCP_DEFER_ACCEPT: a connection is accepted only once the client's first
  // bytes (or its FIN) arrive, so accept and first read are one wake-up,
  // and a client that never speaks costs the kernel a request socket, not
  // a connection slot. After this many seconds of silence the kernel
  // accepts it anyway. 0: accept at the end of the handshake.
  int defer_accept_s = 0;
};

// Opens one listening socket per shard on `address`, in shard order (the
// reuseport group index is the order of listen()), and attaches a program
// mapping cpu_of_shard[i] -> i. Returns the fds in shard order; on error
// closes what it opened. `bound` receives the actual address (port 0 →
// kernel-chosen port, shared by every socket of the group).
absl::StatusOr<std::vector<int>> OpenReusePortGroup(
    const address::SocketAddress& address, const std::vector<int>& cpu_of_shard,
    const ListenOptions& options, address::SocketAddress* bound);

}  // namespace ringway::net

#endif  // RINGWAY_DATAPLANE_NET_LISTEN_SOCKET_H_
