#include "dataplane/accesslog/access_log_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace ringway::accesslog {
namespace {

int OpenForAppend(const std::string& path) {
  return open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

absl::Status OpenError(const std::string& path) {
  return absl::InvalidArgumentError(absl::StrCat(
      "cannot open access log \"", path, "\": ", std::strerror(errno)));
}

}  // namespace

AccessLogFile::AccessLogFile(std::string path, int fd, bool owned)
    : path_(std::move(path)), fd_(fd), owned_(owned) {
  struct stat info {};
  small_atomic_writes_ = fstat(fd_, &info) != 0 || !S_ISREG(info.st_mode);
}

absl::StatusOr<std::shared_ptr<AccessLogFile>> AccessLogFile::Open(
    std::string path) {
  if (path.empty()) {
    return absl::InvalidArgumentError("access log path is empty");
  }
  if (path == kStdout) {
    return std::shared_ptr<AccessLogFile>(
        new AccessLogFile(std::move(path), STDOUT_FILENO, false));
  }
  const int fd = OpenForAppend(path);
  if (fd < 0) return OpenError(path);
  return std::shared_ptr<AccessLogFile>(
      new AccessLogFile(std::move(path), fd, true));
}

AccessLogFile::~AccessLogFile() {
  if (owned_) close(fd_);
}

absl::Status AccessLogFile::Reopen() {
  if (!owned_) return absl::OkStatus();
  const int fresh = OpenForAppend(path_);
  if (fresh < 0) return OpenError(path_);
  // Atomic for every thread using fd_: it names the old file up to here
  // and the new one from here on.
  const int swapped = dup3(fresh, fd_, O_CLOEXEC);
  const int saved_errno = errno;
  close(fresh);
  if (swapped < 0) {
    return absl::InternalError(absl::StrCat(
        "reopening access log \"", path_, "\": ", std::strerror(saved_errno)));
  }
  return absl::OkStatus();
}

}  // namespace ringway::accesslog
