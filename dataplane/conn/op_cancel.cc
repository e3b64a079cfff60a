#include "dataplane/conn/op_cancel.h"

namespace ringway::conn {

void CancelOp(ring::Ring& ring, Connection& conn, uint8_t op, uint8_t done_op) {
  io_uring_sqe* sqe = ring.GetSqe();
  io_uring_prep_cancel64(sqe, Tag(conn, op), 0);
  io_uring_sqe_set_data64(sqe, Tag(conn, done_op));
  ++conn.inflight;
}

void CancelOnSocket(ring::Ring& ring, Connection& conn, int fd,
                    uint8_t done_op) {
  io_uring_sqe* sqe = ring.GetSqe();
  io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, Tag(conn, done_op));
  ++conn.inflight;
}

}  // namespace ringway::conn
