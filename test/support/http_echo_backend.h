// An HTTP/1.1 backend for integration tests that answers with what it
// received, so a test can assert every header the proxy forwarded. Listens
// on 127.0.0.1 (kernel-chosen port); one thread per connection; keep-alive.
//
// The path picks the answer:
//   /close/...     body framed by closing the connection (no length)
//   /chunked/...   body sent chunked, in three chunks
//   /silent/...    reads the request and never answers (504 tests)
//   /ws/...        with "Upgrade: websocket": 101, then echoes bytes
//   /once/...      as below, then closes the connection (no notice)
//   anything else  200, Content-Length, body = the request head as received
//                  followed by the request body (chunked bodies as decoded
//                  payload, so a test sees what the upstream got)
// "Expect: 100-continue" gets its 100 before the body is read.
// Every response carries "X-Backend: <name>" and
// "Strict-Transport-Security: upstream" (to check header replacement).

#ifndef RINGWAY_TEST_SUPPORT_HTTP_ECHO_BACKEND_H_
#define RINGWAY_TEST_SUPPORT_HTTP_ECHO_BACKEND_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ringway::test {

class HttpEchoBackend {
 public:
  explicit HttpEchoBackend(std::string name = "echo");
  ~HttpEchoBackend();
  HttpEchoBackend(const HttpEchoBackend&) = delete;
  HttpEchoBackend& operator=(const HttpEchoBackend&) = delete;

  std::string address() const;  // "127.0.0.1:port"
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

 private:
  void AcceptLoop();
  void Serve(int fd);

  std::string name_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<int> fds_;
};

}  // namespace ringway::test

#endif  // RINGWAY_TEST_SUPPORT_HTTP_ECHO_BACKEND_H_
