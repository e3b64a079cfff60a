// The access log files of a process, by path: the same path named by
// several listeners, or by successive route tables, is one open file (one
// descriptor, appended to by every shard). A file no table names any more
// closes when the last shard lets it go.
//
// Thread-safe: compiled on the admin thread, reopened from the signal
// waiting main thread.

#ifndef RINGWAY_CONTROL_ACCESS_LOG_FILES_H_
#define RINGWAY_CONTROL_ACCESS_LOG_FILES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "dataplane/accesslog/access_log_file.h"

namespace ringway::control {

class AccessLogFiles {
 public:
  // The process's files (what CompileConfigText uses by default).
  static AccessLogFiles& Process();

  // The open file for `path`, opened now if no live table names it.
  absl::StatusOr<std::shared_ptr<const accesslog::AccessLogFile>> Get(
      const std::string& path);

  // SIGUSR1: every open file reopened at its path (after logrotate moved
  // it). Returns one error per file that could not be (that file keeps
  // its old descriptor).
  std::vector<std::string> ReopenAll();

 private:
  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, std::weak_ptr<accesslog::AccessLogFile>>
      files_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_ACCESS_LOG_FILES_H_
