// Shard-local pool of empty pipes for splice relays.
//
// A spliced direction needs a pipe; creating and sizing one costs two
// system calls. Empty pipes are reused instead; a pipe that still holds
// bytes is closed, never reused. Every pipe carries the size the kernel
// actually granted: past /proc/sys/fs/pipe-user-pages-soft the kernel gives
// new pipes one page, and a relay that assumed the asked-for size would
// stall or overrun its accounting.

#ifndef RINGWAY_DATAPLANE_IO_PIPE_POOL_H_
#define RINGWAY_DATAPLANE_IO_PIPE_POOL_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ringway::io {

struct Pipe {
  int read_fd = -1;
  int write_fd = -1;
  uint32_t capacity = 0;  // bytes the kernel granted (F_GETPIPE_SZ)
  bool valid() const { return read_fd >= 0; }
};

class PipePool {
 public:
  // capacity_bytes: F_SETPIPE_SZ for new pipes (bounds buffered bytes per
  // direction). max_idle: pipes kept for reuse.
  PipePool(int capacity_bytes, size_t max_idle);
  ~PipePool();
  PipePool(const PipePool&) = delete;
  PipePool& operator=(const PipePool&) = delete;

  // Invalid Pipe on failure (EMFILE); errno says why.
  Pipe Acquire();
  // `empty`: no bytes left in it. Non-empty pipes are closed.
  void Release(Pipe pipe, bool empty);

  int capacity_bytes() const { return capacity_bytes_; }
  size_t idle() const { return idle_.size(); }

 private:
  int capacity_bytes_;
  size_t max_idle_;
  std::vector<Pipe> idle_;
};

}  // namespace ringway::io

#endif  // RINGWAY_DATAPLANE_IO_PIPE_POOL_H_
