// A backend whose every step the test scripts: it listens on 127.0.0.1 (a
// kernel-chosen port) and hands the test each accepted socket, to write,
// half-close, reset or record exactly what the proxy delivered.

#ifndef RINGWAY_TEST_SUPPORT_ONE_SHOT_BACKEND_H_
#define RINGWAY_TEST_SUPPORT_ONE_SHOT_BACKEND_H_

#include <cstdint>
#include <string>

namespace ringway::test {

class OneShotBackend {
 public:
  OneShotBackend();
  ~OneShotBackend();
  OneShotBackend(const OneShotBackend&) = delete;
  OneShotBackend& operator=(const OneShotBackend&) = delete;

  std::string address() const;
  // The next connection (10 s receive timeout), or -1.
  int Accept();
  // Accepts one connection and returns all it received up to EOF.
  std::string ReceiveAll();

 private:
  int listen_fd_;
  uint16_t port_;
};

}  // namespace ringway::test

#endif  // RINGWAY_TEST_SUPPORT_ONE_SHOT_BACKEND_H_
