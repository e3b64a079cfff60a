// The L4 TCP relay through real sockets on 127.0.0.1: echo, 1 GiB both
// ways, half-close (and without it), resets, balancing order, failover,
// recovery, idle timeout and a thousand concurrent connections.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "dataplane/stats/shard_stats.h"
#include "gtest/gtest.h"
#include "test/support/eventually.h"
#include "test/support/one_shot_backend.h"
#include "test/support/proxy_fixture.h"
#include "test/support/tcp_client.h"
#include "test/support/test_backend.h"

namespace ringway::test {
namespace {

using stats::Counter;

// close() with a reset instead of a FIN.
void ResetSocket(int fd) {
  linger hard{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
  close(fd);
}

TEST(L4ProxyTest, EchoesThroughTheProxy) {
  TestBackend echo;
  auto proxy = StartProxy(TcpTable({echo.address()}));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("l4"));
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "hello ringway\n"));
  EXPECT_EQ(ReadLine(fd), "hello ringway");
  close(fd);
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kConnectionsOpen) == 0; }));
  EXPECT_EQ(proxy->Total(Counter::kConnectionsTotal), 1u);
  EXPECT_EQ(proxy->Total(Counter::kBytesClientToUpstream), 14u);
  EXPECT_EQ(proxy->Total(Counter::kBytesUpstreamToClient), 14u);
}

// With defer_accept a client that connected first but has not spoken is
// not accepted (not counted, holds no slot) while one that spoke is
// relayed; without it, the accept queue is FIFO and both are counted by
// the time the second is echoed.
TEST(L4ProxyTest, DeferAcceptRelaysClientsThatSpeakAndHoldsSilentOnes) {
  TestBackend echo;
  for (bool deferred : {true, false}) {
    SCOPED_TRACE(deferred ? "defer_accept: true" : "default");
    auto proxy = StartProxy(
        TcpTable({echo.address()}, deferred ? "defer_accept: true" : ""),
        /*shards=*/1);
    ASSERT_NE(proxy, nullptr);
    int silent = ConnectTo(proxy->listener_address("l4"));
    int speaking = ConnectTo(proxy->listener_address("l4"));
    ASSERT_GE(silent, 0);
    ASSERT_GE(speaking, 0);
    ASSERT_TRUE(SendAll(speaking, "first\n"));
    EXPECT_EQ(ReadLine(speaking), "first");
    EXPECT_EQ(proxy->Total(Counter::kConnectionsTotal), deferred ? 1u : 2u);
    ASSERT_TRUE(SendAll(silent, "late\n"));
    EXPECT_EQ(ReadLine(silent), "late");
    EXPECT_EQ(proxy->Total(Counter::kConnectionsTotal), 2u);
    close(silent);
    close(speaking);
  }
}

TEST(L4ProxyTest, OneGibibyteEachWayArrivesIntact) {
  TestBackend echo;
  auto proxy = StartProxy(TcpTable({echo.address()}));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("l4"), 60000);
  ASSERT_GE(fd, 0);
  constexpr size_t kBlock = 1 << 20;
  constexpr size_t kBlocks = 1024;  // 1 GiB
  Checksum sent;
  std::thread sender([&] {
    std::string block(kBlock, '\0');
    for (size_t i = 0; i < kBlocks; ++i) {
      FillPattern(42, i, block.data(), kBlock);
      sent.Update(block.data(), kBlock);
      if (!SendAll(fd, block)) break;
    }
    shutdown(fd, SHUT_WR);  // echo answers our FIN with its own
  });
  Checksum received;
  size_t total = 0;
  std::vector<char> buffer(kBlock);
  while (true) {
    ssize_t n = read(fd, buffer.data(), buffer.size());
    if (n <= 0) break;
    received.Update(buffer.data(), n);
    total += n;
  }
  sender.join();
  close(fd);
  EXPECT_EQ(total, kBlock * kBlocks);
  EXPECT_EQ(received.value, sent.value);
  EXPECT_TRUE(Eventually([&] {
    return proxy->Total(Counter::kBytesUpstreamToClient) == kBlock * kBlocks;
  }));
  EXPECT_EQ(proxy->Total(Counter::kBytesClientToUpstream), kBlock * kBlocks);
}

TEST(L4ProxyTest, UpstreamHalfCloseReachesClientWhoCanStillSend) {
  OneShotBackend backend;
  auto proxy = StartProxy(TcpTable({backend.address()}));
  ASSERT_NE(proxy, nullptr);
  int client = ConnectTo(proxy->listener_address("l4"));
  int upstream = backend.Accept();
  ASSERT_GE(upstream, 0);
  ASSERT_TRUE(SendAll(upstream, "bye\n"));
  shutdown(upstream, SHUT_WR);
  bool eof_ok = false;
  EXPECT_EQ(ReadToEof(client, &eof_ok), "bye\n");
  EXPECT_TRUE(eof_ok);  // FIN, not a reset
  // The other direction is still open.
  ASSERT_TRUE(SendAll(client, "still here\n"));
  EXPECT_EQ(ReadLine(upstream), "still here");
  shutdown(client, SHUT_WR);
  EXPECT_EQ(ReadToEof(upstream, &eof_ok), "");
  EXPECT_TRUE(eof_ok);
  close(client);
  close(upstream);
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kConnectionsOpen) == 0; }));
  EXPECT_EQ(proxy->Total(Counter::kClientResets), 0u);
}

// With the client's bytes read before the upstream connect (defer_accept:
// the client's receive, submitted with the upstream socket op, completes
// first), the handshake's last ACK rides on them (conn/upstream_socket.h):
// the backend's socket receives one segment fewer than from a client that
// connects and then writes the same bytes.
TEST(L4ProxyTest, HandshakeAckRidesOnTheFirstBytes) {
  OneShotBackend backend;
  auto backend_address = address::SocketAddress::Parse(backend.address());
  ASSERT_TRUE(backend_address.ok());
  int direct = ConnectTo(*backend_address);
  ASSERT_GE(direct, 0);
  ASSERT_TRUE(SendAll(direct, "hello\n"));
  int accepted = backend.Accept();
  ASSERT_GE(accepted, 0);
  EXPECT_EQ(ReadLine(accepted), "hello");
  const uint32_t direct_segments = SegmentsIn(accepted);

  auto proxy = StartProxy(TcpTable({backend.address()}, "defer_accept: true"));
  ASSERT_NE(proxy, nullptr);
  int client = ConnectTo(proxy->listener_address("l4"));
  ASSERT_GE(client, 0);
  ASSERT_TRUE(SendAll(client, "hello\n"));
  int upstream = backend.Accept();
  ASSERT_GE(upstream, 0);
  EXPECT_EQ(ReadLine(upstream), "hello");
  ASSERT_GT(direct_segments, 1u);
  EXPECT_EQ(SegmentsIn(upstream), direct_segments - 1);
  for (int fd : {direct, accepted, client, upstream}) close(fd);
}

// half_close off (nginx's default): the first side's FIN, once its bytes
// are delivered, ends the connection: the other side gets them and a FIN,
// and the first sees the connection end too, though the other has not
// closed. The parameter: the upstream ends first.
class WithoutHalfCloseTest : public testing::TestWithParam<bool> {};

TEST_P(WithoutHalfCloseTest, FirstFinEndsTheConnection) {
  OneShotBackend backend;
  auto proxy = StartProxy(TcpTable({backend.address()}, "half_close: false"));
  ASSERT_NE(proxy, nullptr);
  int client = ConnectTo(proxy->listener_address("l4"));
  int upstream = backend.Accept();
  ASSERT_GE(upstream, 0);
  const int first = GetParam() ? upstream : client;
  const int other = GetParam() ? client : upstream;
  ASSERT_TRUE(SendAll(first, "last words\n"));
  shutdown(first, SHUT_WR);
  bool eof_ok = false;
  EXPECT_EQ(ReadToEof(other, &eof_ok), "last words\n");
  EXPECT_TRUE(eof_ok);  // FIN, not a reset
  EXPECT_EQ(ReadToEof(first, &eof_ok), "");
  EXPECT_TRUE(eof_ok);
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kConnectionsOpen) == 0; }));
  EXPECT_EQ(proxy->Total(Counter::kClientResets), 0u);
  EXPECT_EQ(proxy->Total(Counter::kUpstreamResets), 0u);
  close(client);
  close(upstream);
}

INSTANTIATE_TEST_SUITE_P(L4ProxyTest, WithoutHalfCloseTest, testing::Bool(),
                         [](const testing::TestParamInfo<bool>& info) {
                           return info.param ? "UpstreamEndsFirst"
                                             : "ClientEndsFirst";
                         });

TEST(L4ProxyTest, ClientResetReachesUpstreamAsReset) {
  OneShotBackend backend;
  auto proxy = StartProxy(TcpTable({backend.address()}));
  ASSERT_NE(proxy, nullptr);
  int client = ConnectTo(proxy->listener_address("l4"));
  int upstream = backend.Accept();
  ASSERT_TRUE(SendAll(client, "x\n"));
  EXPECT_EQ(ReadLine(upstream), "x");
  ResetSocket(client);
  char c;
  errno = 0;
  EXPECT_EQ(read(upstream, &c, 1), -1);
  EXPECT_EQ(errno, ECONNRESET);
  close(upstream);
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kClientResets) == 1; }));
}

TEST(L4ProxyTest, UpstreamResetReachesClientAsReset) {
  OneShotBackend backend;
  auto proxy = StartProxy(TcpTable({backend.address()}));
  ASSERT_NE(proxy, nullptr);
  int client = ConnectTo(proxy->listener_address("l4"));
  int upstream = backend.Accept();
  ASSERT_TRUE(SendAll(upstream, "y\n"));
  EXPECT_EQ(ReadLine(client), "y");
  ResetSocket(upstream);
  char c;
  errno = 0;
  EXPECT_EQ(read(client, &c, 1), -1);
  EXPECT_EQ(errno, ECONNRESET);
  close(client);
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kUpstreamResets) == 1; }));
}

std::string TagThroughProxy(const control::RingwayServer& proxy) {
  int fd = ConnectTo(proxy.listener_address("l4"));
  if (fd < 0) return "connect failed";
  std::string tag = ReadLine(fd);
  close(fd);
  return tag;
}

// Regression: a splice still running when a reset closed its connection
// left bytes in a pipe that was then reused, so they reached the *next*
// connection's upstream (seen as TLS "wrong version number" under load).
TEST(L4ProxyTest, ResetMidTransferLeavesNoBytesForTheNextConnection) {
  TestBackend echo;
  auto proxy = StartProxy(TcpTable({echo.address()}), /*shards=*/1);
  ASSERT_NE(proxy, nullptr);
  std::string junk(8 << 20, 'J');
  std::vector<char> sink(1 << 20);
  for (int round = 0; round < 30; ++round) {
    // The client streams through the echo and reads it back at full
    // speed, then resets mid-stream: splices are running in both
    // directions when the reset lands.
    int fd = ConnectTo(proxy->listener_address("l4"));
    ASSERT_GE(fd, 0);
    std::thread sender([&] { SendAll(fd, junk); });
    size_t got = 0;
    while (got < (2u << 20)) {
      ssize_t n = read(fd, sink.data(), sink.size());
      if (n <= 0) break;
      got += n;
    }
    linger hard{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
    shutdown(fd, SHUT_RDWR);  // ends the sender's blocking send
    sender.join();
    close(fd);
    // Fresh connections must see exactly their own bytes.
    for (int i = 0; i < 4; ++i) {
      int next = ConnectTo(proxy->listener_address("l4"));
      ASSERT_GE(next, 0);
      std::string line = absl::StrCat("round ", round, " conn ", i);
      ASSERT_TRUE(SendAll(next, line + "\n"));
      ASSERT_EQ(ReadLine(next), line) << "stale bytes from a reset connection";
      close(next);
    }
  }
}

TEST(L4ProxyTest, RoundRobinVisitsServersInOrder) {
  TestBackend a("A"), b("B"), c("C");
  auto proxy = StartProxy(TcpTable({a.address(), b.address(), c.address()}),
                          /*shards=*/1);
  ASSERT_NE(proxy, nullptr);
  std::string order;
  for (int i = 0; i < 7; ++i) order += TagThroughProxy(*proxy);
  EXPECT_EQ(order, "ABCABCA");
}

TEST(L4ProxyTest, RefusedServerIsSkippedForTheNext) {
  TestBackend live("LIVE");
  RefusingPort dead;
  auto proxy =
      StartProxy(TcpTable({dead.address(), live.address()}), /*shards=*/1);
  ASSERT_NE(proxy, nullptr);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(TagThroughProxy(*proxy), "LIVE");
  // The first connection finds the dead server, which passive health
  // (max_fails 1, fail_timeout 10 s by default, as nginx) then leaves out
  // of rotation: the next ones go straight to the live one.
  EXPECT_EQ(proxy->Total(Counter::kUpstreamConnectRefused), 1u);
  EXPECT_EQ(proxy->Total(Counter::kUpstreamUnavailable), 0u);
}

// Whether a listener's accept queue is full (more waiting connections than
// its backlog), so that the kernel drops further SYNs. For a listener,
// tcp_info reports the queue length in tcpi_unacked and the backlog in
// tcpi_sacked.
bool AcceptQueueIsFull(int listener) {
  tcp_info info{};
  socklen_t length = sizeof(info);
  if (getsockopt(listener, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) {
    return false;
  }
  return info.tcpi_unacked > info.tcpi_sacked;
}

// A listener whose accept queue is full drops further SYNs: connecting to
// it hangs until ringway's connect timeout, which then tries the next
// server.
TEST(L4ProxyTest, ConnectTimeoutMovesToTheNextServer) {
  uint16_t port;
  int blackhole = ListenOnLoopback(&port, /*nonblocking=*/true);
  ASSERT_EQ(listen(blackhole, 0), 0);
  address::SocketAddress target =
      *address::SocketAddress::Parse(absl::StrCat("127.0.0.1:", port));
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {  // never accepted: the queue stays full
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    connect(fd, target.sockaddr_ptr(), target.length());
    fillers.push_back(fd);
  }
  // The first filler's handshake completes and takes the one place in the
  // queue; the others' SYNs are dropped from then on.
  ASSERT_TRUE(Eventually([&] { return AcceptQueueIsFull(blackhole); }))
      << "the filler connections never filled the accept queue";
  TestBackend live("LIVE");
  auto proxy =
      StartProxy(TcpTable({absl::StrCat("127.0.0.1:", port), live.address()},
                          "", "connect_timeout_ms: 300"),
                 /*shards=*/1);
  ASSERT_NE(proxy, nullptr);
  EXPECT_EQ(TagThroughProxy(*proxy), "LIVE");
  // The first server was given up on by the timer, not refused or failed.
  EXPECT_EQ(proxy->Total(Counter::kUpstreamConnectTimeout), 1u);
  EXPECT_EQ(proxy->Total(Counter::kUpstreamConnectRefused), 0u);
  EXPECT_EQ(proxy->Total(Counter::kUpstreamConnectOtherError), 0u);
  EXPECT_EQ(proxy->Total(Counter::kUpstreamUnavailable), 0u);
  EXPECT_EQ(live.accepted(), 1);
  for (int fd : fillers) close(fd);
  close(blackhole);
}

TEST(L4ProxyTest, UnavailableUpstreamClosesClientThenRecovers) {
  RefusingPort down;
  auto proxy = StartProxy(TcpTable({down.address()}));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("l4"));
  ASSERT_GE(fd, 0);
  bool eof_ok = false;
  EXPECT_EQ(ReadToEof(fd, &eof_ok), "");  // closed, nothing relayed
  EXPECT_TRUE(eof_ok);  // by the proxy, not by our read timeout
  close(fd);
  EXPECT_TRUE(Eventually(
      [&] { return proxy->Total(Counter::kUpstreamUnavailable) == 1; }));
  EXPECT_GE(proxy->Total(Counter::kUpstreamConnectRefused), 1u);
  // The same port starts listening: the next connection gets through.
  TestBackend recovered("BACK", std::move(down));
  EXPECT_EQ(TagThroughProxy(*proxy), "BACK");
}

TEST(L4ProxyTest, IdleConnectionIsClosedAfterTheTimeout) {
  TestBackend echo;
  auto proxy = StartProxy(TcpTable({echo.address()}, "idle_timeout_ms: 300"));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("l4"));
  ASSERT_TRUE(SendAll(fd, "ping\n"));
  EXPECT_EQ(ReadLine(fd), "ping");
  bool eof_ok = false;
  // The proxy closes it: a FIN, where our own 10 s read timeout would
  // leave eof_ok false.
  EXPECT_EQ(ReadToEof(fd, &eof_ok), "");
  EXPECT_TRUE(eof_ok);
  close(fd);
  // ...and because of the idle timer, not for any other reason.
  EXPECT_EQ(proxy->Total(Counter::kIdleTimeouts), 1u);
  EXPECT_EQ(proxy->Total(Counter::kClientResets), 0u);
  EXPECT_EQ(proxy->Total(Counter::kUpstreamResets), 0u);
}

TEST(L4ProxyTest, ThousandConcurrentConnections) {
  TestBackend echo;
  auto proxy = StartProxy(TcpTable({echo.address()}));
  ASSERT_NE(proxy, nullptr);
  constexpr int kConnections = 1000;
  std::vector<int> fds;
  uint64_t bytes = 0;
  for (int i = 0; i < kConnections; ++i) {
    int fd = ConnectTo(proxy->listener_address("l4"));
    ASSERT_GE(fd, 0) << "connection " << i;
    std::string line = absl::StrCat("conn ", i, "\n");
    ASSERT_TRUE(SendAll(fd, line));
    bytes += line.size();
    fds.push_back(fd);
  }
  // All open at once: every echo comes back on its own connection.
  EXPECT_TRUE(Eventually(
      [&] { return proxy->Total(Counter::kConnectionsOpen) == kConnections; }));
  for (int i = 0; i < kConnections; ++i) {
    EXPECT_EQ(ReadLine(fds[i]), absl::StrCat("conn ", i));
  }
  for (int fd : fds) close(fd);
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kConnectionsOpen) == 0; }));
  // Each was relayed once, to its own upstream connection, and none ended
  // in any kind of error (connection limit, reset, timeout...).
  EXPECT_EQ(proxy->Total(Counter::kConnectionsTotal), 1000u);
  EXPECT_EQ(proxy->Total(Counter::kUpstreamConnectsOk), 1000u);
  EXPECT_EQ(echo.accepted(), kConnections);
  EXPECT_EQ(proxy->Total(Counter::kBytesClientToUpstream), bytes);
  EXPECT_EQ(proxy->Total(Counter::kBytesUpstreamToClient), bytes);
  for (int c = 0; c < static_cast<int>(Counter::kNumCounters); ++c) {
    Counter counter = static_cast<Counter>(c);
    if (!stats::IsErrorCounter(counter)) continue;
    EXPECT_EQ(proxy->Total(counter), 0u) << stats::CounterName(counter);
  }
}

}  // namespace
}  // namespace ringway::test
