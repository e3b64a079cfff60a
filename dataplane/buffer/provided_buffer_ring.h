// A ring of fixed-size buffers provided to the kernel (io_uring buffer
// group), which multishot receives fill without a buffer per pending recv.
//
// Rule: a buffer goes back to the ring (Recycle) only when nothing reads it
// any more: peeked bytes are copied out and recycled in the same completion;
// relayed bytes wait in a BufferChain until the send that used them
// completes. Shard-local: registered on, and used from, one ring.

#ifndef RINGWAY_DATAPLANE_BUFFER_PROVIDED_BUFFER_RING_H_
#define RINGWAY_DATAPLANE_BUFFER_PROVIDED_BUFFER_RING_H_

#include <liburing.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "absl/status/statusor.h"
#include "dataplane/buffer/buffer_chain.h"

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
  uint32_t entries() const { return entries_; }

  // BufferChain operations (see buffer_chain.h). `id` came from a receive
  // completion with `length` bytes.
  void Append(BufferChain* chain, uint16_t id, uint32_t length);
  // The unconsumed bytes of the first buffer; empty span if none.
  std::span<const uint8_t> Front(const BufferChain& chain) const;
  // Fills up to `max` iovecs with the chain's unconsumed bytes, in order,
  // for one gathered send; returns how many it filled.
  size_t Gather(const BufferChain& chain, iovec* iov, size_t max) const;
  // Drops `n` bytes from the front (n <= chain->bytes), recycling every
  // buffer whose last byte was consumed.
  void Consume(BufferChain* chain, uint32_t n);
  // Recycles every buffer (connection closed; nothing in flight uses them).
  void Release(BufferChain* chain);

 private:
  ProvidedBufferRing() = default;

  io_uring* ring_ = nullptr;
  io_uring_buf_ring* buf_ring_ = nullptr;
  size_t ring_bytes_ = 0;
  uint16_t group_id_ = 0;
  uint32_t entries_ = 0;
  uint32_t buffer_bytes_ = 0;
  std::unique_ptr<uint8_t[]> memory_;
  // Per buffer, while a chain holds it: the next buffer in that chain, and
  // the [offset, end) range still to send.
  struct Link {
    uint16_t next;
    uint32_t offset;
    uint32_t end;
  };
  std::unique_ptr<Link[]> links_;
};

}  // namespace ringway::buffer

#endif  // RINGWAY_DATAPLANE_BUFFER_PROVIDED_BUFFER_RING_H_
