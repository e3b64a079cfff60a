#include "test/support/http_echo_backend.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "dataplane/http/text.h"

namespace ringway::test {
namespace {

bool SendAllBytes(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(n);
  }
  return true;
}

// Reads more into `buffer`; false on EOF or error.
bool ReadMore(int fd, std::string* buffer) {
  char chunk[16384];
  ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
  if (n <= 0) return false;
  buffer->append(chunk, n);
  return true;
}

// The value of header `name` in `head` (case-insensitive), or "".
std::string HeaderValue(std::string_view head, std::string_view name) {
  size_t pos = 0;
  while (true) {
    size_t eol = head.find("\r\n", pos);
    if (eol == std::string_view::npos) return "";
    std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (http::EqualsIgnoreCase(line.substr(0, colon), name)) {
      return std::string(http::StripWhitespace(line.substr(colon + 1)));
    }
  }
}

// Decodes a chunked body from `buffer` (reading more as needed) into
// `payload`; consumes it from the buffer. False on EOF or bad framing.
bool ReadChunked(int fd, std::string* buffer, std::string* payload) {
  for (;;) {
    size_t eol;
    while ((eol = buffer->find("\r\n")) == std::string::npos) {
      if (!ReadMore(fd, buffer)) return false;
    }
    uint64_t size = 0;
    std::string size_text = buffer->substr(0, buffer->find_first_of(";\r"));
    if (!absl::SimpleHexAtoi(size_text, &size)) return false;
    buffer->erase(0, eol + 2);
    if (size == 0) {
      // Trailers up to the empty line.
      for (;;) {
        while ((eol = buffer->find("\r\n")) == std::string::npos) {
          if (!ReadMore(fd, buffer)) return false;
        }
        bool empty = eol == 0;
        buffer->erase(0, eol + 2);
        if (empty) return true;
      }
    }
    while (buffer->size() < size + 2) {
      if (!ReadMore(fd, buffer)) return false;
    }
    payload->append(*buffer, 0, size);
    buffer->erase(0, size + 2);
  }
}

}  // namespace

HttpEchoBackend::HttpEchoBackend(std::string name) : name_(std::move(name)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listen_fd_, 128) != 0) {
    std::perror("HttpEchoBackend");
    std::abort();
  }
  socklen_t length = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &length);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

HttpEchoBackend::~HttpEchoBackend() {
  stop_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  close(listen_fd_);
  std::lock_guard<std::mutex> lock(mu_);
  for (int fd : fds_) shutdown(fd, SHUT_RDWR);
  for (std::thread& t : workers_) t.join();
  for (int fd : fds_) close(fd);
}

std::string HttpEchoBackend::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

void HttpEchoBackend::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    std::lock_guard<std::mutex> lock(mu_);
    fds_.push_back(fd);
    workers_.emplace_back([this, fd] { Serve(fd); });
  }
}

void HttpEchoBackend::Serve(int fd) {
  std::string buffer;
  for (;;) {
    size_t end;
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadMore(fd, &buffer)) return;  // fd closed by the destructor
    }
    std::string head = buffer.substr(0, end + 4);
    buffer.erase(0, end + 4);
    ++requests_;
    std::string body;
    uint64_t length = 0;
    if (http::EqualsIgnoreCase(HeaderValue(head, "expect"), "100-continue") &&
        !SendAllBytes(fd, "HTTP/1.1 100 Continue\r\n\r\n")) {
      return;
    }
    if (http::EqualsIgnoreCase(HeaderValue(head, "transfer-encoding"),
                               "chunked")) {
      if (!ReadChunked(fd, &buffer, &body)) return;
    } else if (absl::SimpleAtoi(HeaderValue(head, "content-length"), &length)) {
      while (buffer.size() < length) {
        if (!ReadMore(fd, &buffer)) return;
      }
      body = buffer.substr(0, length);
      buffer.erase(0, length);
    }
    std::string_view target = head;
    target = target.substr(target.find(' ') + 1);
    target = target.substr(0, target.find(' '));
    std::string common = absl::StrCat("X-Backend: ", name_,
                                      "\r\nStrict-Transport-Security: "
                                      "upstream\r\n");
    if (target.starts_with("/silent/")) {
      while (ReadMore(fd, &buffer)) {
      }
      return;
    }
    if (target.starts_with("/ws/") &&
        http::EqualsIgnoreCase(HeaderValue(head, "upgrade"), "websocket")) {
      SendAllBytes(fd,
                   absl::StrCat("HTTP/1.1 101 Switching Protocols\r\n", common,
                                "Upgrade: websocket\r\nConnection: "
                                "Upgrade\r\n\r\n"));
      // Echo whatever the tunnel carries, until EOF.
      if (!buffer.empty() && !SendAllBytes(fd, buffer)) return;
      char chunk[16384];
      ssize_t n;
      while ((n = recv(fd, chunk, sizeof(chunk), 0)) > 0) {
        if (!SendAllBytes(fd, {chunk, static_cast<size_t>(n)})) return;
      }
      shutdown(fd, SHUT_WR);
      return;
    }
    std::string payload = head + body;
    if (target.starts_with("/close/")) {
      SendAllBytes(fd, absl::StrCat("HTTP/1.1 200 OK\r\n", common,
                                    "Connection: close\r\n\r\n", payload));
      shutdown(fd, SHUT_WR);
      while (ReadMore(fd, &buffer)) {
      }
      return;
    }
    if (target.starts_with("/chunked/")) {
      size_t third = payload.size() / 3;
      std::string out = absl::StrCat("HTTP/1.1 200 OK\r\n", common,
                                     "Transfer-Encoding: chunked\r\n\r\n");
      for (std::string_view piece :
           {std::string_view(payload).substr(0, third),
            std::string_view(payload).substr(third, third),
            std::string_view(payload).substr(2 * third)}) {
        if (piece.empty()) continue;
        char size[32];
        std::snprintf(size, sizeof(size), "%zx\r\n", piece.size());
        absl::StrAppend(&out, size, std::string(piece), "\r\n");
      }
      absl::StrAppend(&out, "0\r\nX-Trailer: done\r\n\r\n");
      if (!SendAllBytes(fd, out)) return;
      continue;
    }
    if (!SendAllBytes(fd, absl::StrCat("HTTP/1.1 200 OK\r\n", common,
                                       "Content-Type: text/plain\r\n"
                                       "Content-Length: ",
                                       payload.size(), "\r\n\r\n", payload))) {
      return;
    }
    if (target.starts_with("/once/")) {
      shutdown(fd, SHUT_RDWR);  // keep-alive promised, then closed
      return;
    }
  }
}

}  // namespace ringway::test
