// Minimal leveled logging to stderr, one line per event.
//
// abseil 20220623 ships no absl/log; this is the smallest thing that gives
// timestamped, greppable lines. Hot paths log only on errors, never per byte.
//
//   RINGWAY_LOG(kWarning, "shard %d: upstream %s refused", id, addr);

#ifndef RINGWAY_DATAPLANE_COMMON_LOG_H_
#define RINGWAY_DATAPLANE_COMMON_LOG_H_

#include <atomic>

#include "absl/strings/str_format.h"

namespace ringway {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Process-wide threshold; set once at start-up (and by tests).
extern std::atomic<int> g_log_level;

void WriteLogLine(LogLevel level, const std::string& message);

}  // namespace ringway

#define RINGWAY_LOG(level, ...)                                   \
  do {                                                            \
    if (static_cast<int>(::ringway::LogLevel::level) >=           \
        ::ringway::g_log_level.load(std::memory_order_relaxed)) { \
      ::ringway::WriteLogLine(::ringway::LogLevel::level,         \
                              absl::StrFormat(__VA_ARGS__));      \
    }                                                             \
  } while (0)

#endif  // RINGWAY_DATAPLANE_COMMON_LOG_H_
