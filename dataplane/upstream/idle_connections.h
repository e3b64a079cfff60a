// Idle upstream connections of one server on one shard, kept for reuse by
// the next HTTP request (nginx `keepalive`, HAProxy `http-reuse`). Taking
// one checks first that the server has not closed it or sent something
// unasked (a non-blocking MSG_PEEK), and skips those idle too long; the
// warmest connection is reused first. A TLS connection is kept with its
// session, so reuse skips the handshake. Shard-local.

#ifndef RINGWAY_DATAPLANE_UPSTREAM_IDLE_CONNECTIONS_H_
#define RINGWAY_DATAPLANE_UPSTREAM_IDLE_CONNECTIONS_H_

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "dataplane/tls/tls_session.h"

namespace ringway::upstream {

// An upstream connection between requests.
struct IdleConnection {
  int fd = -1;
  std::unique_ptr<tls::TlsSession> tls;  // null for plain TCP
  bool ktls = false;  // the kernel has its records (`tls` keeps the SSL)
};

class IdleConnections {
 public:
  IdleConnections() = default;
  ~IdleConnections() { Clear(); }
  IdleConnections(const IdleConnections&) = delete;
  IdleConnections& operator=(const IdleConnections&) = delete;

  // Keeps `connection` (idle since `now_ns`); false, and `connection`
  // left to the caller, when `limit` are already kept. Drops entries older
  // than `timeout_ns`.
  bool Put(IdleConnection& connection, uint64_t now_ns, size_t limit,
           uint64_t timeout_ns) {
    DropExpired(now_ns, timeout_ns);
    if (entries_.size() >= limit) return false;
    entries_.push_back({std::move(connection), now_ns});
    connection = IdleConnection{};
    return true;
  }
  bool Put(int fd, uint64_t now_ns, size_t limit, uint64_t timeout_ns) {
    IdleConnection connection{fd, nullptr};
    return Put(connection, now_ns, limit, timeout_ns);
  }

  // A usable connection (fd -1 if none). Closes the ones it finds unusable.
  IdleConnection Take(uint64_t now_ns, uint64_t timeout_ns) {
    DropExpired(now_ns, timeout_ns);
    while (!entries_.empty()) {
      IdleConnection connection = std::move(entries_.back().connection);
      entries_.pop_back();
      char byte;
      ssize_t n = recv(connection.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return connection;
      }
      // Closed by the server (0), data unasked (>0: for TLS, a close_notify
      // or a late ticket), or an error.
      close(connection.fd);
    }
    return {};
  }

  void Clear() {
    for (const Entry& entry : entries_) close(entry.connection.fd);
    entries_.clear();
  }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    IdleConnection connection;
    uint64_t since_ns;
  };

  // The oldest are at the front.
  void DropExpired(uint64_t now_ns, uint64_t timeout_ns) {
    size_t expired = 0;
    while (expired < entries_.size() &&
           now_ns - entries_[expired].since_ns >= timeout_ns) {
      close(entries_[expired].connection.fd);
      ++expired;
    }
    entries_.erase(entries_.begin(), entries_.begin() + expired);
  }

  std::vector<Entry> entries_;
};

}  // namespace ringway::upstream

#endif  // RINGWAY_DATAPLANE_UPSTREAM_IDLE_CONNECTIONS_H_
