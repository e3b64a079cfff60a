// Blocking TCP client helpers for integration tests, with timeouts so a
// broken proxy fails a test instead of hanging it.

#ifndef RINGWAY_TEST_SUPPORT_TCP_CLIENT_H_
#define RINGWAY_TEST_SUPPORT_TCP_CLIENT_H_

#include <cstdint>
#include <string>

#include "dataplane/address/socket_address.h"

namespace ringway::test {

// Connected fd, or -1. Receive/send timeouts of `timeout_ms`.
int ConnectTo(const address::SocketAddress& address, int timeout_ms = 10000);
bool SendAll(int fd, const void* data, size_t size);
bool SendAll(int fd, const std::string& data);
// Reads one '\n'-terminated line (without it); "" on EOF or timeout.
std::string ReadLine(int fd);
// Reads exactly `size` bytes, or fewer on EOF/timeout.
std::string ReadExactly(int fd, size_t size);
// Reads until EOF; `ok` false on timeout or error (reset).
std::string ReadToEof(int fd, bool* ok);
// Sends `payload` from a second thread, then FIN, while reading everything
// that comes back until EOF (`ok` as ReadToEof): an echo round trip whose
// size exceeds what the socket buffers hold.
std::string SendThenReadToEof(int fd, const std::string& payload, bool* ok);
// The local port of a connected or bound socket.
uint16_t LocalPort(int fd);
// Segments the socket has received so far (TCP_INFO tcpi_segs_in), or 0.
uint32_t SegmentsIn(int fd);

// Deterministic pseudo-random bytes: block `index` of stream `seed`.
void FillPattern(uint64_t seed, uint64_t index, char* out, size_t size);
// FNV-1a, streaming.
struct Checksum {
  uint64_t value = 1469598103934665603ull;
  void Update(const char* data, size_t size);
};

}  // namespace ringway::test

#endif  // RINGWAY_TEST_SUPPORT_TCP_CLIENT_H_
