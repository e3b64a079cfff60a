// Idle upstream connections of one server on one shard, kept for reuse by
// the next HTTP request (nginx `keepalive`, HAProxy `http-reuse`). Taking
// one checks first that the server has not closed it or sent something
// unasked (a non-blocking MSG_PEEK), and skips those idle too long; the
// warmest connection is reused first. Shard-local.

#ifndef RINGWAY_DATAPLANE_UPSTREAM_IDLE_CONNECTIONS_H_
#define RINGWAY_DATAPLANE_UPSTREAM_IDLE_CONNECTIONS_H_

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ringway::upstream {

class IdleConnections {
 public:
  IdleConnections() = default;
  ~IdleConnections() { Clear(); }
  IdleConnections(const IdleConnections&) = delete;
  IdleConnections& operator=(const IdleConnections&) = delete;

  // Keeps `fd` (idle since `now_ns`); false, and `fd` left to the caller,
  // when `limit` are already kept. Drops entries older than `timeout_ns`.
  bool Put(int fd, uint64_t now_ns, size_t limit, uint64_t timeout_ns) {
    DropExpired(now_ns, timeout_ns);
    if (entries_.size() >= limit) return false;
    entries_.push_back({fd, now_ns});
    return true;
  }

  // A usable connection, or -1. Closes the ones it finds unusable.
  int Take(uint64_t now_ns, uint64_t timeout_ns) {
    DropExpired(now_ns, timeout_ns);
    while (!entries_.empty()) {
      int fd = entries_.back().fd;
      entries_.pop_back();
      char byte;
      ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return fd;
      close(fd);  // closed by the server (0), data unasked (>0), or an error
    }
    return -1;
  }

  void Clear() {
    for (const Entry& entry : entries_) close(entry.fd);
    entries_.clear();
  }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    int fd;
    uint64_t since_ns;
  };

  // The oldest are at the front.
  void DropExpired(uint64_t now_ns, uint64_t timeout_ns) {
    size_t expired = 0;
    while (expired < entries_.size() &&
           now_ns - entries_[expired].since_ns >= timeout_ns) {
      close(entries_[expired].fd);
      ++expired;
    }
    entries_.erase(entries_.begin(), entries_.begin() + expired);
  }

  std::vector<Entry> entries_;
};

}  // namespace ringway::upstream

#endif  // RINGWAY_DATAPLANE_UPSTREAM_IDLE_CONNECTIONS_H_
