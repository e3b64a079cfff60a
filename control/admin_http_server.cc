#include "control/admin_http_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "control/admin_http_request.h"
#include "control/ringway_server.h"
#include "dataplane/common/log.h"
#include "dataplane/common/monotonic_clock.h"

namespace ringway::control {
namespace {

constexpr int kRequestTimeoutSeconds = 5;

std::string Response(int status, std::string_view reason,
                     std::string_view content_type, std::string_view body,
                     bool head) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " ";
  out.append(reason);
  out += "\r\nContent-Type: ";
  out.append(content_type);
  out += "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
  if (!head) out.append(body);
  return out;
}

std::string Text(int status, std::string_view reason, std::string_view body,
                 bool head = false) {
  return Response(status, reason, "text/plain; charset=utf-8", body, head);
}

}  // namespace

absl::StatusOr<std::unique_ptr<AdminHttpServer>> AdminHttpServer::Start(
    const address::SocketAddress& at, RingwayServer* server) {
  int fd = socket(at.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  static const int kOne = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &kOne, sizeof(kOne));
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  if (fd < 0 || bind(fd, at.sockaddr_ptr(), at.length()) != 0 ||
      listen(fd, 64) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
    std::string error = std::strerror(errno);
    if (fd >= 0) close(fd);
    return absl::UnavailableError(
        absl::StrFormat("admin HTTP listener %s: %s", at.ToString(), error));
  }
  std::unique_ptr<AdminHttpServer> admin(
      new AdminHttpServer(fd, address::SocketAddress(bound), server));
  RINGWAY_LOG(kInfo, "admin HTTP on %s: /healthz /ready /metrics",
              admin->address_.ToString());
  return admin;
}

AdminHttpServer::AdminHttpServer(int listen_fd, address::SocketAddress address,
                                 RingwayServer* server)
    : address_(address),
      server_(server),
      metrics_(server),
      loop_(std::in_place, listen_fd, "ringway-http", "admin HTTP",
            [this](int fd) { ServeOne(fd); }) {}

AdminHttpServer::~AdminHttpServer() = default;

void AdminHttpServer::ServeOne(int fd) {
  timeval timeout{kRequestTimeoutSeconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  std::string request;
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos &&
         request.size() <= kMaxAdminHttpRequestBytes) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    request.append(buffer, static_cast<size_t>(n));
  }
  std::string reply = Respond(request);
  for (size_t off = 0; off < reply.size();) {
    ssize_t n = write(fd, reply.data() + off, reply.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
}

std::string AdminHttpServer::Respond(std::string_view bytes) {
  absl::StatusOr<AdminHttpRequest> request = ParseAdminHttpRequest(bytes);
  if (!request.ok()) {
    RINGWAY_LOG_LIMITED(
        log_limiter_, kAdminRequest, MonotonicNowNs(), kWarning,
        "admin HTTP: bad request (%d bytes, %s): \"%s\"", bytes.size(),
        request.status().message(),
        absl::CHexEscape(
            std::string(bytes.substr(0, bytes.find("\r\n"))).substr(0, 100)));
    return Text(400, "Bad Request", "bad request\n");
  }
  const std::string_view method = request->method;
  const std::string_view target = request->path;
  const bool head = method == "HEAD";
  if (method != "GET" && !head) {
    return Text(405, "Method Not Allowed", "GET or HEAD\n");
  }
  if (target == "/healthz") {
    if (server_->ShardsResponsive(absl::Seconds(1))) {
      return Text(200, "OK", "ok\n", head);
    }
    return Text(503, "Service Unavailable",
                "a shard's loop did not answer within a second\n", head);
  }
  if (target == "/ready") {
    if (server_->ready()) return Text(200, "OK", "ready\n", head);
    return Text(503, "Service Unavailable", "draining\n", head);
  }
  if (target == "/metrics") {
    return Response(200, "OK", "text/plain; version=0.0.4; charset=utf-8",
                    metrics_.Text(), head);
  }
  return Text(404, "Not Found", "/healthz /ready /metrics\n", head);
}

}  // namespace ringway::control
