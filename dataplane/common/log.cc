#include "dataplane/common/log.h"

#include <time.h>
#include <unistd.h>

#include <string>

namespace ringway {

std::atomic<int> g_log_level{static_cast<int>(LogLevel::kInfo)};

namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "D";
    case LogLevel::kInfo:
      return "I";
    case LogLevel::kWarning:
      return "W";
    case LogLevel::kError:
      return "E";
  }
  return "?";
}

}  // namespace

void WriteLogLine(LogLevel level, const std::string& message) {
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  tm utc;
  gmtime_r(&now.tv_sec, &utc);
  // One write(2) per line so lines from different threads never interleave.
  std::string line = absl::StrFormat(
      "%s %04d-%02d-%02dT%02d:%02d:%02d.%06ldZ ringway: %s\n", LevelName(level),
      utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
      utc.tm_sec, now.tv_nsec / 1000, message);
  ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace ringway
