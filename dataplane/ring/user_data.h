// Packs what a completion refers to into io_uring's 64-bit user_data.
//
// Layout: [op: 8][slot: 24][generation: 32]. The generation makes a late
// completion for a reused connection slot recognisable as stale.

#ifndef RINGWAY_DATAPLANE_RING_USER_DATA_H_
#define RINGWAY_DATAPLANE_RING_USER_DATA_H_

#include <cstdint>

namespace ringway::ring {

// Completions nobody waits for (cancels, closes): dropped by the loop.
inline constexpr uint8_t kOpIgnore = 0;

struct UserData {
  uint8_t op;
  uint32_t slot;        // 24 bits used
  uint32_t generation;  // wraps; compared for equality only

  static constexpr uint32_t kMaxSlot = (1u << 24) - 1;

  constexpr uint64_t Pack() const {
    return (static_cast<uint64_t>(op) << 56) |
           (static_cast<uint64_t>(slot & kMaxSlot) << 32) | generation;
  }
  static constexpr UserData Unpack(uint64_t v) {
    return UserData{static_cast<uint8_t>(v >> 56),
                    static_cast<uint32_t>((v >> 32) & kMaxSlot),
                    static_cast<uint32_t>(v)};
  }
};

}  // namespace ringway::ring

#endif  // RINGWAY_DATAPLANE_RING_USER_DATA_H_
