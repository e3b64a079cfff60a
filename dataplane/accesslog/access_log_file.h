// An access log's destination: a file opened for appending (or standard
// output), shared by every listener that names it and every shard that
// writes to it.
//
// Opened by the control thread when a route table is compiled; shards only
// read fd(). Reopen() (SIGUSR1, after logrotate moved the file) opens the
// path again and dup3()s the new file onto the same descriptor number, so
// shards keep writing to fd() and land in the new file; a write already in
// flight holds its own reference to the old one and completes there.

#ifndef RINGWAY_DATAPLANE_ACCESSLOG_ACCESS_LOG_FILE_H_
#define RINGWAY_DATAPLANE_ACCESSLOG_ACCESS_LOG_FILE_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ringway::accesslog {

class AccessLogFile {
 public:
  // The path that means standard output.
  static constexpr std::string_view kStdout = "stdout";

  // Opens `path` (created mode 0640 if missing, appended to) or takes
  // standard output for "stdout". An error names the path and errno.
  static absl::StatusOr<std::shared_ptr<AccessLogFile>> Open(std::string path);

  ~AccessLogFile();
  AccessLogFile(const AccessLogFile&) = delete;
  AccessLogFile& operator=(const AccessLogFile&) = delete;

  // Control thread: the path opened again onto fd(). A no-op for stdout.
  absl::Status Reopen();

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  // Not a regular file (a pipe, socket or terminal on standard output):
  // only writes of at most PIPE_BUF bytes are atomic there, so shards
  // writing at once must cut their writes at line ends within that.
  bool small_atomic_writes() const { return small_atomic_writes_; }

 private:
  AccessLogFile(std::string path, int fd, bool owned);

  const std::string path_;
  const int fd_;
  const bool owned_;  // false for standard output
  bool small_atomic_writes_ = false;
};

}  // namespace ringway::accesslog

#endif  // RINGWAY_DATAPLANE_ACCESSLOG_ACCESS_LOG_FILE_H_
