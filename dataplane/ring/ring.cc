#include "dataplane/ring/ring.h"

#include <cerrno>
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

}  // namespace

std::string RingFeatures::Describe() const {
  return absl::StrFormat(
      "sq=%u cq=%u single_issuer=%d defer_taskrun=%d coop_taskrun=%d "
      "registered_ring_fd=%d",
      sq_entries, cq_entries, single_issuer, defer_taskrun, coop_taskrun,
      registered_ring_fd);
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
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

int Ring::SubmitAndWait(unsigned wait_nr) {
  return io_uring_submit_and_wait(&ring_, wait_nr);
}

int Ring::Submit() { return io_uring_submit(&ring_); }

}  // namespace ringway::ring
