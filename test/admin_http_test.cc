// The admin HTTP listener of a running ringway, as a load balancer and
// Prometheus use it: /healthz and /ready answer 200, /ready turns 503 as
// soon as a drain begins (while connections still finish), and /metrics is
// valid Prometheus text (checked by Debian's promtool) whose values are the
// traffic the test drove. Real sockets throughout.

#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
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

constexpr char kAdmin[] = "admin { http_address: \"127.0.0.1:0\" }\n";

// The whole response (the server closes after it).
std::string Request(const address::SocketAddress& admin,
                    const std::string& request) {
  int fd = ConnectTo(admin);
  if (fd < 0) return "";
  SendAll(fd, request);
  bool ok = false;
  std::string reply = ReadToEof(fd, &ok);
  close(fd);
  return reply;
}

std::string Get(const address::SocketAddress& admin, const std::string& path) {
  return Request(admin, "GET " + path + " HTTP/1.1\r\nHost: admin\r\n\r\n");
}

std::string Body(const std::string& reply) {
  size_t at = reply.find("\r\n\r\n");
  return at == std::string::npos ? "" : reply.substr(at + 4);
}

// One echo round trip of `bytes` through the l4 listener.
void Echo(control::RingwayServer& proxy, const std::string& bytes) {
  int fd = ConnectTo(proxy.listener_address("l4"));
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, bytes));
  EXPECT_EQ(ReadExactly(fd, bytes.size()), bytes);
  close(fd);
}

TEST(AdminHttpTest, HealthReadyAndMetricsOfARunningRingway) {
  TestBackend backend;
  auto proxy = StartProxy(TcpTable({backend.address()}) + kAdmin, 1);
  ASSERT_NE(proxy, nullptr);
  ASSERT_TRUE(proxy->admin_http_address().has_value());
  const address::SocketAddress admin = *proxy->admin_http_address();

  std::string reply = Get(admin, "/healthz");
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 200 ")) << reply;
  EXPECT_EQ(Body(reply), "ok\n");
  reply = Get(admin, "/ready");
  EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 200 ")) << reply;
  EXPECT_EQ(Body(reply), "ready\n");

  for (int i = 0; i < 5; ++i) Echo(*proxy, std::string(1000, 'a' + i));
  ASSERT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kConnectionsOpen) == 0; }));
  reply = Get(admin, "/metrics");
  ASSERT_TRUE(absl::StartsWith(reply, "HTTP/1.1 200 ")) << reply;
  EXPECT_TRUE(
      absl::StrContains(reply, "Content-Type: text/plain; version=0.0.4"));
  const std::string metrics = Body(reply);
  EXPECT_TRUE(
      absl::StrContains(metrics, "\nringway_connections_accepted_total 5\n"))
      << metrics;
  EXPECT_TRUE(absl::StrContains(metrics, "\nringway_connections_open 0\n"));
  EXPECT_TRUE(absl::StrContains(
      metrics,
      "\nringway_listener_connections_accepted_total{listener=\"l4\"} 5\n"));
  EXPECT_TRUE(absl::StrContains(
      metrics, "\nringway_listener_connections_open{listener=\"l4\"} 0\n"));
  EXPECT_TRUE(absl::StrContains(
      metrics, "ringway_bytes_total{direction=\"client_to_upstream\"} 5000\n"));
  EXPECT_TRUE(absl::StrContains(
      metrics, "ringway_bytes_total{direction=\"upstream_to_client\"} 5000\n"));
  EXPECT_TRUE(absl::StrContains(
      metrics, absl::StrCat("ringway_upstream_server_up{group=\"g\",server=\"",
                            backend.address(), "\"} 1\n")));
  EXPECT_TRUE(absl::StrContains(metrics, "\nringway_route_table_version 1\n"));
  // Each connect to the backend observed once (loopback: well under 10 s).
  EXPECT_TRUE(absl::StrContains(
      metrics, "\nringway_upstream_connect_duration_seconds_count 5\n"));
  EXPECT_TRUE(absl::StrContains(
      metrics,
      "\nringway_upstream_connect_duration_seconds_bucket{le=\"+Inf\"} 5\n"));
  EXPECT_TRUE(absl::StrContains(
      metrics,
      "\nringway_upstream_connect_duration_seconds_bucket{le=\"10\"} 5\n"));
  EXPECT_TRUE(absl::StrContains(
      metrics, "\nringway_http_request_duration_seconds_count 0\n"));
  EXPECT_TRUE(absl::StrContains(metrics, "\nringway_ready 1\n"));
  EXPECT_TRUE(absl::StrContains(metrics,
                                "ringway_errors_total{reason=\"no_route\"} 0"));

  // Debian's promtool (package prometheus) lints the exposition.
  char path[] = "/tmp/ringway-metrics-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, metrics.data(), metrics.size()),
            static_cast<ssize_t>(metrics.size()));
  close(fd);
  FILE* lint = popen(
      absl::StrCat("promtool check metrics < ", path, " 2>&1").c_str(), "r");
  ASSERT_NE(lint, nullptr);
  std::string said;
  char line[512];
  while (fgets(line, sizeof(line), lint) != nullptr) said += line;
  int status = pclose(lint);
  unlink(path);
  EXPECT_EQ(status, 0) << "promtool check metrics:\n" << said;

  // Anything else: a clear answer, not a hang.
  EXPECT_TRUE(absl::StartsWith(Get(admin, "/nope"), "HTTP/1.1 404 "));
  EXPECT_TRUE(absl::StartsWith(
      Request(admin, "POST /ready HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
      "HTTP/1.1 405 "));
  EXPECT_TRUE(
      absl::StartsWith(Request(admin, "\x01\x02\r\n\r\n"), "HTTP/1.1 400 "));
}

// Per listener: how connections ended, HTTP responses by status class and
// request durations, for dashboards' error ratio and p99 by listener.
TEST(AdminHttpTest, ListenerLabelledCountsAndDurations) {
  HttpEchoBackend backend;
  TestBackend echo;
  auto proxy =
      StartProxy(PlainTable(backend.address()) +
                     "listeners { name: \"l4\" address: \"127.0.0.1:0\" "
                     "tcp_proxy { upstream_group: \"raw\" } }\n" +
                     Group("raw", echo.address()) + kAdmin,
                 1);
  ASSERT_NE(proxy, nullptr);
  const address::SocketAddress admin = *proxy->admin_http_address();
  const address::SocketAddress web = proxy->listener_address("web");
  // Two kept-alive requests answered 200 by the backend, then, on another
  // connection, one for a host ringway has no virtual host for (its own
  // 404).
  const std::string ok = "GET /a HTTP/1.1\r\nHost: app.test\r\n\r\n";
  EXPECT_TRUE(absl::StartsWith(RoundTrip(web, ok + ok, 2), "HTTP/1.1 200"));
  EXPECT_TRUE(absl::StartsWith(
      RoundTrip(web, "GET / HTTP/1.1\r\nHost: nope.test\r\n\r\n"),
      "HTTP/1.1 404"));
  Echo(*proxy, "x");
  ASSERT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kConnectionsOpen) == 0; }));
  const std::string metrics = Body(Get(admin, "/metrics"));
  for (const char* want : {
           "\nringway_listener_http_responses_total{listener=\"web\","
           "code=\"2xx\"} 2\n",
           "\nringway_listener_http_responses_total{listener=\"web\","
           "code=\"4xx\"} 1\n",
           "\nringway_listener_http_responses_total{listener=\"web\","
           "code=\"5xx\"} 0\n",
           "\nringway_listener_http_responses_total{listener=\"l4\","
           "code=\"2xx\"} 0\n",
           "\nringway_listener_http_request_duration_seconds_count{listener="
           "\"web\"} 3\n",
           "\nringway_listener_http_request_duration_seconds_bucket{listener="
           "\"web\",le=\"10\"} 3\n",
           "\nringway_listener_http_request_duration_seconds_count{listener="
           "\"l4\"} 0\n",
           "\nringway_listener_connections_closed_total{listener=\"web\","
           "reason=\"done\"} 2\n",
           "\nringway_listener_connections_closed_total{listener=\"l4\","
           "reason=\"done\"} 1\n",
           "\nringway_listener_connections_closed_total{listener=\"web\","
           "reason=\"client_reset\"} 0\n",
       }) {
    EXPECT_TRUE(absl::StrContains(metrics, want)) << want << "\n" << metrics;
  }
}

// The load balancer in front must stop sending before the drain ends: from
// the moment it begins (a connection still open) /ready says 503.
TEST(AdminHttpTest, ReadyTurns503AsTheDrainBegins) {
  TestBackend backend;
  auto proxy = StartProxy(TcpTable({backend.address()}) + kAdmin, 1);
  ASSERT_NE(proxy, nullptr);
  const address::SocketAddress admin = *proxy->admin_http_address();
  int held = ConnectTo(proxy->listener_address("l4"));
  ASSERT_GE(held, 0);
  ASSERT_TRUE(SendAll(held, "x"));
  ASSERT_EQ(ReadExactly(held, 1), "x");  // relayed: the connection is live
  std::thread drain([&] { proxy->Drain(absl::Seconds(20)); });
  EXPECT_TRUE(Eventually(
      [&] { return absl::StartsWith(Get(admin, "/ready"), "HTTP/1.1 503 "); }));
  EXPECT_EQ(Body(Get(admin, "/ready")), "draining\n");
  close(held);  // the drain can finish
  drain.join();
}

// The admin listener is fixed at start, like the listeners.
TEST(AdminHttpTest, ChangingTheAddressNeedsARestart) {
  TestBackend backend;
  auto proxy = StartProxy(TcpTable({backend.address()}) + kAdmin, 1);
  ASSERT_NE(proxy, nullptr);
  auto outcome =
      proxy->routes().Apply(TcpTable({backend.address()}) +
                                "admin { http_address: \"127.0.0.1:9\" }\n",
                            "test");
  EXPECT_FALSE(outcome.applied);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_TRUE(absl::StrContains(outcome.errors[0],
                                "changing the admin listener needs a restart"));
}

}  // namespace
}  // namespace ringway::test
