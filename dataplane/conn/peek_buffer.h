// Bytes read while choosing a connection's route, with headroom in front so
// the outgoing PROXY header can be written right before them and both sent
// in one send. Shard-local; pooled by size (peek_buffer_pool.h).

#ifndef RINGWAY_DATAPLANE_CONN_PEEK_BUFFER_H_
#define RINGWAY_DATAPLANE_CONN_PEEK_BUFFER_H_

#include <cstdint>

namespace ringway::conn {

struct PeekBuffer {
  static constexpr uint32_t kHeadroom = 1024;  // > largest v2 header we send
  uint8_t* block = nullptr;                    // kHeadroom + capacity bytes
  uint32_t capacity = 0;  // bytes of payload room after the headroom
  uint32_t length = 0;    // payload bytes received
  uint8_t* payload() const { return block + kHeadroom; }
};

}  // namespace ringway::conn

#endif  // RINGWAY_DATAPLANE_CONN_PEEK_BUFFER_H_
