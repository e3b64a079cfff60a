// Shard-local pool of empty pipes for splice relays.
//
// A relay needs one pipe per direction; creating and sizing two pipes per
// connection costs four system calls. Empty pipes are reused instead; a pipe
// that still holds bytes is closed, never reused.

#ifndef RINGWAY_DATAPLANE_NET_PIPE_POOL_H_
#define RINGWAY_DATAPLANE_NET_PIPE_POOL_H_

#include <cstddef>
#include <vector>

namespace ringway::net {

struct Pipe {
  int read_fd = -1;
  int write_fd = -1;
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
  // Asks the kernel (FIONREAD). For connections that ended abnormally,
  // where a cancelled splice may have raced our byte count.
  static bool IsEmpty(const Pipe& pipe);

  int capacity_bytes() const { return capacity_bytes_; }
  size_t idle() const { return idle_.size(); }

 private:
  int capacity_bytes_;
  size_t max_idle_;
  std::vector<Pipe> idle_;
};

}  // namespace ringway::net

#endif  // RINGWAY_DATAPLANE_NET_PIPE_POOL_H_
