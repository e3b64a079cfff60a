#include "test/support/tls_echo_backend.h"

#include <netinet/in.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

#include "dataplane/tls/test_server_ctx.h"

namespace ringway::test {

TlsEchoBackend::TlsEchoBackend(TlsEchoOptions options) : options_(options) {
  ctx_ =
      tls::TestServerCtx(options.version, options.cipher_list, options.tickets)
          .release();
  if (options.require_client_certificate) {
    SSL_CTX_set_verify(static_cast<SSL_CTX*>(ctx_),
                       SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       nullptr);
  }
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (listener_ < 0 ||
      bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
          0 ||
      listen(listener_, 64) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) !=
          0) {
    abort();
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TlsEchoBackend::~TlsEchoBackend() {
  stop_ = true;
  ReleaseReads();
  acceptor_.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int fd : fds_) shutdown(fd, SHUT_RDWR);  // unblocks the readers
  }
  for (std::thread& t : connections_) t.join();
  for (int fd : fds_) close(fd);
  close(listener_);
  SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
}

std::string TlsEchoBackend::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

void TlsEchoBackend::AcceptLoop() {
  while (!stop_) {
    pollfd p{listener_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    fds_.push_back(fd);
    connections_.emplace_back([this, fd] { Serve(fd); });
  }
}

void TlsEchoBackend::ReleaseReads() {
  std::lock_guard<std::mutex> lock(release_mutex_);
  released_ = true;
  released_cv_.notify_all();
}

void TlsEchoBackend::WaitForRelease() {
  std::unique_lock<std::mutex> lock(release_mutex_);
  released_cv_.wait(lock, [this] { return released_ || stop_; });
}

void TlsEchoBackend::Serve(int fd) {
  bssl::UniquePtr<SSL> ssl(SSL_new(static_cast<SSL_CTX*>(ctx_)));
  SSL_set_fd(ssl.get(), fd);
  if (SSL_accept(ssl.get()) == 1) {
    ++handshakes_;
    if (SSL_session_reused(ssl.get())) ++resumed_;
    if (options_.hold_reads) WaitForRelease();
    if (options_.http) {
      ServeHttp(ssl.get());
    } else if (options_.digest) {
      Digest(ssl.get());
    } else {
      Echo(ssl.get());
    }
  }
  shutdown(fd, SHUT_RDWR);  // FIN; the destructor closes the fd
  ++finished_;
}

void TlsEchoBackend::Echo(SSL* ssl) {
  std::string buffer(64 * 1024, '\0');
  size_t echoed = 0;
  bool key_updated = false;
  for (;;) {
    int n = SSL_read(ssl, buffer.data(), static_cast<int>(buffer.size()));
    if (n <= 0) {
      if (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN) {
        ++close_notifies_;
        SSL_shutdown(ssl);  // ours back
      }
      return;
    }
    if (SSL_write(ssl, buffer.data(), n) != n) return;
    echoed += static_cast<size_t>(n);
    if (options_.key_update_after != 0 && !key_updated &&
        echoed >= options_.key_update_after) {
      key_updated = true;
      // Goes out ahead of the next echoed record.
      SSL_key_update(ssl, SSL_KEY_UPDATE_NOT_REQUESTED);
    }
  }
}

void TlsEchoBackend::Digest(SSL* ssl) {
  SHA256_CTX sha;
  SHA256_Init(&sha);
  std::string buffer(64 * 1024, '\0');
  for (;;) {
    int n = SSL_read(ssl, buffer.data(), static_cast<int>(buffer.size()));
    if (n > 0) {
      SHA256_Update(&sha, buffer.data(), static_cast<size_t>(n));
      continue;
    }
    if (SSL_get_error(ssl, n) != SSL_ERROR_ZERO_RETURN) return;
    ++close_notifies_;
    uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256_Final(digest, &sha);
    if (SSL_write(ssl, digest, sizeof(digest)) == sizeof(digest)) {
      SSL_shutdown(ssl);
    }
    return;
  }
}

void TlsEchoBackend::ServeHttp(SSL* ssl) {
  std::string in;
  char buffer[64 * 1024];
  for (;;) {
    size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      int n = SSL_read(ssl, buffer, sizeof(buffer));
      if (n <= 0) return;
      in.append(buffer, static_cast<size_t>(n));
    }
    size_t length = 0;
    std::string head = in.substr(0, head_end + 4);
    std::string lower = head;
    for (char& c : lower) c = static_cast<char>(tolower(c));
    size_t at = lower.find("\r\ncontent-length: ");
    if (at != std::string::npos) length = strtoul(&head[at + 18], nullptr, 10);
    while (in.size() < head_end + 4 + length) {
      int n = SSL_read(ssl, buffer, sizeof(buffer));
      if (n <= 0) return;
      in.append(buffer, static_cast<size_t>(n));
    }
    std::string body = in.substr(0, head_end + 4 + length);
    in.erase(0, body.size());
    ++requests_;
    std::string response =
        "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
    for (size_t sent = 0; sent < response.size();) {
      int n = SSL_write(ssl, response.data() + sent,
                        static_cast<int>(std::min<size_t>(
                            response.size() - sent, 64 * 1024)));
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }
}

}  // namespace ringway::test
