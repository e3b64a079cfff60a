#include "test/support/tcp_client.h"

#include <linux/tcp.h>  // tcp_info with tcpi_segs_in
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

namespace ringway::test {

int ConnectTo(const address::SocketAddress& address, int timeout_ms) {
  int fd = socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if (connect(fd, address.sockaddr_ptr(), address.length()) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = send(fd, p, size, MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
    p += n;
    size -= n;
  }
  return true;
}

bool SendAll(int fd, const std::string& data) {
  return SendAll(fd, data.data(), data.size());
}

std::string ReadLine(int fd) {
  std::string line;
  char c;
  while (read(fd, &c, 1) == 1) {
    if (c == '\n') return line;
    line += c;
  }
  return line;
}

std::string ReadExactly(int fd, size_t size) {
  std::string out(size, '\0');
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(fd, out.data() + got, size - got);
    if (n <= 0) break;
    got += n;
  }
  out.resize(got);
  return out;
}

std::string ReadToEof(int fd, bool* ok) {
  std::string out;
  char buffer[65536];
  while (true) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n == 0) {
      *ok = true;
      return out;
    }
    if (n < 0) {
      *ok = false;
      return out;
    }
    out.append(buffer, n);
  }
}

void FillPattern(uint64_t seed, uint64_t index, char* out, size_t size) {
  // splitmix64 over (seed, index, position): cheap and reproducible.
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + index * 0xBF58476D1CE4E5B9ull;
  for (size_t i = 0; i < size; i += 8) {
    x += 0x9E3779B97F4A7C15ull;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    for (size_t b = 0; b < 8 && i + b < size; ++b)
      out[i + b] = char(z >> (8 * b));
  }
}

void Checksum::Update(const char* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    value ^= static_cast<uint8_t>(data[i]);
    value *= 1099511628211ull;
  }
}

std::string SendThenReadToEof(int fd, const std::string& payload, bool* ok) {
  std::thread sender([fd, &payload] {
    SendAll(fd, payload);
    shutdown(fd, SHUT_WR);
  });
  std::string got = ReadToEof(fd, ok);
  sender.join();
  return got;
}

uint16_t LocalPort(int fd) {
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
  return address::SocketAddress(local).port();
}

uint32_t SegmentsIn(int fd) {
  tcp_info info{};
  socklen_t length = sizeof(info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return 0;
  return info.tcpi_segs_in;
}

}  // namespace ringway::test
