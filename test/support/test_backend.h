// A real TCP backend for integration tests: listens on 127.0.0.1 (port
// chosen by the kernel unless given), serves every connection from one
// epoll thread, and either echoes bytes back or first announces a tag.
//
//   TestBackend echo;                      // echo server
//   TestBackend tagged("A");               // sends "A\n", then echoes
//   proxy config: servers { address: echo.address() }
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

class TestBackend {
 public:
  // tag: sent as "tag\n" on every new connection before echoing ("" = none).
  // port: 0 for a kernel-chosen port.
  explicit TestBackend(std::string tag = "", uint16_t port = 0);
  ~TestBackend();
  TestBackend(const TestBackend&) = delete;
  TestBackend& operator=(const TestBackend&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const;
  int accepted() const { return accepted_.load(); }

 private:
  void Serve();

  std::string tag_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  int stop_fd_ = -1;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// A listening socket on 127.0.0.1:port (0: kernel-chosen, returned in
// *bound). Aborts the test binary if it cannot listen.
int ListenOnLoopback(uint16_t port, uint16_t* bound, bool nonblocking);

// A port on 127.0.0.1 that nothing listens on right now (bound, then
// released), for "upstream refuses, then comes back" tests.
uint16_t ReserveFreePort();

}  // namespace ringway::test

#endif  // RINGWAY_TEST_SUPPORT_TEST_BACKEND_H_
