// The HTTP reverse proxy through real sockets: plain HTTP and HTTPS
// listeners in front of an echo backend that answers with the request it
// received, so each forwarded header is asserted as the upstream saw it.
// Clients are raw TCP sockets (exact bytes) and curl (a real client, for
// TLS with SNI, keep-alive, chunked uploads and redirects).

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "dataplane/stats/shard_stats.h"
#include "dataplane/tls/test_pki.h"
#include "gtest/gtest.h"
#include "test/support/eventually.h"
#include "test/support/http_echo_backend.h"
#include "test/support/http_test_client.h"
#include "test/support/one_shot_backend.h"
#include "test/support/proxy_fixture.h"
#include "test/support/tcp_client.h"
#include "test/support/test_backend.h"

namespace ringway::test {
namespace {

using stats::Counter;

TEST(HttpProxyTest, ForwardsHeadersThatCarryTheClientAndAddsResponseHeaders) {
  HttpEchoBackend backend;
  auto proxy = StartProxy(PlainTable(backend.address()));
  ASSERT_NE(proxy, nullptr);
  std::string reply = RoundTrip(
      proxy->listener_address("web"),
      "GET /hello?x=1 HTTP/1.1\r\nHost: app.test\r\n"
      "X-Forwarded-For: 203.0.113.7\r\nConnection: keep-alive, X-Drop\r\n"
      "X-Drop: secret\r\nKeep-Alive: timeout=5\r\nUser-Agent: t\r\n\r\n");
  // What the backend received (echoed in the body).
  EXPECT_TRUE(absl::StrContains(reply, "GET /hello?x=1 HTTP/1.1\r\n")) << reply;
  EXPECT_TRUE(absl::StrContains(reply, "Host: app.test\r\n")) << reply;
  EXPECT_TRUE(
      absl::StrContains(reply, "X-Forwarded-For: 203.0.113.7, 127.0.0.1\r\n"))
      << reply;
  EXPECT_TRUE(absl::StrContains(reply, "X-Real-IP: 127.0.0.1\r\n")) << reply;
  EXPECT_TRUE(absl::StrContains(reply, "X-Forwarded-Proto: http\r\n")) << reply;
  EXPECT_TRUE(absl::StrContains(reply, "X-Forwarded-Host: app.test\r\n"))
      << reply;
  EXPECT_TRUE(absl::StrContains(reply, "User-Agent: t\r\n")) << reply;
  // Hop-by-hop fields, and the ones Connection names, stay here.
  EXPECT_FALSE(absl::StrContains(reply, "X-Drop")) << reply;
  EXPECT_FALSE(absl::StrContains(reply, "Keep-Alive")) << reply;
  // The response: 200 with the added headers; the configured HSTS
  // replaces the upstream's.
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 200 OK\r\n")) << reply;
  EXPECT_TRUE(absl::StrContains(reply, "X-Backend: echo\r\n")) << reply;
  EXPECT_TRUE(absl::StrContains(
      reply, "Strict-Transport-Security: max-age=63072000\r\n"))
      << reply;
  EXPECT_FALSE(absl::StrContains(reply, "Strict-Transport-Security: upstream"))
      << reply;
  EXPECT_TRUE(absl::StrContains(reply, "X-Content-Type-Options: nosniff\r\n"))
      << reply;
  EXPECT_EQ(proxy->Total(Counter::kHttpRequests), 1u);
}

TEST(HttpProxyTest, KeepAliveAndPipelinedRequestsShareOneClientConnection) {
  HttpEchoBackend backend;
  auto proxy = StartProxy(PlainTable(backend.address()));
  ASSERT_NE(proxy, nullptr);
  std::string reply = RoundTrip(
      proxy->listener_address("web"),
      "GET /one HTTP/1.1\r\nHost: app.test\r\n\r\n"
      "POST /two HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\n\r\nhello"
      "GET /three HTTP/1.1\r\nHost: app.test\r\n\r\n",
      3);
  size_t one = reply.find("GET /one ");
  size_t two = reply.find("POST /two ");
  size_t three = reply.find("GET /three ");
  ASSERT_NE(one, std::string::npos) << reply;
  ASSERT_NE(two, std::string::npos) << reply;
  ASSERT_NE(three, std::string::npos) << reply;
  EXPECT_LT(one, two);
  EXPECT_LT(two, three);
  EXPECT_TRUE(absl::StrContains(reply, "Content-Length: 5\r\n")) << reply;
  EXPECT_TRUE(absl::StrContains(reply, "\r\n\r\nhello")) << reply;
  EXPECT_EQ(proxy->Total(Counter::kHttpRequests), 3u);
  EXPECT_EQ(proxy->Total(Counter::kConnectionsTotal), 1u);
}

TEST(HttpProxyTest, UpstreamConnectionsAreKeptAndReused) {
  HttpEchoBackend backend;
  auto proxy = StartProxy(PlainTable(backend.address()), /*shards=*/1);
  ASSERT_NE(proxy, nullptr);
  for (int i = 0; i < 3; ++i) {
    std::string reply = RoundTrip(proxy->listener_address("web"),
                                  "GET /r HTTP/1.1\r\nHost: app.test\r\n\r\n");
    EXPECT_TRUE(absl::StrContains(reply, "Connection: keep-alive\r\n"))
        << reply;  // what the upstream was asked
  }
  EXPECT_EQ(backend.connections(), 1);
  EXPECT_EQ(proxy->Total(Counter::kHttpUpstreamReuses), 2u);
  // A kept connection the server closed is noticed, not reused.
  std::string reply =
      RoundTrip(proxy->listener_address("web"),
                "GET /once/ HTTP/1.1\r\nHost: app.test\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 200 ")) << reply;
  reply = RoundTrip(proxy->listener_address("web"),
                    "GET /after HTTP/1.1\r\nHost: app.test\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 200 ")) << reply;
  EXPECT_EQ(backend.connections(), 2);
  EXPECT_EQ(proxy->Total(Counter::kHttpBadGateway), 0u);
}

TEST(HttpProxyTest, KeepaliveZeroClosesEachUpstreamConnection) {
  HttpEchoBackend backend;
  std::string table = PlainTable(backend.address());
  table.replace(table.rfind(" }"), 2, " keepalive: 0 }");
  auto proxy = StartProxy(table, /*shards=*/1);
  ASSERT_NE(proxy, nullptr);
  for (int i = 0; i < 2; ++i) {
    std::string reply = RoundTrip(proxy->listener_address("web"),
                                  "GET /r HTTP/1.1\r\nHost: app.test\r\n\r\n");
    EXPECT_TRUE(absl::StrContains(reply, "Connection: close\r\n")) << reply;
  }
  EXPECT_EQ(backend.connections(), 2);
  EXPECT_EQ(proxy->Total(Counter::kHttpUpstreamReuses), 0u);
}

TEST(HttpProxyTest, ChunkedBodiesGoBothWays) {
  HttpEchoBackend backend;
  auto proxy = StartProxy(PlainTable(backend.address()));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("web"));
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd,
                      "POST /chunked/up HTTP/1.1\r\nHost: app.test\r\n"
                      "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  bool ok = false;
  std::string reply = ReadToEof(fd, &ok);
  close(fd);
  EXPECT_TRUE(ok);
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 200 OK\r\n")) << reply;
  EXPECT_TRUE(absl::StrContains(reply, "Transfer-Encoding: chunked\r\n"))
      << reply;
  EXPECT_TRUE(absl::StrContains(reply, "Connection: close\r\n")) << reply;
  // The backend saw a chunked request and decoded "hello world".
  EXPECT_TRUE(absl::StrContains(reply, "hello world")) << reply;
  EXPECT_TRUE(absl::StrContains(reply, "X-Trailer: done")) << reply;
}

TEST(HttpProxyTest, BodyUntilCloseEndsTheClientConnectionToo) {
  HttpEchoBackend backend;
  auto proxy = StartProxy(PlainTable(backend.address()));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("web"));
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /close/x HTTP/1.1\r\nHost: app.test\r\n\r\n"));
  bool ok = false;
  std::string reply = ReadToEof(fd, &ok);
  close(fd);
  EXPECT_TRUE(ok);
  EXPECT_TRUE(absl::StrContains(reply, "Connection: close\r\n")) << reply;
  EXPECT_TRUE(absl::StrContains(reply, "GET /close/x HTTP/1.1")) << reply;
}

TEST(HttpProxyTest, SmugglingAndMalformedRequestsGet400AndCloseOnlyThat) {
  HttpEchoBackend backend;
  auto proxy = StartProxy(PlainTable(backend.address()));
  ASSERT_NE(proxy, nullptr);
  for (const char* bad : {
           "POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 3\r\n"
           "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
           "GET / HTTP/1.1\r\nHost : app.test\r\n\r\n",
           "GET / HTTP/1.1\r\n\r\n",  // no Host
       }) {
    int fd = ConnectTo(proxy->listener_address("web"));
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(SendAll(fd, bad));
    bool ok = false;
    std::string reply = ReadToEof(fd, &ok);
    close(fd);
    EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 400 ")) << bad << reply;
  }
  EXPECT_EQ(proxy->Total(Counter::kHttpBadRequests), 3u);
  EXPECT_EQ(backend.requests(), 0);
  // A good request on a new connection still works.
  std::string reply = RoundTrip(proxy->listener_address("web"),
                                "GET / HTTP/1.1\r\nHost: app.test\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 200 ")) << reply;
}

TEST(HttpProxyTest, ExpectContinueGetsTheUpstreamsInterimResponse) {
  HttpEchoBackend backend;
  auto proxy = StartProxy(PlainTable(backend.address()));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("web"));
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd,
                      "PUT /up HTTP/1.1\r\nHost: app.test\r\n"
                      "Expect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  // The client waits for the 100 before it sends its body.
  std::string interim = ReadExactly(fd, 25);
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(SendAll(fd, "data"));
  std::string reply = ReadResponses(fd, 1);
  close(fd);
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 200 ")) << reply;
  EXPECT_TRUE(absl::StrContains(reply, "Expect: 100-continue\r\n")) << reply;
  EXPECT_TRUE(absl::EndsWith(reply, "\r\n\r\ndata")) << reply;
}

TEST(HttpProxyTest, LimitsAnswer413And431AndCloseOnlyThatConnection) {
  HttpEchoBackend backend;
  auto proxy = StartProxy(PlainTable(
      backend.address(), "limits { max_body_bytes: 10 max_header_count: 5 }"));
  ASSERT_NE(proxy, nullptr);
  std::string reply = RoundTrip(proxy->listener_address("web"),
                                "POST / HTTP/1.1\r\nHost: app.test\r\n"
                                "Content-Length: 11\r\n\r\nhello world");
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 413 ")) << reply;
  reply = RoundTrip(proxy->listener_address("web"),
                    "GET / HTTP/1.1\r\nHost: app.test\r\nA: 1\r\nB: 2\r\n"
                    "C: 3\r\nD: 4\r\nE: 5\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 431 ")) << reply;
  EXPECT_EQ(backend.requests(), 0);
  EXPECT_EQ(proxy->Total(Counter::kHttpBadRequests), 2u);
}

TEST(HttpProxyTest, AClientStalledMidHeadIsClosedWhileOthersAreServed) {
  HttpEchoBackend backend;
  auto proxy =
      StartProxy(PlainTable(backend.address(), "header_timeout_ms: 300"));
  ASSERT_NE(proxy, nullptr);
  int stalled = ConnectTo(proxy->listener_address("web"));
  ASSERT_GE(stalled, 0);
  ASSERT_TRUE(SendAll(stalled, "GET / HTTP/1.1\r\nHost: app"));
  std::string reply = RoundTrip(proxy->listener_address("web"),
                                "GET / HTTP/1.1\r\nHost: app.test\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 200 ")) << reply;
  bool ok = false;
  std::string rest = ReadToEof(stalled, &ok);  // ringway closes it
  close(stalled);
  EXPECT_TRUE(ok);
  EXPECT_EQ(rest, "");
  EXPECT_TRUE(Eventually(
      [&] { return proxy->Total(Counter::kHttpClientTimeouts) == 1; }));
}

TEST(HttpProxyTest, RealClientAddressComesFromHeadersOfTrustedPeersOnly) {
  HttpEchoBackend backend;
  auto trusting = StartProxy(
      PlainTable(backend.address(),
                 "real_ip { trusted_cidrs: \"127.0.0.0/8\" recursive: true }"));
  ASSERT_NE(trusting, nullptr);
  const std::string request =
      "GET / HTTP/1.1\r\nHost: app.test\r\n"
      "X-Forwarded-For: 198.51.100.9, 127.0.0.5\r\n\r\n";
  std::string reply = RoundTrip(trusting->listener_address("web"), request);
  // 127.0.0.1 (the socket peer) and 127.0.0.5 are trusted proxies: the
  // client is the first address from the right that is not.
  EXPECT_TRUE(absl::StrContains(reply, "X-Real-IP: 198.51.100.9\r\n")) << reply;
  EXPECT_TRUE(absl::StrContains(
      reply, "X-Forwarded-For: 198.51.100.9, 127.0.0.5, 198.51.100.9\r\n"))
      << reply;
  trusting.reset();

  auto wary = StartProxy(PlainTable(
      backend.address(), "real_ip { trusted_cidrs: \"10.0.0.0/8\" }"));
  ASSERT_NE(wary, nullptr);
  reply = RoundTrip(wary->listener_address("web"), request);
  EXPECT_TRUE(absl::StrContains(reply, "X-Real-IP: 127.0.0.1\r\n")) << reply;
}

TEST(HttpProxyTest, UnknownHostIs404) {
  HttpEchoBackend backend;
  auto proxy = StartProxy(PlainTable(backend.address()));
  ASSERT_NE(proxy, nullptr);
  std::string reply = RoundTrip(proxy->listener_address("web"),
                                "GET / HTTP/1.1\r\nHost: other.test\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 404 ")) << reply;
  EXPECT_EQ(backend.requests(), 0);
}

TEST(HttpProxyTest, RefusedUpstreamIs502AndSilentUpstreamIs504) {
  RefusingPort refusing;
  HttpEchoBackend backend;
  auto proxy = StartProxy(absl::StrCat(
      "listeners { name: \"web\" address: \"127.0.0.1:0\" http { "
      "upstream_timeout_ms: 300 "
      "virtual_hosts { server_names: \"app.test\" "
      "locations { path_prefix: \"/down/\" upstream_group: \"down\" } "
      "locations { path_prefix: \"/\" upstream_group: \"app\" } } } }\n",
      Group("down", refusing.address()), Group("app", backend.address())));
  ASSERT_NE(proxy, nullptr);
  std::string reply =
      RoundTrip(proxy->listener_address("web"),
                "GET /down/x HTTP/1.1\r\nHost: app.test\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 502 ")) << reply;
  EXPECT_EQ(proxy->Total(Counter::kHttpBadGateway), 1u);
  reply = RoundTrip(proxy->listener_address("web"),
                    "GET /silent/x HTTP/1.1\r\nHost: app.test\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 504 ")) << reply;
  EXPECT_EQ(proxy->Total(Counter::kHttpGatewayTimeouts), 1u);
}

TEST(HttpProxyTest, RedirectsToHttpsExceptAcmeChallenges) {
  HttpEchoBackend app("app");
  HttpEchoBackend acme("acme");
  auto proxy = StartProxy(
      absl::StrCat("listeners { name: \"web\" address: \"127.0.0.1:0\" http { "
                   "virtual_hosts { redirect_to_https: true https_port: 8443 "
                   "acme_challenge_upstream_group: \"acme\" } } }\n",
                   Group("acme", acme.address())));
  ASSERT_NE(proxy, nullptr);
  std::string reply =
      RoundTrip(proxy->listener_address("web"),
                "GET /a/b?c=d HTTP/1.1\r\nHost: www.example.org:8080\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 301 ")) << reply;
  EXPECT_TRUE(absl::StrContains(
      reply, "Location: https://www.example.org:8443/a/b?c=d\r\n"))
      << reply;
  reply = RoundTrip(proxy->listener_address("web"),
                    "GET /.well-known/acme-challenge/tok HTTP/1.1\r\n"
                    "Host: www.example.org\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 200 ")) << reply;
  EXPECT_TRUE(absl::StrContains(reply, "X-Backend: acme")) << reply;
  EXPECT_EQ(proxy->Total(Counter::kHttpRedirects), 1u);
}

TEST(HttpProxyTest, WebSocketUpgradeBecomesATunnel) {
  HttpEchoBackend backend;
  auto proxy = StartProxy(PlainTable(backend.address()));
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("web"));
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd,
                      "GET /ws/chat HTTP/1.1\r\nHost: app.test\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n"));
  std::string head;
  while (!absl::EndsWith(head, "\r\n\r\n")) {
    std::string c = ReadExactly(fd, 1);
    ASSERT_FALSE(c.empty()) << head;
    head += c;
  }
  EXPECT_TRUE(absl::StartsWith(head, "HTTP/1.1 101 ")) << head;
  EXPECT_TRUE(absl::StrContains(head, "Upgrade: websocket\r\n")) << head;
  std::string payload(200000, 'w');
  FillPattern(7, 0, payload.data(), payload.size());
  bool ok = false;
  std::string echoed = SendThenReadToEof(fd, payload, &ok);
  close(fd);
  EXPECT_TRUE(ok);
  EXPECT_EQ(echoed.size(), payload.size());
  EXPECT_TRUE(echoed == payload);
  EXPECT_EQ(proxy->Total(Counter::kHttpUpgrades), 1u);
}

// --- HTTPS, with curl as the client. ---

class HttpsProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/ringway-https-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    const tls::TestPki& pki = tls::GetTestPki();
    Write("ca.pem", pki.ca.cert_pem);
    Write("a.pem", pki.a_ecdsa.cert_pem);
    Write("a.key", pki.a_ecdsa.key_pem);
    Write("wild.pem", pki.wildcard.cert_pem);
    Write("wild.key", pki.wildcard.key_pem);
  }
  void TearDown() override {
    EXPECT_EQ(std::system(absl::StrCat("rm -rf ", dir_).c_str()), 0);
  }
  void Write(const std::string& name, const std::string& text) {
    std::string path = absl::StrCat(dir_, "/", name);
    std::ofstream(path) << text;
    chmod(path.c_str(), 0600);
  }
  std::string Path(const std::string& name) const {
    return absl::StrCat(dir_, "/", name);
  }
  std::string Table(const std::string& backend) const {
    return absl::StrCat(
        "listeners { name: \"tls\" address: \"127.0.0.1:0\" https { ",
        "tls { certificates { cert_file: \"", Path("a.pem"), "\" key_file: \"",
        Path("a.key"), "\" } ", "certificates { cert_file: \"",
        Path("wild.pem"), "\" key_file: \"", Path("wild.key"), "\" } } ",
        "virtual_hosts { server_names: \"a.example.org\" "
        "server_names: \"*.example.org\" ",
        "locations { path_prefix: \"/\" upstream_group: \"app\" } ",
        "response_headers { name: \"Strict-Transport-Security\" value: "
        "\"max-age=63072000\" } } } }\n",
        Group("app", backend));
  }
  // Runs curl and returns what it printed (-D - puts the response head
  // first). `args` are curl arguments after the common ones.
  std::string Curl(uint16_t port, const std::string& host,
                   const std::string& args) {
    std::string command = absl::StrCat("curl -sS --max-time 10 --cacert ",
                                       Path("ca.pem"), " --resolve ", host, ":",
                                       port, ":127.0.0.1 -D - ", args, " 2>&1");
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
      out.append(buffer, n);
    pclose(pipe);
    return out;
  }

  std::string dir_;
};

TEST_F(HttpsProxyTest, TerminatesWithTheCertificateForTheNameAndProxies) {
  HttpEchoBackend backend;
  auto proxy = StartProxy(Table(backend.address()));
  ASSERT_NE(proxy, nullptr);
  uint16_t port = proxy->listener_address("tls").port();
  // curl verifies the chain against our CA and the name: a.example.org
  // gets its own certificate, www.example.org the wildcard.
  std::string out = Curl(port, "a.example.org",
                         absl::StrCat("https://a.example.org:", port,
                                      "/x https://a.example.org:", port, "/y"));
  EXPECT_TRUE(absl::StrContains(out, "HTTP/1.1 200 OK")) << out;
  EXPECT_TRUE(absl::StrContains(out, "GET /x HTTP/1.1")) << out;
  EXPECT_TRUE(absl::StrContains(out, "GET /y HTTP/1.1")) << out;
  EXPECT_TRUE(absl::StrContains(out, "X-Forwarded-Proto: https")) << out;
  EXPECT_TRUE(absl::StrContains(out, "X-Real-IP: 127.0.0.1")) << out;
  EXPECT_TRUE(absl::StrContains(out, "max-age=63072000")) << out;
  // Two requests, one TLS connection (curl keeps it alive).
  EXPECT_EQ(proxy->Total(Counter::kTlsHandshakes), 1u);
  EXPECT_EQ(proxy->Total(Counter::kHttpRequests), 2u);

  out = Curl(port, "www.example.org",
             absl::StrCat("-X POST -H 'Transfer-Encoding: chunked' "
                          "--data-binary 'chunked upload body' "
                          "https://www.example.org:",
                          port, "/upload"));
  EXPECT_TRUE(absl::StrContains(out, "HTTP/1.1 200 OK")) << out;
  EXPECT_TRUE(absl::StrContains(out, "POST /upload HTTP/1.1")) << out;
  EXPECT_TRUE(absl::StrContains(out, "chunked upload body")) << out;
}

}  // namespace
}  // namespace ringway::test
