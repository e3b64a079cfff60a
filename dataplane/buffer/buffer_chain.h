// A FIFO of received bytes held in provided buffers, in arrival order.
//
// Each buffer is owned by the chain from the receive that filled it until
// the send that used its last byte completes; only then does it go back to
// the kernel. Links live in the ProvidedBufferRing's per-buffer metadata, so
// a chain is four words and appending allocates nothing. Shard-local.
//
//   ring.Append(&chain, id, length);          // a recv completion
//   std::span<const uint8_t> next = ring.Front(chain);
//   ... send(next) completes with n ...
//   ring.Consume(&chain, n);                  // recycles finished buffers

#ifndef RINGWAY_DATAPLANE_BUFFER_BUFFER_CHAIN_H_
#define RINGWAY_DATAPLANE_BUFFER_BUFFER_CHAIN_H_

#include <cstdint>

namespace ringway::buffer {

struct BufferChain {
  static constexpr uint16_t kNone = 0xffff;
  uint16_t head = kNone;
  uint16_t tail = kNone;
  uint16_t count = 0;  // buffers held
  uint32_t bytes = 0;  // bytes not yet consumed

  bool empty() const { return head == kNone; }
};

}  // namespace ringway::buffer

#endif  // RINGWAY_DATAPLANE_BUFFER_BUFFER_CHAIN_H_
