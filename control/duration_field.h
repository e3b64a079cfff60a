// Durations in the config are proto3 uint32 milliseconds in which 0 means
// "not set, take the default"; the route snapshot keeps nanoseconds. One
// conversion for every compiler of the table:
//
//   out.idle_timeout_ns = DurationFieldNs(in.idle_timeout_ms(), 600'000);

#ifndef RINGWAY_CONTROL_DURATION_FIELD_H_
#define RINGWAY_CONTROL_DURATION_FIELD_H_

#include <cstdint>

#include "dataplane/common/monotonic_clock.h"

namespace ringway::control {

inline uint64_t DurationFieldNs(uint32_t ms, uint32_t default_ms) {
  return uint64_t{ms != 0 ? ms : default_ms} * kNsPerMs;
}

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_DURATION_FIELD_H_
