#include "control/demo_backend.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dataplane/address/socket_address.h"

namespace ringway::control {

std::string BuiltInConfig(const std::string& cert_file,
                          const std::string& key_file) {
  return absl::StrFormat(
      R"pb(
        # Built-in demo: HTTPS on 127.0.0.1:8443 with a self-signed certificate
        # from the state directory, terminating and proxying to ringway's own
        # demo backend; plain HTTP on 127.0.0.1:8080 redirecting there (except
        # ACME http-01 challenges, proxied as they would be for Let's Encrypt).
        listeners {
          name: "https"
          address: "127.0.0.1:8443"
          https {
            tls { certificates { cert_file: "%s" key_file: "%s" } }
            virtual_hosts {
              locations { path_prefix: "/" upstream_group: "demo-backend" }
              response_headers {
                name: "Strict-Transport-Security"
                value: "max-age=63072000"
              }
              response_headers {
                name: "X-Content-Type-Options"
                value: "nosniff"
              }
            }
          }
        }
        listeners {
          name: "http"
          address: "127.0.0.1:8080"
          http {
            virtual_hosts {
              redirect_to_https: true
              https_port: 8443
              acme_challenge_upstream_group: "demo-backend"
            }
          }
        }
        upstream_groups {
          name: "demo-backend"
          servers { address: "127.0.0.1:8081" }
        }
      )pb",
      cert_file, key_file);
}

namespace {

// The demo backend's answer: who it is, then the request head it got, so a
// newcomer sees the headers ringway added.
std::string Reply(const std::string& head) {
  std::string body = absl::StrCat(
      "Hello from ringway's demo backend on 127.0.0.1:8081.\n"
      "ringway terminated TLS and forwarded this request:\n\n",
      head);
  return absl::StrCat(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ",
      body.size(), "\r\nConnection: close\r\n\r\n", body);
}

}  // namespace

absl::StatusOr<std::unique_ptr<DemoBackend>> DemoBackend::Start(
    const std::string& address) {
  auto parsed = address::SocketAddress::Parse(address);
  if (!parsed.ok()) return parsed.status();
  int fd = socket(parsed->family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, parsed->sockaddr_ptr(), parsed->length()) != 0 ||
      listen(fd, 64) != 0) {
    int err = errno;
    close(fd);
    return absl::AlreadyExistsError(absl::StrFormat(
        "demo backend cannot listen on %s: %s", address, std::strerror(err)));
  }
  std::unique_ptr<DemoBackend> backend(
      new DemoBackend(fd, eventfd(0, EFD_CLOEXEC)));
  backend->thread_ = std::thread([raw = backend.get()] { raw->Serve(); });
  return backend;
}

DemoBackend::DemoBackend(int listen_fd, int stop_fd)
    : listen_fd_(listen_fd), stop_fd_(stop_fd) {}

DemoBackend::~DemoBackend() {
  uint64_t one = 1;
  ssize_t ignored = write(stop_fd_, &one, sizeof(one));
  (void)ignored;
  thread_.join();
  close(listen_fd_);
  close(stop_fd_);
}

void DemoBackend::Serve() {
  pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  while (poll(fds, 2, -1) >= 0 || errno == EINTR) {
    if (fds[1].revents) return;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    timeval timeout{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    // Read the request head (or whatever arrives), then answer and close.
    char buffer[4096];
    std::string head;
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
      ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n <= 0) break;
      head.append(buffer, n);
    }
    std::string reply = Reply(head.substr(0, head.find("\r\n\r\n") + 4));
    ssize_t ignored = write(fd, reply.data(), reply.size());
    (void)ignored;
    close(fd);
  }
}

}  // namespace ringway::control
