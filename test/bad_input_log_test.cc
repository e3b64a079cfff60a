// Floods of bad input cannot flood the log: malformed PROXY headers on an
// L4 listener and malformed requests on an HTTP listener are each closed
// and counted one by one, but write at most a burst of lines per reason;
// the next line written says how many were held back. ringway runs in
// this process, so its stderr is captured into a file for the test to
// read.

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "dataplane/stats/shard_stats.h"
#include "gtest/gtest.h"
#include "test/support/eventually.h"
#include "test/support/http_echo_backend.h"
#include "test/support/http_test_client.h"
#include "test/support/proxy_fixture.h"
#include "test/support/tcp_client.h"
#include "test/support/test_backend.h"

namespace ringway::test {
namespace {

using stats::Counter;

// Sends fd 2 to a temporary file while alive.
class StderrCapture {
 public:
  StderrCapture() {
    char path[] = "/tmp/ringway-stderr-XXXXXX";
    fd_ = mkstemp(path);
    unlink(path);
    saved_ = dup(STDERR_FILENO);
    dup2(fd_, STDERR_FILENO);
  }
  ~StderrCapture() {
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    close(fd_);
  }
  std::string Contents() const {
    std::string all;
    char buffer[8192];
    for (off_t at = 0;;) {
      ssize_t n = pread(fd_, buffer, sizeof(buffer), at);
      if (n <= 0) return all;
      all.append(buffer, static_cast<size_t>(n));
      at += n;
    }
  }
  int Lines(const std::string& containing) const {
    int n = 0;
    for (absl::string_view line : absl::StrSplit(Contents(), '\n')) {
      n += absl::StrContains(line, containing);
    }
    return n;
  }

 private:
  int fd_ = -1;
  int saved_ = -1;
};

// Sends `bytes`, then reads until ringway closes the connection.
void SendAndWaitForClose(const address::SocketAddress& to,
                         const std::string& bytes) {
  int fd = ConnectTo(to);
  ASSERT_GE(fd, 0);
  SendAll(fd, bytes);
  bool ok = false;
  ReadToEof(fd, &ok);
  close(fd);
}

constexpr int kFlood = 200;

TEST(BadInputLogTest, MalformedProxyHeadersAreCountedEachButLoggedInBursts) {
  TestBackend backend;
  auto proxy = StartProxy(absl::StrCat(
      "listeners { name: \"l4\" address: \"127.0.0.1:0\" tcp_proxy { "
      "upstream_group: \"g\" } proxy_protocol { trusted_cidrs: "
      "\"127.0.0.1\" } }\nupstream_groups { name: \"g\" servers { address: "
      "\"",
      backend.address(), "\" } }\n"));
  ASSERT_NE(proxy, nullptr);
  StderrCapture log;
  const std::string line = "closing connection from 127.0.0.1";
  for (int i = 0; i < kFlood; ++i) {
    SendAndWaitForClose(proxy->listener_address("l4"), "PROXY GARBAGE\r\n");
  }
  EXPECT_TRUE(Eventually(
      [&] { return proxy->Total(Counter::kProxyHeaderMalformed) == kFlood; }));
  const int written = log.Lines(line);
  EXPECT_GE(written, 1);
  EXPECT_LT(written, kFlood / 4) << log.Contents().substr(0, 2000);
  // Once the limit allows a line again, it says how many were held back.
  EXPECT_TRUE(Eventually([&] {
    SendAndWaitForClose(proxy->listener_address("l4"), "PROXY GARBAGE\r\n");
    return log.Lines("similar lines suppressed)") > 0;
  }));
}

TEST(BadInputLogTest, MalformedHttpRequestsAreCountedEachButLoggedInBursts) {
  HttpEchoBackend backend;
  auto proxy = StartProxy(PlainTable(backend.address()), /*shards=*/1);
  ASSERT_NE(proxy, nullptr);
  StderrCapture log;
  for (int i = 0; i < kFlood; ++i) {
    SendAndWaitForClose(proxy->listener_address("web"),
                        "NOT A REQUEST\r\n\r\n");
  }
  EXPECT_TRUE(Eventually(
      [&] { return proxy->Total(Counter::kHttpBadRequests) == kFlood; }));
  const int written = log.Lines("bad request from");
  EXPECT_GE(written, 1);
  EXPECT_LT(written, kFlood / 4);
  EXPECT_TRUE(Eventually([&] {
    SendAndWaitForClose(proxy->listener_address("web"),
                        "NOT A REQUEST\r\n\r\n");
    return log.Lines("similar lines suppressed)") > 0;
  }));
}

}  // namespace
}  // namespace ringway::test
