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
#include "control/json_escape.h"
#include "control/ringway_server.h"
#include "dataplane/common/log.h"
#include "dataplane/common/log_limiter.h"
#include "dataplane/common/monotonic_clock.h"

namespace ringway::control {
namespace {

std::string Reply(int code, absl::string_view reason, absl::string_view body) {
  return absl::StrCat(code, " ", reason, "\n", body);
}

std::string Rejected(const std::vector<std::string>& errors) {
  return Reply(kAdminRejected,
               absl::StrFormat("rejected: %d error(s); the running route "
                               "table is unchanged",
                               errors.size()),
               absl::StrCat(absl::StrJoin(errors, "\n"), "\n"));
}

std::string Describe(const route::RouteSnapshot& s, bool json) {
  std::string applied =
      absl::FormatTime(absl::RFC3339_sec, s.applied_at, absl::UTCTimeZone());
  if (json) {
    return absl::StrFormat(
        "{\"version\":%d,\"content_hash\":\"%s\",\"source\":\"%s\","
        "\"applied_at\":\"%s\",\"listeners\":%d,\"upstream_groups\":%d,"
        "\"config\":\"%s\"}\n",
        s.version, s.content_hash, JsonEscape(s.source), applied,
        s.listeners.size(), s.groups.size(), JsonEscape(s.config_text));
  }
  return absl::StrFormat(
      "version: %d\ncontent_hash: %s\nsource: %s\napplied_at: %s\n"
      "listeners: %d\nupstream_groups: %d\n---\n%s",
      s.version, s.content_hash, s.source, applied, s.listeners.size(),
      s.groups.size(), s.config_text);
}

}  // namespace

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(
    const std::string& path, RingwayServer* server) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("admin socket path too long: %s", path));
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 &&
      errno == EADDRINUSE) {
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
  std::string reply = request.size() > kMaxAdminRequestBytes
                          ? BadRequest("request too large")
                          : Handle(request);
  for (size_t off = 0; off < reply.size();) {
    ssize_t n = write(fd, reply.data() + off, reply.size() - off);
    if (n <= 0) break;
    off += n;
  }
}

std::string AdminServer::Handle(const std::string& bytes) {
  absl::StatusOr<AdminRequest> request = ParseAdminRequest(bytes);
  if (!request.ok()) return BadRequest(std::string(request.status().message()));
  const std::string_view body = request->body;
  RouteTable& routes = server_->routes();
  switch (request->command) {
    case AdminCommand::kRoutesApply: {
      ApplyOutcome outcome = routes.Apply(body, request->source);
      if (!outcome.applied) return Rejected(outcome.errors);
      RINGWAY_LOG(kInfo, "applied route table version %d from %s (%s)",
                  outcome.snapshot->version, request->source,
                  outcome.snapshot->content_hash);
      return Reply(kAdminOk,
                   absl::StrFormat("applied: version %d, content hash %s",
                                   outcome.snapshot->version,
                                   outcome.snapshot->content_hash),
                   "");
    }
    case AdminCommand::kRoutesDiff: {
      std::vector<std::string> errors;
      std::string diff = routes.Diff(body, &errors);
      if (!errors.empty()) return Rejected(errors);
      return Reply(kAdminOk, diff.empty() ? "no changes" : "changes", diff);
    }
    case AdminCommand::kRoutesShow:
      return Reply(kAdminOk, "ok", Describe(*routes.current(), request->json));
    case AdminCommand::kRoutesRollback: {
      ApplyOutcome outcome = routes.Rollback();
      if (!outcome.applied) return Rejected(outcome.errors);
      return Reply(
          kAdminOk,
          absl::StrFormat("rolled back: now version %d (%s), content "
                          "hash %s",
                          outcome.snapshot->version, outcome.snapshot->source,
                          outcome.snapshot->content_hash),
          "");
    }
    case AdminCommand::kStats:
      return Reply(kAdminOk, "ok", server_->StatsText(request->json));
  }
  return BadRequest("unknown command");
}

// Logged, but at most a burst of lines: a local client looping on a bad
// request cannot flood the log.
std::string AdminServer::BadRequest(const std::string& reason) {
  RINGWAY_LOG_LIMITED(log_limiter_, kAdminRequest, MonotonicNowNs(), kWarning,
                      "admin socket: bad request: %s",
                      absl::CHexEscape(reason.substr(0, 200)));
  return Reply(kAdminUsage, reason, "");
}

}  // namespace ringway::control
