#include "test/support/test_backend.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>

namespace ringway::test {
namespace {

constexpr size_t kMaxUnsent = 4 << 20;

struct EchoConnection {
  std::string unsent;
  bool eof = false;
  bool reading = true;
};

// A TCP socket bound to 127.0.0.1:0, not listening; its port in *bound.
int BindLoopback(uint16_t* bound, bool nonblocking) {
  int fd =
      socket(AF_INET,
             SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (fd < 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    std::perror("test backend bind");
    std::abort();
  }
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  *bound = ntohs(address.sin_port);
  return fd;
}

void ListenOrDie(int fd) {
  if (listen(fd, 4096) != 0) {
    std::perror("test backend listen");
    std::abort();
  }
}

}  // namespace

int ListenOnLoopback(uint16_t* bound, bool nonblocking) {
  int fd = BindLoopback(bound, nonblocking);
  ListenOrDie(fd);
  return fd;
}

RefusingPort::RefusingPort() {
  fd_ = BindLoopback(&port_, /*nonblocking=*/false);
}

RefusingPort::~RefusingPort() {
  if (fd_ >= 0) close(fd_);
}

RefusingPort::RefusingPort(RefusingPort&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), port_(other.port_) {}

std::string RefusingPort::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

int RefusingPort::TakeFd() { return std::exchange(fd_, -1); }

TestBackend::TestBackend(std::string tag) : tag_(std::move(tag)) {
  listen_fd_ = ListenOnLoopback(&port_, /*nonblocking=*/true);
  Start();
}

TestBackend::TestBackend(std::string tag, RefusingPort port)
    : tag_(std::move(tag)), port_(port.port()) {
  listen_fd_ = port.TakeFd();
  if (listen_fd_ < 0) {
    std::fprintf(stderr, "TestBackend: RefusingPort already taken\n");
    std::abort();
  }
  int flags = fcntl(listen_fd_, F_GETFL);
  fcntl(listen_fd_, F_SETFL, flags | O_NONBLOCK);
  ListenOrDie(listen_fd_);
  Start();
}

void TestBackend::Start() {
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { Serve(); });
}

TestBackend::~TestBackend() {
  uint64_t one = 1;
  ssize_t ignored = write(stop_fd_, &one, sizeof(one));
  (void)ignored;
  thread_.join();
  close(listen_fd_);
  close(stop_fd_);
}

std::string TestBackend::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

void TestBackend::Serve() {
  int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = listen_fd_;
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd_, &event);
  event.data.fd = stop_fd_;
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, stop_fd_, &event);
  std::map<int, EchoConnection> connections;
  auto update = [&](int fd, EchoConnection& c) {
    epoll_event e{};
    e.data.fd = fd;
    e.events = (c.reading ? uint32_t{EPOLLIN} : 0u) |
               (c.unsent.empty() ? 0u : uint32_t{EPOLLOUT});
    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &e);
  };
  auto finish = [&](int fd) {
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    connections.erase(fd);
  };
  char buffer[256 * 1024];
  epoll_event ready[256];
  while (true) {
    int n = epoll_wait(epoll_fd, ready, 256, -1);
    for (int i = 0; i < n; ++i) {
      int fd = ready[i].data.fd;
      if (fd == stop_fd_) {
        for (auto& [cfd, c] : connections) close(cfd);
        close(epoll_fd);
        return;
      }
      if (fd == listen_fd_) {
        int cfd;
        while ((cfd = accept4(listen_fd_, nullptr, nullptr,
                              SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
          accepted_.fetch_add(1);
          EchoConnection& c = connections[cfd];
          if (!tag_.empty()) c.unsent = tag_ + "\n";
          epoll_event e{};
          e.data.fd = cfd;
          e.events = EPOLLIN | (c.unsent.empty() ? 0u : uint32_t{EPOLLOUT});
          epoll_ctl(epoll_fd, EPOLL_CTL_ADD, cfd, &e);
        }
        continue;
      }
      auto it = connections.find(fd);
      if (it == connections.end()) continue;
      EchoConnection& c = it->second;
      bool dead = false;
      if (c.reading && (ready[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        ssize_t got = read(fd, buffer, sizeof(buffer));
        if (got > 0) {
          c.unsent.append(buffer, got);
        } else if (got == 0) {
          c.eof = true;
          c.reading = false;
        } else if (errno != EAGAIN) {
          dead = true;
        }
      }
      while (!dead && !c.unsent.empty()) {
        ssize_t sent = send(fd, c.unsent.data(), c.unsent.size(), MSG_NOSIGNAL);
        if (sent > 0) {
          c.unsent.erase(0, sent);
        } else {
          if (errno != EAGAIN) dead = true;
          break;
        }
      }
      if (dead) {
        finish(fd);
        continue;
      }
      if (c.eof && c.unsent.empty()) {
        shutdown(fd, SHUT_WR);  // our FIN answers theirs
        finish(fd);
        continue;
      }
      c.reading = !c.eof && c.unsent.size() < kMaxUnsent;
      update(fd, c);
    }
  }
}

}  // namespace ringway::test
