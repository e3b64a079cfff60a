#include "test/support/one_shot_backend.h"

#include <sys/socket.h>
#include <unistd.h>

#include "test/support/tcp_client.h"
#include "test/support/test_backend.h"

namespace ringway::test {

OneShotBackend::OneShotBackend()
    : listen_fd_(ListenOnLoopback(&port_, /*nonblocking=*/false)) {}

OneShotBackend::~OneShotBackend() { close(listen_fd_); }

std::string OneShotBackend::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

int OneShotBackend::Accept() {
  int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return fd;
}

std::string OneShotBackend::ReceiveAll() {
  int fd = Accept();
  bool ok = false;
  std::string got = ReadToEof(fd, &ok);
  close(fd);
  return got;
}

}  // namespace ringway::test
