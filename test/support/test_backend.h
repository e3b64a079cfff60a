// A real TCP backend for integration tests: listens on 127.0.0.1 (port
// chosen by the kernel), serves every connection from one epoll thread, and
// either echoes bytes back or first announces a tag.
//
//   TestBackend echo;                      // echo server
//   TestBackend tagged("A");               // sends "A\n", then echoes
//   proxy config: servers { address: echo.address() }
//
//   RefusingPort down;                     // refuses until...
//   TestBackend back("B", std::move(down));  // ...it listens, same port
//
// Echo keeps half-close semantics: after the peer's FIN and once everything
// is echoed, it sends FIN back. Buffered bytes per connection are bounded
// (it stops reading while 4 MiB are unsent), so it also applies
// backpressure.

#ifndef RINGWAY_TEST_SUPPORT_TEST_BACKEND_H_
#define RINGWAY_TEST_SUPPORT_TEST_BACKEND_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace ringway::test {

// A port on 127.0.0.1 that refuses connections: a TCP socket bound to a
// kernel-chosen port that never listens, so the kernel answers each SYN
// with a reset. The socket keeps the port taken (no SO_REUSEADDR), so no
// other socket can get it until a TestBackend listens on it: "upstream
// refuses, then comes back on the same port" without a race.
class RefusingPort {
 public:
  RefusingPort();  // aborts the test binary if it cannot bind
  ~RefusingPort();
  RefusingPort(RefusingPort&& other) noexcept;
  RefusingPort& operator=(RefusingPort&&) = delete;
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const;  // "127.0.0.1:port"
  // Hands the bound socket over (the caller owns it now); -1 once taken.
  int TakeFd();

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

class TestBackend {
 public:
  // tag: sent as "tag\n" on every new connection before echoing ("" = none).
  // Listens on a kernel-chosen port.
  explicit TestBackend(std::string tag = "");
  // Listens on `port`'s socket: its port starts accepting from here on.
  TestBackend(std::string tag, RefusingPort port);
  ~TestBackend();
  TestBackend(const TestBackend&) = delete;
  TestBackend& operator=(const TestBackend&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const;
  int accepted() const { return accepted_.load(); }

 private:
  void Start();
  void Serve();

  std::string tag_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  int stop_fd_ = -1;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// A listening socket on 127.0.0.1, on a port the kernel chooses (returned
// in *bound). Aborts the test binary if it cannot listen.
int ListenOnLoopback(uint16_t* bound, bool nonblocking);

}  // namespace ringway::test

#endif  // RINGWAY_TEST_SUPPORT_TEST_BACKEND_H_
