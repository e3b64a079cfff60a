// A real TLS backend for integration tests: BoringSSL on plain blocking
// sockets (user-space records, whatever the kernel has), a thread per
// connection, echoing what it reads (or, with `http`, answering HTTP/1.1
// requests with what it read). It says how each connection ended: with
// the peer's close_notify (a clean TLS end) or not.
//
//   TlsEchoBackend backend({.version = TLS1_3_VERSION});
//   proxy config: servers { address: backend.address() } tls { }

#ifndef RINGWAY_TEST_SUPPORT_TLS_ECHO_BACKEND_H_
#define RINGWAY_TEST_SUPPORT_TLS_ECHO_BACKEND_H_

#include <openssl/base.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ringway::test {

struct TlsEchoOptions {
  uint16_t version = 0;               // the only one allowed; 0: 1.2 and 1.3
  const char* cipher_list = nullptr;  // TLS 1.2 suites
  bool tickets = true;                // session tickets (resumption)
  // TLS 1.3: after echoing this many bytes, send a KeyUpdate once.
  size_t key_update_after = 0;
  // Instead of echoing, read to the peer's close_notify and answer with
  // the SHA-256 of everything read (then close_notify).
  bool digest = false;
  // Read nothing after the handshake until ReleaseReads(): the sockets
  // towards the backend fill up.
  bool hold_reads = false;
  // HTTP/1.1 instead of bytes: each request (Content-Length body or none)
  // is answered 200 with a body of the request head and body as received,
  // on a kept-alive connection.
  bool http = false;
  // Demands a client certificate (TLS 1.3 refuses its absence with an
  // alert after the client's Finished).
  bool require_client_certificate = false;
};

class TlsEchoBackend {
 public:
  explicit TlsEchoBackend(TlsEchoOptions options = {});
  ~TlsEchoBackend();
  TlsEchoBackend(const TlsEchoBackend&) = delete;
  TlsEchoBackend& operator=(const TlsEchoBackend&) = delete;

  std::string address() const;  // "127.0.0.1:port"
  int handshakes() const { return handshakes_.load(); }
  int resumed() const { return resumed_.load(); }
  // Connections that ended with the peer's close_notify.
  int close_notifies() const { return close_notifies_.load(); }
  // Connections that ended (any way).
  int finished() const { return finished_.load(); }
  int requests() const { return requests_.load(); }  // with `http`
  // With `hold_reads`: connections start reading now.
  void ReleaseReads();

 private:
  void AcceptLoop();
  void Serve(int fd);
  void Echo(SSL* ssl);
  void Digest(SSL* ssl);
  void ServeHttp(SSL* ssl);
  void WaitForRelease();

  TlsEchoOptions options_;
  void* ctx_ = nullptr;  // SSL_CTX
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> handshakes_{0};
  std::atomic<int> resumed_{0};
  std::atomic<int> close_notifies_{0};
  std::atomic<int> finished_{0};
  std::atomic<int> requests_{0};
  std::thread acceptor_;
  std::mutex release_mutex_;
  std::condition_variable released_cv_;
  bool released_ = false;  // guarded by release_mutex_
  std::mutex mutex_;       // guards the two below
  std::vector<std::thread> connections_;
  std::vector<int> fds_;
};

}  // namespace ringway::test

#endif  // RINGWAY_TEST_SUPPORT_TLS_ECHO_BACKEND_H_
