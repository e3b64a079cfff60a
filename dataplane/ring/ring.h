// One io_uring instance, owned and driven by exactly one shard thread.
//
// This is the only place (with ring.cc) that sets up rings: flags are probed
// once, from the most efficient set down to plain, and what was granted is
// kept in RingFeatures for logs and tests. A full submission queue is
// flushed and retried, never dropped.
//
//   auto ring = Ring::Create(4096);
//   io_uring_sqe* sqe = (*ring)->GetSqe();
//   io_uring_prep_nop(sqe);
//   (*ring)->SubmitAndWait(1);
//   (*ring)->ForEachCompletion([](const io_uring_cqe& cqe) { ... });

#ifndef RINGWAY_DATAPLANE_RING_RING_H_
#define RINGWAY_DATAPLANE_RING_RING_H_

#include <liburing.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace ringway::ring {

// What the kernel granted at setup. Shard-local, immutable after Create.
struct RingFeatures {
  bool single_issuer = false;  // IORING_SETUP_SINGLE_ISSUER (6.0+)
  bool defer_taskrun = false;  // IORING_SETUP_DEFER_TASKRUN (6.1+)
  bool coop_taskrun = false;   // IORING_SETUP_COOP_TASKRUN (5.19+)
  bool registered_ring_fd = false;
  // Operations probed at setup; without one, callers use the system call.
  bool op_socket = false;  // IORING_OP_SOCKET (5.19+)
  bool op_close = false;   // IORING_OP_CLOSE (5.6+)
  // IORING_OP_URING_CMD with SOCKET_URING_OP_SETSOCKOPT (6.7+), tried once
  // on a scratch socket: the opcode probe cannot tell socket commands apart.
  bool setsockopt_cmd = false;
  unsigned sq_entries = 0;
  unsigned cq_entries = 0;

  std::string Describe() const;
};

class Ring {
 public:
  // entries: submission queue size; the completion queue gets 4x as many so
  // multishot operations rarely overflow it.
  static absl::StatusOr<std::unique_ptr<Ring>> Create(unsigned entries);

  ~Ring();
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  // Never returns null: when the queue is full it submits what is queued
  // and takes the freed slot.
  io_uring_sqe* GetSqe();

  // Submits queued entries and waits for at least `wait_nr` completions.
  // Returns the number submitted or -errno (-EINTR and -ETIME are normal).
  int SubmitAndWait(unsigned wait_nr);
  // As SubmitAndWait(1), but returns after `timeout_ns` at the latest
  // (-ETIME); one io_uring_enter, no timeout SQE. UINT64_MAX: no limit.
  int SubmitAndWaitTimeout(uint64_t timeout_ns);
  int Submit();

  // setsockopt(fd, level, optname, value) as an SQE. The kernel reads
  // *value when the SQE is issued (at submit): it must live until then.
  // Only when features().setsockopt_cmd.
  static void PrepSetsockopt(io_uring_sqe* sqe, int fd, int level, int optname,
                             const int* value);

  // Calls handle(cqe) for every ready completion and advances the queue
  // once for the whole batch. Returns how many were handled.
  template <typename Handler>
  unsigned ForEachCompletion(Handler&& handle) {
    unsigned head;
    unsigned count = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      handle(*cqe);
      ++count;
    }
    io_uring_cq_advance(&ring_, count);
    return count;
  }

  // Calls look(cqe) for every ready completion, leaving them all in the
  // queue for ForEachCompletion.
  template <typename Look>
  void PeekCompletions(Look&& look) {
    unsigned head;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) { look(*cqe); }
  }

  // Whether completions wait in the kernel's overflow list (the queue was
  // full): they come after every completion now in the queue.
  bool CompletionsOverflowed() const {
    return IO_URING_READ_ONCE(*ring_.sq.kflags) & IORING_SQ_CQ_OVERFLOW;
  }

  // How many times this ring has entered the kernel to submit or wait
  // (including a flush of a full queue inside GetSqe). An enter may run
  // deferred task work (multishot accepts among it): a caller that
  // reasons about what the kernel wrote since some point compares this.
  uint64_t enters() const { return enters_; }

  io_uring* raw() { return &ring_; }
  const RingFeatures& features() const { return features_; }

 private:
  Ring() = default;

  io_uring ring_{};
  RingFeatures features_;
  uint64_t enters_ = 0;
};

}  // namespace ringway::ring

#endif  // RINGWAY_DATAPLANE_RING_RING_H_
