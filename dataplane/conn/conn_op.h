// Operation codes that connection state machines put in user_data.
//
// Values below kFirstConnectionOp belong to the shard (accept, mailbox);
// ring::kOpIgnore (0) marks completions nobody waits for. The shard hands
// every completion whose op is a ConnOp to the connection it names.

#ifndef RINGWAY_DATAPLANE_CONN_CONN_OP_H_
#define RINGWAY_DATAPLANE_CONN_CONN_OP_H_

#include <cstdint>

namespace ringway::conn {

inline constexpr uint8_t kFirstConnectionOp = 16;

enum ConnOp : uint8_t {
  kOpSocket = kFirstConnectionOp,  // IORING_OP_SOCKET for the upstream
  kOpConnect,
  kOpCancel,
  kOpPreambleSend,  // PROXY header + peeked bytes to the upstream
  // Per direction: op + d, where d is the side bytes are read from (0
  // client, 1 upstream) and 1 - d the side they are written to.
  kOpRecv0,  // multishot recv from side d (provided buffers)
  kOpRecv1,
  kOpSend0,  // send to side 1 - d of bytes read from side d
  kOpSend1,
  kOpPollIn0,  // splice: multishot POLLIN on side d
  kOpPollIn1,
  kOpPollOut0,  // splice: side 1 - d's socket buffer was full
  kOpPollOut1,
  // HTTP listeners (http_proxy.h): one single-shot operation of each kind
  // in flight at a time.
  kOpHttpClientRecv,
  kOpHttpClientSend,
  kOpHttpUpstreamRecv,
  kOpHttpUpstreamSend,
  kOpHttpUpstreamCancel,  // cancel of the upstream socket's operations
  // HTTP bodies moved by splice, per source side d (as kOpPollIn0 above).
  kOpHttpBodyPollIn0,  // POLLIN on side d
  kOpHttpBodyPollIn1,
  kOpHttpBodyPollOut0,  // POLLOUT on side 1 - d
  kOpHttpBodyPollOut1,
  // kTLS: room on the socket before close_notify.
  kOpHttpClientPollOut,
  kOpHttpUpstreamPollOut,
  kOpLastConnectionOp = kOpHttpUpstreamPollOut,
};

}  // namespace ringway::conn

#endif  // RINGWAY_DATAPLANE_CONN_CONN_OP_H_
