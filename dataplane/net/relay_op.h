// Operation codes carried in user_data for shard completions.

#ifndef RINGWAY_DATAPLANE_NET_RELAY_OP_H_
#define RINGWAY_DATAPLANE_NET_RELAY_OP_H_

#include <cstdint>

namespace ringway::net {

enum RelayOp : uint8_t {
  // Shard-level (slot is a listener index or unused).
  kOpAccept = 1,
  kOpMailboxWake,
  kOpTick,
  kOpIgnore,  // completions nobody waits for (cancels, closes)
  // Connection-level (slot + generation name a connection).
  kOpConnect,
  kOpConnectTimeout,
  kOpShutdown,
  kOpCancel,
  kOpPeekRecv,      // multishot recv of the first bytes (provided buffers)
  kOpPreambleSend,  // PROXY header + peeked bytes to the upstream
  // Per direction: op + direction (0 client→upstream, 1 upstream→client).
  kOpPollIn0,
  kOpPollIn1,
  kOpSpliceIn0,
  kOpSpliceIn1,
  kOpPollOut0,
  kOpPollOut1,
  kOpSpliceOut0,
  kOpSpliceOut1,
};

}  // namespace ringway::net

#endif  // RINGWAY_DATAPLANE_NET_RELAY_OP_H_
