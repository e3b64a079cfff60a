#include "control/admin_server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "control/accept_loop.h"
#include "control/admin_protocol.h"
#include "control/admin_request.h"
#include "control/ringway_server.h"
#include "dataplane/common/log.h"
#include "dataplane/common/log_limiter.h"
#include "dataplane/common/monotonic_clock.h"

namespace ringway::control {
namespace {

admin::Reply Ok(std::string message) {
  admin::Reply reply;
  reply.set_status(admin::Reply::OK);
  reply.set_message(std::move(message));
  return reply;
}

admin::Reply Rejected(const std::vector<std::string>& errors) {
  admin::Reply reply;
  reply.set_status(admin::Reply::REJECTED);
  reply.set_message(absl::StrFormat(
      "rejected: %d error(s); the running route table is unchanged",
      errors.size()));
  for (const std::string& error : errors) reply.add_errors(error);
  return reply;
}

void Describe(const route::RouteSnapshot& s, admin::RouteTable* out) {
  out->set_version(s.version);
  out->set_content_hash(s.content_hash);
  out->set_source(s.source);
  out->set_applied_at(
      absl::FormatTime(absl::RFC3339_sec, s.applied_at, absl::UTCTimeZone()));
  out->set_listeners(static_cast<uint32_t>(s.listeners.size()));
  out->set_upstream_groups(static_cast<uint32_t>(s.groups.size()));
  out->set_config(s.config_text);
}

// The socket's directory: made mode 0700 if missing (the last level only).
// One that exists must belong to ringway's user (or root) and be closed to
// others; a shared sticky one such as /tmp is taken with a warning (the
// socket's mode and SO_PEERCRED still keep others out).
absl::Status PrepareDirectory(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  struct stat info {};
  if (lstat(dir.c_str(), &info) != 0) {
    if (errno != ENOENT || mkdir(dir.c_str(), 0700) != 0 ||
        lstat(dir.c_str(), &info) != 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("cannot make the admin socket's directory %s: %s",
                          dir, std::strerror(errno)));
    }
  }
  if (!S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "admin socket directory %s is not a directory (a symlink?)", dir));
  }
  if (info.st_uid != getuid() && info.st_uid != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "admin socket directory %s belongs to uid %d, not to ringway's user "
        "(uid %d) or root",
        dir, info.st_uid, getuid()));
  }
  if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    if ((info.st_mode & S_ISVTX) == 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "admin socket directory %s is writable by others (mode %o): use a "
          "directory only ringway's user can write, e.g. %s",
          dir, info.st_mode & 07777, DefaultAdminDirectory()));
    }
    RINGWAY_LOG(kWarning,
                "admin socket %s is in %s, which others can write to: "
                "prefer a directory only ringway's user can enter (the "
                "default %s is made so)",
                path, dir, DefaultAdminDirectory());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(
    const std::string& path, RingwayServer* server) {
  if (absl::Status dir = PrepareDirectory(path); !dir.ok()) return dir;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("admin socket path too long: %s", path));
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::InternalError(absl::StrFormat(
        "cannot make the admin socket: %s", std::strerror(errno)));
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    if (errno != EADDRINUSE) {
      std::string error = std::strerror(errno);
      close(fd);
      return absl::InternalError(
          absl::StrFormat("cannot bind admin socket %s: %s", path, error));
    }
    // Someone listening? Then it is another ringway: refuse to steal it.
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool live = connect(probe, reinterpret_cast<sockaddr*>(&address),
                        sizeof(address)) == 0;
    close(probe);
    if (live) {
      close(fd);
      return absl::AlreadyExistsError(absl::StrFormat(
          "admin socket %s is in use by another process", path));
    }
    // Only a stale socket is replaced, never another kind of file.
    struct stat existing {};
    if (lstat(path.c_str(), &existing) == 0 && !S_ISSOCK(existing.st_mode)) {
      close(fd);
      return absl::AlreadyExistsError(absl::StrFormat(
          "%s exists and is not a socket: not replacing it", path));
    }
    unlink(path.c_str());
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      close(fd);
      return absl::InternalError(absl::StrFormat(
          "cannot bind admin socket %s: %s", path, std::strerror(errno)));
    }
  }
  // Mode 0600 before listen(): until then nobody can connect at all.
  if (chmod(path.c_str(), 0600) != 0) {
    std::string error = std::strerror(errno);
    close(fd);
    return absl::InternalError(absl::StrFormat(
        "cannot make admin socket %s mode 0600: %s", path, error));
  }
  if (listen(fd, 16) != 0) {
    close(fd);
    return absl::InternalError(absl::StrFormat(
        "cannot listen on admin socket %s: %s", path, std::strerror(errno)));
  }
  return std::unique_ptr<AdminServer>(new AdminServer(path, fd, server));
}

AdminServer::AdminServer(std::string path, int listen_fd, RingwayServer* server)
    : path_(std::move(path)),
      server_(server),
      loop_(std::in_place, listen_fd, "ringway-ctl", "admin socket",
            [this](int fd) {
              if (PeerAllowed(fd)) ServeOne(fd);
            }) {}

AdminServer::~AdminServer() {
  loop_.reset();  // stops accepting, closes the socket
  unlink(path_.c_str());
}

// Only root and ringway's own user drive it (as the socket's mode 0600
// already says; this holds even where the file's mode was loosened).
bool AdminServer::PeerAllowed(int fd) {
  ucred peer{};
  socklen_t length = sizeof(peer);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) == 0 &&
      (peer.uid == 0 || peer.uid == getuid())) {
    return true;
  }
  RINGWAY_LOG_LIMITED(log_limiter_, kAdminRequest, MonotonicNowNs(), kWarning,
                      "admin socket: refused a client of uid %d (pid %d): "
                      "only root and uid %d may use it",
                      static_cast<int>(peer.uid), static_cast<int>(peer.pid),
                      static_cast<int>(getuid()));
  return false;
}

void AdminServer::ServeOne(int fd) {
  // A stuck client must not block the control thread for long.
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  std::string request;
  char buffer[64 * 1024];
  while (request.size() <= kMaxAdminRequestBytes) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    request.append(buffer, n);
  }
  std::string reply;
  if (absl::StartsWith(request, "routes.") ||
      absl::StartsWith(request, "stats")) {
    // The text protocol of an older ringwayctl: answered in its own
    // format ("<exit code> <reason>"), so it fails clearly instead of
    // misreading a protobuf reply.
    reply =
        "2 this ringwayctl is older than the ringway it talks to: use the "
        "ringwayctl built with it\n";
  } else {
    reply = (request.size() > kMaxAdminRequestBytes
                 ? BadRequest("request too large")
                 : Handle(request))
                .SerializeAsString();
  }
  for (size_t off = 0; off < reply.size();) {
    ssize_t n = write(fd, reply.data() + off, reply.size() - off);
    if (n <= 0) break;
    off += n;
  }
}

admin::Reply AdminServer::Handle(const std::string& bytes) {
  absl::StatusOr<admin::Request> request = ParseAdminRequest(bytes);
  if (!request.ok()) return BadRequest(std::string(request.status().message()));
  RouteTable& routes = server_->routes();
  switch (request->command_case()) {
    case admin::Request::kApplyRoutes: {
      const admin::ApplyRoutes& apply = request->apply_routes();
      ApplyOutcome outcome = routes.Apply(apply.table(), apply.source());
      if (!outcome.applied) return Rejected(outcome.errors);
      RINGWAY_LOG(kInfo, "applied route table version %d from %s (%s)",
                  outcome.snapshot->version, apply.source(),
                  outcome.snapshot->content_hash);
      admin::Reply reply = Ok(absl::StrFormat(
          "applied: version %d, content hash %s", outcome.snapshot->version,
          outcome.snapshot->content_hash));
      Describe(*outcome.snapshot, reply.mutable_route_table());
      return reply;
    }
    case admin::Request::kDiffRoutes: {
      std::vector<std::string> errors;
      std::string diff = routes.Diff(request->diff_routes().table(), &errors);
      if (!errors.empty()) return Rejected(errors);
      admin::Reply reply = Ok(diff.empty() ? "no changes" : "changes");
      reply.set_diff(std::move(diff));
      return reply;
    }
    case admin::Request::kShowRoutes: {
      admin::Reply reply = Ok("ok");
      Describe(*routes.current(), reply.mutable_route_table());
      return reply;
    }
    case admin::Request::kRollbackRoutes: {
      ApplyOutcome outcome = routes.Rollback();
      if (!outcome.applied) return Rejected(outcome.errors);
      admin::Reply reply = Ok(
          absl::StrFormat("rolled back: now version %d (%s), content hash %s",
                          outcome.snapshot->version, outcome.snapshot->source,
                          outcome.snapshot->content_hash));
      Describe(*outcome.snapshot, reply.mutable_route_table());
      return reply;
    }
    case admin::Request::kGetStats: {
      admin::Reply reply = Ok("ok");
      *reply.mutable_stats() = server_->Stats();
      return reply;
    }
    case admin::Request::COMMAND_NOT_SET:
      break;
  }
  return BadRequest("request names no command");
}

// Logged, but at most a burst of lines: a local client looping on a bad
// request cannot flood the log.
admin::Reply AdminServer::BadRequest(const std::string& reason) {
  RINGWAY_LOG_LIMITED(log_limiter_, kAdminRequest, MonotonicNowNs(), kWarning,
                      "admin socket: bad request: %s",
                      absl::CHexEscape(reason.substr(0, 200)));
  admin::Reply reply;
  reply.set_status(admin::Reply::BAD_REQUEST);
  reply.set_message(reason);
  return reply;
}

}  // namespace ringway::control
