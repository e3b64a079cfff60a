// One side of a proxied connection: its socket, how bytes are read from it,
// and whether it may be written to.
//
// Bytes read from an endpoint go to the other endpoint of the connection.
// Two transports carry them:
//  - recv/send: a multishot recv fills provided buffers, which wait in
//    `received` until the send to the peer that used them completes. No
//    pipe, no copy; right for small messages (and, later, TLS and HTTP,
//    which need the bytes in user space).
//  - splice: bulk bytes go socket → pipe → socket without entering user
//    space. An endpoint switches to it once a read fills a whole buffer (or
//    the peer falls behind), so a 100-byte exchange never pays for pipes.
// With kTLS (`ktls`) the kernel seals and opens the socket's TLS records:
// splice moves plaintext, and records that are not application data
// (alerts, TLS 1.3 tickets and KeyUpdates) stop a splice with EINVAL and
// are read whole with recvmsg (tls/ktls_control_records.h).
// Shard-local.

#ifndef RINGWAY_DATAPLANE_CONN_ENDPOINT_H_
#define RINGWAY_DATAPLANE_CONN_ENDPOINT_H_

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>

#include "dataplane/buffer/buffer_chain.h"
#include "dataplane/io/pipe_pool.h"

namespace ringway::conn {

enum class Transport : uint8_t { kRecvSend, kSplice };

struct Endpoint {
  int fd = -1;

  // Reading from this socket.
  Transport transport = Transport::kRecvSend;
  bool recv_armed = false;       // multishot recv in flight
  bool to_splice = false;        // switch to splice once recv ended and drained
  bool poll_armed = false;       // splice: multishot POLLIN in flight
  bool pipe_full = false;        // splice: the last splice-in found no room
  bool eof = false;              // the peer sent FIN (or we stopped reading)
  buffer::BufferChain received;  // read, not yet written to the other side
  io::Pipe pipe;                 // splice: read here, written to the other
  uint32_t in_pipe = 0;          // bytes in `pipe`
  bool ktls = false;             // the kernel does this socket's TLS records
  bool close_notify = false;     // kTLS: the peer ended its stream cleanly

  // Writing to this socket.
  bool writable = false;             // connected (and any preamble sent)
  bool sending = false;              // a send, or a wait for POLLOUT, in flight
  bool shut = false;                 // our FIN sent (shutdown or close)
  bool close_notify_polled = false;  // kTLS: POLLOUT seen before it
  bool close_notify_sent = false;    // kTLS: our close_notify went out
  // A gathered send of several queued buffers: read by the kernel until
  // the send completes, so it lives here, not on the stack.
  static constexpr size_t kMaxGather = 8;
  iovec gather[kMaxGather];
  msghdr gather_msg;
};

}  // namespace ringway::conn

#endif  // RINGWAY_DATAPLANE_CONN_ENDPOINT_H_
