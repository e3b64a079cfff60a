// Log lines about bad input that a flood of bad input cannot turn into a
// flood of lines. Each reason may write `burst` lines, refilled at `burst`
// per `interval`; lines over that are counted, not written, and the next
// line written for the reason says how many were held back. One limiter
// per shard (and one for the admin socket): no locks, no atomics.
//
//   uint64_t held = 0;
//   if (limiter.Allow(LogReason::kProxyHeader, now_ns, &held)) {
//     RINGWAY_LOG(kWarning, "malformed PROXY header from %s%s", addr,
//                 SuppressedNote(held));
//   }
//
// RINGWAY_LOG_LIMITED below does exactly that.

#ifndef RINGWAY_DATAPLANE_COMMON_LOG_LIMITER_H_
#define RINGWAY_DATAPLANE_COMMON_LOG_LIMITER_H_

#include <array>
#include <cstdint>
#include <string>

#include "dataplane/common/log.h"

namespace ringway {

enum class LogReason : uint8_t {
  kClientHello,   // malformed, too large, not TLS, no route
  kProxyHeader,   // malformed, missing, untrusted
  kHttpRequest,   // malformed request head or body
  kTlsHandshake,  // a client's handshake failed
  kTlsRecord,     // a client's or server's record after the handshake
  kAdminRequest,  // the admin socket
  kAccessLog,     // an access log write failed
  kCount,
};

class LogLimiter {
 public:
  static constexpr uint32_t kDefaultBurst = 10;
  static constexpr uint64_t kDefaultIntervalNs = 1'000'000'000;

  explicit LogLimiter(uint32_t burst = kDefaultBurst,
                      uint64_t interval_ns = kDefaultIntervalNs)
      : burst_(burst), interval_ns_(interval_ns) {}

  // True if a line for `reason` may be written at `now_ns` (monotonic);
  // then `*held_back` is how many were not written since the last one.
  bool Allow(LogReason reason, uint64_t now_ns, uint64_t* held_back);

  // Lines held back, by reason, over the limiter's life.
  uint64_t suppressed(LogReason reason) const {
    return buckets_[static_cast<size_t>(reason)].suppressed_total;
  }

 private:
  struct Bucket {
    double tokens = -1;  // < 0: never used (starts full)
    uint64_t refilled_ns = 0;
    uint64_t held_back = 0;  // since the last line written
    uint64_t suppressed_total = 0;
  };

  uint32_t burst_;
  uint64_t interval_ns_;
  std::array<Bucket, static_cast<size_t>(LogReason::kCount)> buckets_{};
};

// " (N similar lines suppressed)", or "" for 0.
std::string SuppressedNote(uint64_t held_back);

}  // namespace ringway

#define RINGWAY_LOG_LIMITED(limiter, reason, now_ns, level, format, ...) \
  do {                                                                   \
    uint64_t ringway_held_back_ = 0;                                     \
    if ((limiter).Allow(::ringway::LogReason::reason, (now_ns),          \
                        &ringway_held_back_)) {                          \
      RINGWAY_LOG(level, format "%s", __VA_ARGS__,                       \
                  ::ringway::SuppressedNote(ringway_held_back_));        \
    }                                                                    \
  } while (0)

#endif  // RINGWAY_DATAPLANE_COMMON_LOG_LIMITER_H_
