#include "dataplane/conn/upstream_socket.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "dataplane/ring/user_data.h"

namespace ringway::conn {
namespace {

// Read by the kernel when the socket command is issued (at submit).
const int kOne = 1;
const int kZero = 0;

void SetTcpOption(ring::Ring& ring, int fd, int option, const int* value) {
  if (ring.features().setsockopt_cmd) {
    io_uring_sqe* sqe = ring.GetSqe();
    ring::Ring::PrepSetsockopt(sqe, fd, IPPROTO_TCP, option, value);
    io_uring_sqe_set_data64(sqe, ring::UserData{ring::kOpIgnore, 0, 0}.Pack());
    sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
  } else {
    setsockopt(fd, IPPROTO_TCP, option, value, sizeof(*value));
  }
}

}  // namespace

void PrepareUpstreamSocket(ring::Ring& ring, int fd, bool bytes_ready) {
  SetTcpOption(ring, fd, TCP_NODELAY, &kOne);
  if (bytes_ready) SetTcpOption(ring, fd, TCP_QUICKACK, &kZero);
}

}  // namespace ringway::conn
