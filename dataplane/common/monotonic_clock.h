// Monotonic time in nanoseconds, read through the vDSO (no system call).
//
// Shards read it once per loop iteration and use that value for every
// timestamp in the iteration (idle tracking, deadlines).

#ifndef RINGWAY_DATAPLANE_COMMON_MONOTONIC_CLOCK_H_
#define RINGWAY_DATAPLANE_COMMON_MONOTONIC_CLOCK_H_

#include <time.h>

#include <cstdint>

namespace ringway {

inline uint64_t MonotonicNowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull +
         static_cast<uint64_t>(ts.tv_nsec);
}

constexpr uint64_t kNsPerMs = 1'000'000ull;

}  // namespace ringway

#endif  // RINGWAY_DATAPLANE_COMMON_MONOTONIC_CLOCK_H_
