#include "dataplane/ring/ring.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace ringway::ring {
namespace {

// Setup flag sets from best to plainest. DEFER_TASKRUN needs SINGLE_ISSUER;
// COOP_TASKRUN is the next best way to avoid IPIs when it is unavailable.
constexpr unsigned kFlagChoices[] = {
    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN,
    IORING_SETUP_COOP_TASKRUN,
    0,
};

// From include/uapi/linux/io_uring.h (6.7); Debian 12's headers predate it.
constexpr uint32_t kSocketUringOpSetsockopt = 3;

void ProbeOps(io_uring* ring, RingFeatures* f) {
  io_uring_probe* probe = io_uring_get_probe_ring(ring);
  if (probe == nullptr) return;
  f->op_socket = io_uring_opcode_supported(probe, IORING_OP_SOCKET);
  f->op_close = io_uring_opcode_supported(probe, IORING_OP_CLOSE);
  bool uring_cmd = io_uring_opcode_supported(probe, IORING_OP_URING_CMD);
  io_uring_free_probe(probe);
  if (!uring_cmd) return;
  // Socket commands exist only from 6.7: try one on a scratch socket.
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  static const int kOne = 1;
  io_uring_sqe* sqe = io_uring_get_sqe(ring);
  if (sqe != nullptr) {
    Ring::PrepSetsockopt(sqe, fd, IPPROTO_TCP, TCP_NODELAY, &kOne);
    io_uring_cqe* cqe = nullptr;
    if (io_uring_submit_and_wait(ring, 1) >= 0 &&
        io_uring_peek_cqe(ring, &cqe) == 0) {
      int value = 0;
      socklen_t length = sizeof(value);
      f->setsockopt_cmd =
          cqe->res == 0 &&
          getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &length) == 0 &&
          value == 1;
      io_uring_cqe_seen(ring, cqe);
    }
  }
  close(fd);
}

}  // namespace

void Ring::PrepSetsockopt(io_uring_sqe* sqe, int fd, int level, int optname,
                          const int* value) {
  io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, nullptr, 0, 0);
  sqe->cmd_op = kSocketUringOpSetsockopt;
  // The 6.7 layout: level and optname share `addr`, optlen sits in
  // `splice_fd_in`, optval in `addr3`.
  sqe->addr = static_cast<uint64_t>(static_cast<uint32_t>(level)) |
              (static_cast<uint64_t>(static_cast<uint32_t>(optname)) << 32);
  sqe->splice_fd_in = sizeof(int);
  sqe->addr3 = reinterpret_cast<uint64_t>(value);
}

std::string RingFeatures::Describe() const {
  return absl::StrFormat(
      "sq=%u cq=%u single_issuer=%d defer_taskrun=%d coop_taskrun=%d "
      "registered_ring_fd=%d op_socket=%d op_close=%d "
      "setsockopt_cmd=%d",
      sq_entries, cq_entries, single_issuer, defer_taskrun, coop_taskrun,
      registered_ring_fd, op_socket, op_close, setsockopt_cmd);
}

absl::StatusOr<std::unique_ptr<Ring>> Ring::Create(unsigned entries) {
  std::unique_ptr<Ring> ring(new Ring());
  int last_error = 0;
  for (unsigned flags : kFlagChoices) {
    io_uring_params params;
    std::memset(&params, 0, sizeof(params));
    params.flags = flags | IORING_SETUP_CQSIZE;
    params.cq_entries = entries * 4;
    last_error = io_uring_queue_init_params(entries, &ring->ring_, &params);
    if (last_error == 0) {
      RingFeatures& f = ring->features_;
      f.single_issuer = flags & IORING_SETUP_SINGLE_ISSUER;
      f.defer_taskrun = flags & IORING_SETUP_DEFER_TASKRUN;
      f.coop_taskrun = flags & IORING_SETUP_COOP_TASKRUN;
      f.sq_entries = params.sq_entries;
      f.cq_entries = params.cq_entries;
      // Saves an fdget/fdput per io_uring_enter; optional.
      f.registered_ring_fd = io_uring_register_ring_fd(&ring->ring_) == 1;
      ProbeOps(&ring->ring_, &f);
      return ring;
    }
    if (last_error != -EINVAL) break;  // EINVAL: flag unknown, try plainer.
  }
  return absl::InternalError(
      absl::StrFormat("io_uring_queue_init: %s", std::strerror(-last_error)));
}

Ring::~Ring() { io_uring_queue_exit(&ring_); }

io_uring_sqe* Ring::GetSqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (sqe == nullptr) {
    ++enters_;
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

int Ring::SubmitAndWait(unsigned wait_nr) {
  ++enters_;
  return io_uring_submit_and_wait(&ring_, wait_nr);
}

int Ring::SubmitAndWaitTimeout(uint64_t timeout_ns) {
  if (timeout_ns == UINT64_MAX) return SubmitAndWait(1);
  __kernel_timespec ts;
  ts.tv_sec = static_cast<int64_t>(timeout_ns / 1'000'000'000);
  ts.tv_nsec = static_cast<int64_t>(timeout_ns % 1'000'000'000);
  io_uring_cqe* cqe = nullptr;
  ++enters_;
  return io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
}

int Ring::Submit() {
  ++enters_;
  return io_uring_submit(&ring_);
}

}  // namespace ringway::ring
