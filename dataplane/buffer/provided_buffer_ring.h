// A ring of fixed-size buffers provided to the kernel (io_uring buffer
// group), which multishot receives fill without a buffer per pending recv.
//
// Rule: a buffer goes back to the ring (Recycle) only when nothing reads it
// any more; ringway copies peeked bytes out at once, so it recycles in the
// same completion. Shard-local: registered on, and used from, one ring.

#ifndef RINGWAY_DATAPLANE_BUFFER_PROVIDED_BUFFER_RING_H_
#define RINGWAY_DATAPLANE_BUFFER_PROVIDED_BUFFER_RING_H_

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"

namespace ringway::buffer {

class ProvidedBufferRing {
 public:
  // entries: a power of two. Registers group `group_id` on `ring`.
  static absl::StatusOr<std::unique_ptr<ProvidedBufferRing>> Create(
      io_uring* ring, uint16_t group_id, uint32_t entries,
      uint32_t buffer_bytes);
  ~ProvidedBufferRing();
  ProvidedBufferRing(const ProvidedBufferRing&) = delete;
  ProvidedBufferRing& operator=(const ProvidedBufferRing&) = delete;

  uint16_t group_id() const { return group_id_; }
  uint32_t buffer_bytes() const { return buffer_bytes_; }
  // The buffer a completion with IORING_CQE_F_BUFFER names.
  static uint16_t BufferId(uint32_t cqe_flags) {
    return static_cast<uint16_t>(cqe_flags >> IORING_CQE_BUFFER_SHIFT);
  }
  const uint8_t* Data(uint16_t id) const {
    return memory_.get() + static_cast<size_t>(id) * buffer_bytes_;
  }
  // Hands buffer `id` back to the kernel.
  void Recycle(uint16_t id);

 private:
  ProvidedBufferRing() = default;

  io_uring* ring_ = nullptr;
  io_uring_buf_ring* buf_ring_ = nullptr;
  size_t ring_bytes_ = 0;
  uint16_t group_id_ = 0;
  uint32_t entries_ = 0;
  uint32_t buffer_bytes_ = 0;
  std::unique_ptr<uint8_t[]> memory_;
};

}  // namespace ringway::buffer

#endif  // RINGWAY_DATAPLANE_BUFFER_PROVIDED_BUFFER_RING_H_
