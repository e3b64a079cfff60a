// Cancelling a connection's operations in flight. A cancel is an operation
// of its own, tagged `done_op` (kOpCancel unless the state machine waits
// for that one), and counted in conn.inflight like any other; what it
// cancels still completes (-ECANCELED) under its own tag.

#ifndef RINGWAY_DATAPLANE_CONN_OP_CANCEL_H_
#define RINGWAY_DATAPLANE_CONN_OP_CANCEL_H_

#include <cstdint>

#include "dataplane/conn/conn_op.h"
#include "dataplane/conn/connection.h"
#include "dataplane/ring/ring.h"

namespace ringway::conn {

// The connection's operation tagged `op`: a hash lookup in the ring's
// cancel table.
void CancelOp(ring::Ring& ring, Connection& conn, uint8_t op,
              uint8_t done_op = kOpCancel);

// Every operation on socket `fd`: walks every bucket of the ring's cancel
// table, so only for when more than known operations may be in flight.
void CancelOnSocket(ring::Ring& ring, Connection& conn, int fd,
                    uint8_t done_op = kOpCancel);

}  // namespace ringway::conn

#endif  // RINGWAY_DATAPLANE_CONN_OP_CANCEL_H_
