#include "control/access_log_files.h"

namespace ringway::control {

AccessLogFiles& AccessLogFiles::Process() {
  static AccessLogFiles* const files = new AccessLogFiles;
  return *files;
}

absl::StatusOr<std::shared_ptr<const accesslog::AccessLogFile>>
AccessLogFiles::Get(const std::string& path) {
  absl::MutexLock lock(&mutex_);
  if (auto it = files_.find(path); it != files_.end()) {
    if (auto file = it->second.lock()) return file;
  }
  auto opened = accesslog::AccessLogFile::Open(path);
  if (!opened.ok()) return opened.status();
  files_[path] = *opened;
  return std::shared_ptr<const accesslog::AccessLogFile>(*opened);
}

std::vector<std::string> AccessLogFiles::ReopenAll() {
  std::vector<std::string> errors;
  absl::MutexLock lock(&mutex_);
  for (auto it = files_.begin(); it != files_.end();) {
    std::shared_ptr<accesslog::AccessLogFile> file = it->second.lock();
    if (file == nullptr) {
      files_.erase(it++);
      continue;
    }
    if (absl::Status status = file->Reopen(); !status.ok()) {
      errors.push_back(std::string(status.message()));
    }
    ++it;
  }
  return errors;
}

}  // namespace ringway::control
