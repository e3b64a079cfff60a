#include "dataplane/io/pipe_pool.h"

#include <fcntl.h>
#include <unistd.h>

namespace ringway::io {

PipePool::PipePool(int capacity_bytes, size_t max_idle)
    : capacity_bytes_(capacity_bytes), max_idle_(max_idle) {
  idle_.reserve(max_idle);
}

PipePool::~PipePool() {
  for (Pipe& p : idle_) {
    close(p.read_fd);
    close(p.write_fd);
  }
}

Pipe PipePool::Acquire() {
  if (!idle_.empty()) {
    Pipe p = idle_.back();
    idle_.pop_back();
    return p;
  }
  int fds[2];
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return Pipe{};
  // F_SETPIPE_SZ fails with EPERM past the per-user soft limit, and the
  // kernel may already have shrunk the new pipe to one page there: ask what
  // the pipe really holds.
  fcntl(fds[1], F_SETPIPE_SZ, capacity_bytes_);
  int granted = fcntl(fds[1], F_GETPIPE_SZ);
  if (granted <= 0) {
    close(fds[0]);
    close(fds[1]);
    return Pipe{};
  }
  return Pipe{fds[0], fds[1], static_cast<uint32_t>(granted)};
}

void PipePool::Release(Pipe pipe, bool empty) {
  if (!pipe.valid()) return;
  if (empty && idle_.size() < max_idle_) {
    idle_.push_back(pipe);
    return;
  }
  close(pipe.read_fd);
  close(pipe.write_fd);
}

}  // namespace ringway::io
