// Shard-local pool of peek buffers, by payload capacity, so peeking at a
// connection's first bytes allocates nothing after warm-up.

#ifndef RINGWAY_DATAPLANE_CONN_PEEK_BUFFER_POOL_H_
#define RINGWAY_DATAPLANE_CONN_PEEK_BUFFER_POOL_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/conn/peek_buffer.h"

namespace ringway::conn {

class PeekBufferPool {
 public:
  ~PeekBufferPool() {
    for (auto& [capacity, blocks] : free_) {
      for (uint8_t* block : blocks) delete[] block;
    }
  }

  PeekBuffer Acquire(uint32_t capacity) {
    for (auto& [size, blocks] : free_) {
      if (size == capacity && !blocks.empty()) {
        uint8_t* block = blocks.back();
        blocks.pop_back();
        return PeekBuffer{block, capacity, 0};
      }
    }
    return PeekBuffer{new uint8_t[PeekBuffer::kHeadroom + capacity], capacity,
                      0};
  }

  void Release(PeekBuffer& buffer) {
    if (buffer.block == nullptr) return;
    for (auto& [size, blocks] : free_) {
      if (size == buffer.capacity) {
        if (blocks.size() < kMaxIdlePerSize) {
          blocks.push_back(buffer.block);
        } else {
          delete[] buffer.block;
        }
        buffer = PeekBuffer{};
        return;
      }
    }
    free_.push_back({buffer.capacity, {buffer.block}});
    buffer = PeekBuffer{};
  }

 private:
  static constexpr size_t kMaxIdlePerSize = 1024;
  // Few distinct sizes (one per listener limit): a vector beats a map.
  std::vector<std::pair<uint32_t, std::vector<uint8_t*>>> free_;
};

}  // namespace ringway::conn

#endif  // RINGWAY_DATAPLANE_CONN_PEEK_BUFFER_POOL_H_
