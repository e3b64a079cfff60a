// TLS passthrough through real sockets: routing by SNI and ALPN on a
// ClientHello that arrives in pieces and spans records, bytes relayed
// unchanged, every kind of bad first bytes closed (or sent to the default)
// with its counter, the PROXY protocol sent to upstreams (v1, v2 with ALPN
// and AUTHORITY) and accepted from trusted sources only.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "dataplane/codec/client_hello_test_util.h"
#include "dataplane/codec/proxy_protocol_parser.h"
#include "dataplane/codec/proxy_protocol_writer.h"
#include "dataplane/stats/shard_stats.h"
#include "gtest/gtest.h"
#include "test/support/eventually.h"
#include "test/support/one_shot_backend.h"
#include "test/support/proxy_fixture.h"
#include "test/support/tcp_client.h"
#include "test/support/test_backend.h"

namespace ringway::test {
namespace {

using codec::Bytes;
using codec::CaptureClientHello;
using codec::CaptureOptions;
using stats::Counter;

// Listener "tls" with `listener_body` inside tls_passthrough {}, plus
// `extra` (groups, proxy_protocol) appended.
std::string PassthroughTable(const std::string& passthrough_body,
                             const std::string& groups,
                             const std::string& listener_extra = "") {
  return absl::StrCat(
      "listeners { name: \"tls\" address: \"127.0.0.1:0\" tls_passthrough { ",
      passthrough_body, " } ", listener_extra, " }\n", groups);
}

std::string Group(const std::string& name, const std::string& address,
                  const std::string& extra = "") {
  return absl::StrCat("upstream_groups { name: \"", name,
                      "\" servers { address: \"", address, "\" } ", extra,
                      " }\n");
}

// Connects from `source_ip` (loopback aliases work without setup).
int ConnectFrom(const address::SocketAddress& to, const char* source_ip) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in source{};
  source.sin_family = AF_INET;
  inet_pton(AF_INET, source_ip, &source.sin_addr);
  bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof(source));
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  if (connect(fd, to.sockaddr_ptr(), to.length()) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool Send(int fd, const Bytes& bytes) {
  return SendAll(fd, bytes.data(), bytes.size());
}

// Sends `hello` in several segments with pauses, so the proxy most likely
// sees it arrive over several receives. The pauses only shape the traffic:
// the outcome must be the same however the pieces are coalesced.
void SendInPieces(int fd, const Bytes& hello, std::vector<size_t> cuts) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  size_t start = 0;
  cuts.push_back(hello.size());
  for (size_t cut : cuts) {
    ASSERT_TRUE(SendAll(fd, hello.data() + start, cut - start));
    start = cut;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// The proxy closed the connection (FIN, not a reset nor our 10 s read
// timeout) without sending a byte.
bool ClosedWithoutData(int fd) {
  bool eof_ok = false;
  std::string got = ReadToEof(fd, &eof_ok);
  return eof_ok && got.empty();
}

// What the echo upstream sent back, up to the FIN the proxy relayed.
std::string EchoedToEof(int fd) {
  bool eof_ok = false;
  std::string got = ReadToEof(fd, &eof_ok);
  return eof_ok ? got : got + "<no FIN: reset or read timeout>";
}

std::string AsString(const Bytes& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

// The ClientHello, peeked before the upstream connect, carries the ACK
// that completes the upstream handshake (conn/upstream_socket.h): the
// backend's socket receives one segment fewer than from a client that
// connects and then sends the same bytes.
TEST(PassthroughTest, HandshakeAckRidesOnTheClientHello) {
  OneShotBackend backend;
  Bytes hello = CaptureClientHello({.server_name = "a.example.org"});
  auto backend_address = address::SocketAddress::Parse(backend.address());
  ASSERT_TRUE(backend_address.ok());
  int direct = ConnectTo(*backend_address);
  ASSERT_GE(direct, 0);
  ASSERT_TRUE(Send(direct, hello));
  int accepted = backend.Accept();
  ASSERT_GE(accepted, 0);
  EXPECT_EQ(ReadExactly(accepted, hello.size()), AsString(hello));
  const uint32_t direct_segments = SegmentsIn(accepted);

  auto proxy = StartProxy(PassthroughTable("default_upstream_group: \"g\"",
                                           Group("g", backend.address())));
  ASSERT_NE(proxy, nullptr);
  int client = ConnectTo(proxy->listener_address("tls"));
  ASSERT_GE(client, 0);
  ASSERT_TRUE(Send(client, hello));
  int upstream = backend.Accept();
  ASSERT_GE(upstream, 0);
  EXPECT_EQ(ReadExactly(upstream, hello.size()), AsString(hello));
  ASSERT_GT(direct_segments, 1u);
  EXPECT_EQ(SegmentsIn(upstream), direct_segments - 1);
  for (int fd : {direct, accepted, client, upstream}) close(fd);
}

TEST(PassthroughTest, LargeSplitClientHelloRoutedBySniAndRelayedUnchanged) {
  TestBackend a, b;
  auto proxy = StartProxy(PassthroughTable(
      R"(routes { server_names: "a.example.org" upstream_group: "a" }
         default_upstream_group: "b")",
      Group("a", a.address()) + Group("b", b.address())));
  ASSERT_NE(proxy, nullptr);
  std::vector<std::string> alpn = {"h2", "http/1.1"};
  for (int i = 0; i < 20; ++i) alpn.push_back("proto-" + std::to_string(i));
  Bytes hello = CaptureClientHello({.server_name = "A.Example.Org.",
                                    .alpn = alpn,
                                    .post_quantum = true,
                                    .ech_grease = true});
  ASSERT_GT(hello.size(), 1800u);
  // Two TLS records, cut just before the SNI so the name is only in the
  // second one.
  std::string flat(hello.begin(), hello.end());
  size_t sni = flat.find("A.Example.Org.");
  ASSERT_NE(sni, std::string::npos);
  Bytes records = codec::ReframeClientHello(hello, {sni - 5 - 8});
  int fd = ConnectTo(proxy->listener_address("tls"), 30000);
  ASSERT_GE(fd, 0);
  SendInPieces(fd, records, {3, sni - 4, sni + 3, 1500});
  // Then 1 MiB more, as application data would follow.
  std::string tail(1 << 20, '\0');
  FillPattern(7, 0, tail.data(), tail.size());
  bool eof_ok = false;
  std::string echoed = SendThenReadToEof(fd, tail, &eof_ok);
  close(fd);
  std::string sent(records.begin(), records.end());
  sent += tail;
  Checksum want, got;
  want.Update(sent.data(), sent.size());
  got.Update(echoed.data(), echoed.size());
  EXPECT_EQ(echoed.size(), sent.size());
  EXPECT_EQ(got.value, want.value);
  EXPECT_EQ(a.accepted(), 1);
  EXPECT_EQ(b.accepted(), 0);
}

TEST(PassthroughTest, PrecedenceExactThenLongestPatternThenAlpnThenDefault) {
  TestBackend exact("EXACT"), wild("WILD"), suffix("SUFFIX"), acme("ACME"),
      fallback("DEFAULT");
  auto proxy = StartProxy(PassthroughTable(
      R"(routes { server_names: ".example.org" upstream_group: "suffix" }
         routes { alpn: "acme-tls/1" upstream_group: "acme" }
         routes { server_names: "*.example.org" upstream_group: "wild" }
         routes { server_names: "api.example.org" upstream_group: "exact" }
         default_upstream_group: "default")",
      Group("exact", exact.address()) + Group("wild", wild.address()) +
          Group("suffix", suffix.address()) + Group("acme", acme.address()) +
          Group("default", fallback.address())));
  ASSERT_NE(proxy, nullptr);
  auto route = [&](const std::string& sni, std::vector<std::string> alpn = {}) {
    int fd = ConnectTo(proxy->listener_address("tls"));
    Send(fd, CaptureClientHello({.server_name = sni, .alpn = alpn}));
    std::string tag = ReadLine(fd);
    close(fd);
    return tag;
  };
  EXPECT_EQ(route("api.example.org"), "EXACT");
  EXPECT_EQ(route("www.example.org"), "WILD");
  EXPECT_EQ(route("a.b.example.org"), "SUFFIX");
  EXPECT_EQ(route("example.org"), "SUFFIX");
  EXPECT_EQ(route("other.net", {"acme-tls/1"}), "ACME");
  EXPECT_EQ(route("other.net", {"h2"}), "DEFAULT");
  EXPECT_EQ(route(""), "DEFAULT");  // no SNI at all
}

struct BadInputCase {
  std::string name;
  Bytes bytes;
  Counter counter;
};

TEST(PassthroughTest, BadFirstBytesCloseOnlyThatConnectionWithACounter) {
  TestBackend upstream;
  auto proxy = StartProxy(PassthroughTable(
      R"(routes { server_names: "a.example.org" upstream_group: "a" }
         client_hello_max_bytes: 1024)",
      Group("a", upstream.address())));
  ASSERT_NE(proxy, nullptr);
  std::string http = "GET / HTTP/1.1\r\nHost: a.example.org\r\n\r\n";
  Bytes truncated_record = {0x16, 0x03, 0x01, 0x00, 0x05, 0x02, 0, 0, 1, 0};
  std::vector<BadInputCase> cases = {
      {"http", Bytes(http.begin(), http.end()), Counter::kNotTls},
      {"wrong handshake type", truncated_record,
       Counter::kClientHelloMalformed},
      {"too large",
       CaptureClientHello(
           {.server_name = "a.example.org", .post_quantum = true}),
       Counter::kClientHelloTooLarge},
      {"unknown name", CaptureClientHello({.server_name = "b.example.org"}),
       Counter::kNoRoute},
  };
  for (const BadInputCase& c : cases) {
    SCOPED_TRACE(c.name);
    int fd = ConnectTo(proxy->listener_address("tls"));
    ASSERT_GE(fd, 0);
    Send(fd, c.bytes);
    EXPECT_TRUE(ClosedWithoutData(fd));
    close(fd);
    EXPECT_TRUE(Eventually([&] { return proxy->Total(c.counter) == 1; }));
  }
  EXPECT_EQ(upstream.accepted(), 0);
  // The listener still serves good connections.
  int fd = ConnectTo(proxy->listener_address("tls"));
  Bytes good = CaptureClientHello({.server_name = "a.example.org"});
  Send(fd, good);
  shutdown(fd, SHUT_WR);
  EXPECT_EQ(EchoedToEof(fd), AsString(good));
  close(fd);
  EXPECT_EQ(upstream.accepted(), 1);
}

TEST(PassthroughTest, BadFirstBytesGoToTheDefaultWhenConfigured) {
  TestBackend fallback;
  auto proxy = StartProxy(PassthroughTable(
      R"(default_upstream_group: "d" on_bad_client_hello: USE_DEFAULT)",
      Group("d", fallback.address())));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("tls"));
  ASSERT_TRUE(SendAll(fd, "PLAIN TEXT\n"));
  EXPECT_EQ(ReadLine(fd), "PLAIN TEXT");  // echoed: relayed as it was
  close(fd);
  EXPECT_EQ(proxy->Total(Counter::kNotTls), 1u);
  EXPECT_EQ(proxy->Total(Counter::kBadClientHelloToDefault), 1u);
}

TEST(PassthroughTest, SlowClientHelloIsClosedAtThePeekTimeout) {
  TestBackend upstream;
  auto proxy = StartProxy(
      PassthroughTable(R"(default_upstream_group: "d" peek_timeout_ms: 300)",
                       Group("d", upstream.address())));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("tls"));
  Bytes hello = CaptureClientHello({.server_name = "x.org"});
  ASSERT_TRUE(SendAll(fd, hello.data(), 20));  // and never the rest
  // Closed by the proxy: a FIN, not our own 10 s read timeout.
  EXPECT_TRUE(ClosedWithoutData(fd));
  close(fd);
  EXPECT_EQ(proxy->Total(Counter::kPeekTimeouts), 1u);
  EXPECT_EQ(upstream.accepted(), 0);
}

TEST(PassthroughTest, SendsProxyV1WithTheClientsAddress) {
  OneShotBackend backend;
  auto proxy = StartProxy(PassthroughTable(
      R"(default_upstream_group: "d")",
      Group("d", backend.address(), "send_proxy_protocol: V1")));
  ASSERT_NE(proxy, nullptr);
  address::SocketAddress listener = proxy->listener_address("tls");
  int fd = ConnectFrom(listener, "127.0.0.2");
  ASSERT_GE(fd, 0);
  Bytes hello = CaptureClientHello({.server_name = "x.org"});
  Send(fd, hello);
  shutdown(fd, SHUT_WR);
  std::string got = backend.ReceiveAll();
  std::string header =
      absl::StrCat("PROXY TCP4 127.0.0.2 127.0.0.1 ", LocalPort(fd), " ",
                   listener.port(), "\r\n");
  close(fd);
  EXPECT_EQ(got, header + std::string(hello.begin(), hello.end()));
}

TEST(PassthroughTest, SendsProxyV2WithAlpnAndAuthorityTlvs) {
  OneShotBackend backend;
  auto proxy = StartProxy(PassthroughTable(
      R"(routes { server_names: "api.example.org" upstream_group: "d" })",
      Group("d", backend.address(), "send_proxy_protocol: V2")));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectFrom(proxy->listener_address("tls"), "127.0.0.3");
  Bytes hello = CaptureClientHello(
      {.server_name = "api.example.org", .alpn = {"h2", "http/1.1"}});
  Send(fd, hello);
  shutdown(fd, SHUT_WR);
  std::string got = backend.ReceiveAll();
  close(fd);
  codec::ProxyHeader header;
  ASSERT_EQ(
      codec::ParseProxyHeader(
          {reinterpret_cast<const uint8_t*>(got.data()), got.size()}, &header),
      codec::ProxyHeaderStatus::kComplete);
  EXPECT_EQ(header.version(), 2);
  EXPECT_EQ(address::SocketAddress(header.source()).ToString().substr(0, 10),
            "127.0.0.3:");
  EXPECT_EQ(header.authority(), "api.example.org");
  EXPECT_EQ(header.alpn(), "h2");
  EXPECT_EQ(got.substr(header.header_length()),
            std::string(hello.begin(), hello.end()));
}

std::string ProxyV1(const char* source, uint16_t source_port) {
  return absl::StrCat("PROXY TCP4 ", source, " 198.51.100.1 ", source_port,
                      " 443\r\n");
}

TEST(PassthroughTest, TrustedInboundProxyHeaderIsStrippedAndPassedOn) {
  OneShotBackend backend;
  auto proxy = StartProxy(
      PassthroughTable(R"(default_upstream_group: "d")",
                       Group("d", backend.address(), "send_proxy_protocol: V1"),
                       R"(proxy_protocol { trusted_cidrs: "127.0.0.0/8" })"));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("tls"));
  Bytes hello = CaptureClientHello({.server_name = "x.org"});
  ASSERT_TRUE(SendAll(fd, ProxyV1("203.0.113.7", 5555)));
  Send(fd, hello);
  shutdown(fd, SHUT_WR);
  std::string got = backend.ReceiveAll();
  close(fd);
  EXPECT_EQ(got, "PROXY TCP4 203.0.113.7 198.51.100.1 5555 443\r\n" +
                     std::string(hello.begin(), hello.end()));
  EXPECT_EQ(proxy->Total(Counter::kProxyHeadersAccepted), 1u);
}

TEST(PassthroughTest, UntrustedProxyHeaderIsRefusedButPlainClientsPass) {
  TestBackend upstream;
  auto proxy = StartProxy(PassthroughTable(
      R"(default_upstream_group: "d")", Group("d", upstream.address()),
      R"(proxy_protocol { trusted_cidrs: "10.0.0.0/8" })"));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("tls"));
  ASSERT_TRUE(SendAll(fd, ProxyV1("203.0.113.7", 5555)));
  EXPECT_TRUE(ClosedWithoutData(fd));
  close(fd);
  EXPECT_TRUE(Eventually(
      [&] { return proxy->Total(Counter::kProxyHeaderUntrusted) == 1; }));
  fd = ConnectTo(proxy->listener_address("tls"));
  Bytes hello = CaptureClientHello({.server_name = "x.org"});
  Send(fd, hello);
  shutdown(fd, SHUT_WR);
  EXPECT_EQ(EchoedToEof(fd), AsString(hello));
  close(fd);
  EXPECT_EQ(upstream.accepted(), 1);
}

TEST(PassthroughTest, V2LocalUsesTheSocketAddressAndRequiredMeansRequired) {
  OneShotBackend backend;
  auto proxy = StartProxy(PassthroughTable(
      R"(default_upstream_group: "d")",
      Group("d", backend.address(), "send_proxy_protocol: V1"),
      R"(proxy_protocol { trusted_cidrs: "127.0.0.0/8" required: true })"));
  ASSERT_NE(proxy, nullptr);
  // A load balancer's health check: v2 LOCAL.
  const uint8_t local[] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51,
                           0x55, 0x49, 0x54, 0x0a, 0x20, 0x00, 0x00, 0x00};
  int fd = ConnectFrom(proxy->listener_address("tls"), "127.0.0.4");
  ASSERT_TRUE(SendAll(fd, local, sizeof(local)));
  Send(fd, CaptureClientHello({.server_name = "x.org"}));
  shutdown(fd, SHUT_WR);
  std::string got = backend.ReceiveAll();
  close(fd);
  EXPECT_EQ(got.rfind("PROXY TCP4 127.0.0.4 127.0.0.1 ", 0), 0u) << got;
  // Trusted but no header: refused, since it is required.
  fd = ConnectTo(proxy->listener_address("tls"));
  Send(fd, CaptureClientHello({.server_name = "x.org"}));
  EXPECT_TRUE(ClosedWithoutData(fd));
  close(fd);
  EXPECT_TRUE(Eventually(
      [&] { return proxy->Total(Counter::kProxyHeaderMissing) == 1; }));
}

TEST(PassthroughTest, TcpListenerStripsTrustedProxyHeader) {
  TestBackend echo;
  auto proxy = StartProxy(TcpTable(
      {echo.address()}, R"(proxy_protocol { trusted_cidrs: "127.0.0.1" })"));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("l4"));
  ASSERT_TRUE(SendAll(fd, ProxyV1("192.0.2.9", 4000) + "payload\n"));
  EXPECT_EQ(ReadLine(fd), "payload");  // the header never reached the echo
  close(fd);
}

}  // namespace
}  // namespace ringway::test
