// The PROXY protocol end to end through real sockets, beside the
// passthrough suite: tcp_proxy listeners sending it, an inbound header
// followed at once by a large payload, IPv6 both ways over [::1], and a
// dual-stack listener that must write TCP4 for an IPv4 client. Also the
// relay's transports: small exchanges stay on recv/send, bulk moves to
// splice.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "dataplane/codec/proxy_protocol_parser.h"
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

// A one-connection backend on any address ("[::1]:0"), kernel-chosen port.
class AnyAddressBackend {
 public:
  explicit AnyAddressBackend(const std::string& where) {
    address::SocketAddress at = *address::SocketAddress::Parse(where);
    fd_ = socket(at.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_EQ(bind(fd_, at.sockaddr_ptr(), at.length()), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    sockaddr_storage bound{};
    socklen_t len = sizeof(bound);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &len);
    address_ = address::SocketAddress(bound).ToString();
  }
  ~AnyAddressBackend() { close(fd_); }
  const std::string& address() const { return address_; }
  std::string ReceiveAll() {
    int fd = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    timeval timeout{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    bool ok = false;
    std::string got = ReadToEof(fd, &ok);
    close(fd);
    return ok ? got : got + "<no FIN>";
  }

 private:
  int fd_ = -1;
  std::string address_;
};

std::string Table(const std::string& listen, const std::string& server,
                  const std::string& listener_extra,
                  const std::string& group_extra) {
  return absl::StrCat("listeners { name: \"l4\" address: \"", listen,
                      "\" tcp_proxy { upstream_group: \"g\" } ", listener_extra,
                      " }\nupstream_groups { name: \"g\" servers { address: \"",
                      server, "\" } ", group_extra, " }\n");
}

// Regression: a tcp_proxy listener used to send only the client's bytes.
TEST(ProxyProtocolTest, TcpProxyListenerSendsProxyV1) {
  OneShotBackend backend;
  auto proxy = StartProxy(
      Table("127.0.0.1:0", backend.address(), "", "send_proxy_protocol: V1"));
  ASSERT_NE(proxy, nullptr);
  address::SocketAddress listener = proxy->listener_address("l4");
  int fd = ConnectTo(listener);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "hello"));
  shutdown(fd, SHUT_WR);
  std::string got = backend.ReceiveAll();
  EXPECT_EQ(got, absl::StrCat("PROXY TCP4 127.0.0.1 127.0.0.1 ", LocalPort(fd),
                              " ", listener.port(), "\r\nhello"));
  close(fd);
}

TEST(ProxyProtocolTest, TcpProxyListenerSendsProxyV2EvenBeforeClientBytes) {
  OneShotBackend backend;
  auto proxy = StartProxy(
      Table("127.0.0.1:0", backend.address(), "", "send_proxy_protocol: V2"));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("l4"));
  ASSERT_GE(fd, 0);
  shutdown(fd, SHUT_WR);  // a client that sends nothing at all
  std::string got = backend.ReceiveAll();
  codec::ProxyHeader header;
  ASSERT_EQ(
      codec::ParseProxyHeader(
          {reinterpret_cast<const uint8_t*>(got.data()), got.size()}, &header),
      codec::ProxyHeaderStatus::kComplete);
  EXPECT_EQ(header.version(), 2);
  EXPECT_EQ(address::SocketAddress(header.source()).port(), LocalPort(fd));
  EXPECT_EQ(got.size(), header.header_length());
  close(fd);
}

// Regression: a PROXY header followed at once by 100 KB never reached the
// backend, and the connection then held the drain until its deadline.
TEST(ProxyProtocolTest, InboundHeaderFollowedAtOnceByALargePayload) {
  OneShotBackend backend;
  auto proxy =
      StartProxy(Table("127.0.0.1:0", backend.address(),
                       R"(proxy_protocol { trusted_cidrs: "127.0.0.1" })",
                       "send_proxy_protocol: V1"));
  ASSERT_NE(proxy, nullptr);
  std::string payload(100 * 1024, '\0');
  FillPattern(7, 0, payload.data(), payload.size());
  int fd = ConnectTo(proxy->listener_address("l4"));
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(
      fd, "PROXY TCP4 203.0.113.7 198.51.100.1 5555 443\r\n" + payload));
  shutdown(fd, SHUT_WR);
  std::string got = backend.ReceiveAll();
  std::string header = "PROXY TCP4 203.0.113.7 198.51.100.1 5555 443\r\n";
  ASSERT_EQ(got.size(), header.size() + payload.size());
  EXPECT_EQ(got.substr(0, header.size()), header);
  EXPECT_TRUE(got.substr(header.size()) == payload) << "payload differs";
  bool eof_ok = false;
  ReadToEof(fd, &eof_ok);  // the backend closed: so does the proxy
  EXPECT_TRUE(eof_ok);
  close(fd);
  // Nothing is left open to hold a drain.
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kConnectionsOpen) == 0; }));
}

// PROXY v1 in and v2 out, all over IPv6 loopback.
TEST(ProxyProtocolTest, Ipv6HeaderInAndOut) {
  AnyAddressBackend backend("[::1]:0");
  auto proxy =
      StartProxy(Table("[::1]:0", backend.address(),
                       R"(proxy_protocol { trusted_cidrs: "::1/128" })",
                       "send_proxy_protocol: V2"));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("l4"));
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(
      SendAll(fd, "PROXY TCP6 2001:db8::7 2001:db8::1 40000 443\r\nbytes"));
  shutdown(fd, SHUT_WR);
  std::string got = backend.ReceiveAll();
  close(fd);
  codec::ProxyHeader header;
  ASSERT_EQ(
      codec::ParseProxyHeader(
          {reinterpret_cast<const uint8_t*>(got.data()), got.size()}, &header),
      codec::ProxyHeaderStatus::kComplete);
  EXPECT_EQ(address::SocketAddress(header.source()).ToString(),
            "[2001:db8::7]:40000");
  EXPECT_EQ(address::SocketAddress(header.destination()).ToString(),
            "[2001:db8::1]:443");
  EXPECT_EQ(got.substr(header.header_length()), "bytes");
}

TEST(ProxyProtocolTest, Ipv6ClientAddressGoesOutAsTcp6) {
  AnyAddressBackend backend("[::1]:0");
  auto proxy = StartProxy(
      Table("[::1]:0", backend.address(), "", "send_proxy_protocol: V1"));
  ASSERT_NE(proxy, nullptr);
  address::SocketAddress listener = proxy->listener_address("l4");
  int fd = ConnectTo(listener);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "x"));
  shutdown(fd, SHUT_WR);
  std::string got = backend.ReceiveAll();
  EXPECT_EQ(got, absl::StrCat("PROXY TCP6 ::1 ::1 ", LocalPort(fd), " ",
                              listener.port(), "\r\nx"));
  close(fd);
}

// A dual-stack listener ([::]) reports an IPv4 client as ::ffff:127.0.0.1;
// the header must still say TCP4 127.0.0.1.
TEST(ProxyProtocolTest, DualStackListenerWritesTcp4ForAnIpv4Client) {
  OneShotBackend backend;
  auto proxy = StartProxy(
      Table("[::]:0", backend.address(), "", "send_proxy_protocol: V1"));
  ASSERT_NE(proxy, nullptr);
  uint16_t port = proxy->listener_address("l4").port();
  int fd = ConnectTo(
      *address::SocketAddress::Parse(absl::StrCat("127.0.0.1:", port)));
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "v4"));
  shutdown(fd, SHUT_WR);
  std::string got = backend.ReceiveAll();
  EXPECT_EQ(got, absl::StrCat("PROXY TCP4 127.0.0.1 127.0.0.1 ", LocalPort(fd),
                              " ", port, "\r\nv4"));
  close(fd);
}

// A 100-byte exchange never takes a pipe; a 4 MiB one moves to splice.
TEST(ProxyProtocolTest, SmallExchangesStayOnRecvSendAndBulkSplices) {
  TestBackend echo;
  auto proxy = StartProxy(TcpTable({echo.address()}));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("l4"));
  ASSERT_GE(fd, 0);
  std::string small(99, 's');
  ASSERT_TRUE(SendAll(fd, small + "\n"));
  EXPECT_EQ(ReadLine(fd), small);
  close(fd);
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kConnectionsOpen) == 0; }));
  EXPECT_EQ(proxy->Total(Counter::kDirectionsSpliced), 0u);

  fd = ConnectTo(proxy->listener_address("l4"));
  ASSERT_GE(fd, 0);
  std::string bulk(4 << 20, '\0');
  FillPattern(11, 0, bulk.data(), bulk.size());
  bool eof_ok = false;
  std::string back = SendThenReadToEof(fd, bulk, &eof_ok);
  close(fd);
  EXPECT_TRUE(eof_ok);
  EXPECT_EQ(back.size(), bulk.size());
  EXPECT_TRUE(back == bulk) << "echoed bytes differ";
  EXPECT_GE(proxy->Total(Counter::kDirectionsSpliced), 1u);
}

}  // namespace
}  // namespace ringway::test
