// Large Content-Length bodies between plaintext sockets go socket → pipe →
// socket by splice, both ways: the bytes arrive intact, exactly the body is
// read (the upstream connection serves the next request), and an upstream
// that ends inside a spliced body closes the client's connection instead
// of leaving it waiting. Real sockets: raw TCP client, ringway, the echo
// backend (or a scripted one).

#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "dataplane/stats/shard_stats.h"
#include "gtest/gtest.h"
#include "test/support/eventually.h"
#include "test/support/http_echo_backend.h"
#include "test/support/http_test_client.h"
#include "test/support/one_shot_backend.h"
#include "test/support/proxy_fixture.h"
#include "test/support/tcp_client.h"

namespace ringway::test {
namespace {

using stats::Counter;

std::string Pattern(uint64_t seed, size_t size) {
  std::string bytes(size, '\0');
  FillPattern(seed, 0, bytes.data(), size);
  return bytes;
}

// Two 2 MiB uploads on one kept-alive client connection: each request body
// and each response (which echoes it) spliced, the upstream connection
// reused in between, then a small request served through user space.
TEST(HttpBodySpliceTest, LargeBodiesSplicedBothWaysOnKeptConnections) {
  HttpEchoBackend backend;
  auto proxy = StartProxy(PlainTable(backend.address()), /*shards=*/1);
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("web"));
  ASSERT_GE(fd, 0);
  for (int i = 0; i < 2; ++i) {
    const std::string body = Pattern(i + 1, 2 << 20);
    ASSERT_TRUE(
        SendAll(fd, absl::StrCat("POST /up HTTP/1.1\r\nHost: app.test\r\n"
                                 "Content-Length: ",
                                 body.size(), "\r\n\r\n", body)));
    std::string reply = ReadResponses(fd, 1);
    ASSERT_TRUE(absl::StartsWith(reply, "HTTP/1.1 200 "))
        << reply.substr(0, 200);
    EXPECT_TRUE(absl::EndsWith(reply, body))
        << "upload " << i << " came back changed (" << reply.size()
        << " bytes)";
  }
  std::string reply = ReadResponses(
      (SendAll(fd, "GET /small HTTP/1.1\r\nHost: app.test\r\n\r\n"), fd), 1);
  EXPECT_TRUE(absl::StrContains(reply, "GET /small HTTP/1.1\r\n")) << reply;
  close(fd);

  EXPECT_EQ(backend.connections(), 1) << "the upstream was kept throughout";
  EXPECT_EQ(backend.requests(), 3);
  EXPECT_EQ(proxy->Total(Counter::kHttpBodiesSpliced), 4u);
  EXPECT_EQ(proxy->Total(Counter::kHttpUpstreamReuses), 2u);
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kConnectionsOpen) == 0; }));
}

// Small bodies are not worth a pipe.
TEST(HttpBodySpliceTest, SmallBodiesStayInUserSpace) {
  HttpEchoBackend backend;
  auto proxy = StartProxy(PlainTable(backend.address()), /*shards=*/1);
  ASSERT_NE(proxy, nullptr);
  const std::string body = Pattern(9, 16 << 10);
  std::string reply =
      RoundTrip(proxy->listener_address("web"),
                absl::StrCat("POST /up HTTP/1.1\r\nHost: app.test\r\n"
                             "Content-Length: ",
                             body.size(), "\r\n\r\n", body));
  EXPECT_TRUE(absl::EndsWith(reply, body));
  EXPECT_EQ(proxy->Total(Counter::kHttpBodiesSpliced), 0u);
}

// The upstream promises 1 MiB and closes after 300 KiB of it: the client's
// connection ends too (reset, as in user space), not a wait.
TEST(HttpBodySpliceTest, UpstreamEndingInsideASplicedBodyClosesTheClient) {
  OneShotBackend backend;
  auto proxy = StartProxy(PlainTable(backend.address()), /*shards=*/1);
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("web"));
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /big HTTP/1.1\r\nHost: app.test\r\n\r\n"));
  int upstream = backend.Accept();
  ASSERT_GE(upstream, 0);
  while (ReadLine(upstream) != "\r") {
  }
  const std::string part = Pattern(3, 300 << 10);
  ASSERT_TRUE(SendAll(
      upstream, "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n" + part));
  close(upstream);

  bool clean = false;
  std::string got = ReadToEof(fd, &clean);  // FIN or reset: the end
  close(fd);
  // What arrived is the start of what the upstream sent (a reset may cut
  // it short: the Content-Length already tells the client it is short).
  size_t head_end = got.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << got;
  EXPECT_TRUE(absl::StartsWith(part, got.substr(head_end + 4)));
  EXPECT_EQ(proxy->Total(Counter::kHttpBodiesSpliced), 1u);
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kUpstreamResets) == 1; }));
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kConnectionsOpen) == 0; }));
}

}  // namespace
}  // namespace ringway::test
