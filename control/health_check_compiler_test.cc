// Active health checks as the config compiler turns them into the route
// snapshot: defaults, per-server HTTP requests, and refusals that name the
// field.

#include <string>

#include "control/config_compiler.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringway::control {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

std::string Table(const std::string& group_extra) {
  return R"pb(
           listeners {
             name: "web"
             address: "127.0.0.1:0"
             tcp_proxy { upstream_group: "app" }
           }
           upstream_groups {
             name: "app"
             servers { address: "127.0.0.1:9001" name: "a.internal" }
             servers { address: "[::1]:9002" }
         )pb" +
         group_extra + "}";
}

TEST(HealthCheckCompilerTest, NoneByDefault) {
  CompileResult result = CompileConfigText(Table(""));
  ASSERT_TRUE(result.ok()) << result.errors[0];
  EXPECT_FALSE(result.snapshot->groups[0].health_check.enabled());
}

TEST(HealthCheckCompilerTest, TcpCheckTakesHaproxyDefaults) {
  CompileResult result = CompileConfigText(Table("health_check {}"));
  ASSERT_TRUE(result.ok()) << result.errors[0];
  const route::HealthCheck& check = result.snapshot->groups[0].health_check;
  EXPECT_EQ(check.kind, route::HealthCheckKind::kTcp);
  EXPECT_EQ(check.interval_ns, 2'000'000'000u);
  EXPECT_EQ(check.timeout_ns, 2'000'000'000u);
  EXPECT_EQ(check.rise, 2u);
  EXPECT_EQ(check.fall, 3u);
  EXPECT_THAT(check.http_requests, SizeIs(0));
}

TEST(HealthCheckCompilerTest, HttpCheckWritesOneRequestPerServer) {
  CompileResult result = CompileConfigText(Table(R"pb(
    health_check {
      type: HTTP
      interval_ms: 500
      rise: 1
      fall: 2
      http_path: "/healthz?full=1"
      expected_status: 200
      expected_status: 204
    }
  )pb"));
  ASSERT_TRUE(result.ok()) << result.errors[0];
  const route::HealthCheck& check = result.snapshot->groups[0].health_check;
  EXPECT_EQ(check.kind, route::HealthCheckKind::kHttp);
  EXPECT_EQ(check.timeout_ns, 500'000'000u);  // at most the interval
  EXPECT_EQ(check.rise, 1u);
  EXPECT_EQ(check.fall, 2u);
  // The server's name is the Host, else its address.
  ASSERT_THAT(check.http_requests, SizeIs(2));
  EXPECT_THAT(
      check.http_requests[0],
      HasSubstr("GET /healthz?full=1 HTTP/1.1\r\nHost: a.internal\r\n"));
  EXPECT_THAT(check.http_requests[1], HasSubstr("Host: [::1]:9002\r\n"));
  EXPECT_THAT(check.http_requests[1], HasSubstr("Connection: close\r\n\r\n"));
  EXPECT_TRUE(check.Expects(204));
  EXPECT_FALSE(check.Expects(301));
}

TEST(HealthCheckCompilerTest, ConfiguredHostAndDefaultStatuses) {
  CompileResult result = CompileConfigText(
      Table(R"pb(health_check { type: HTTP http_host: "app.example" })pb"));
  ASSERT_TRUE(result.ok()) << result.errors[0];
  const route::HealthCheck& check = result.snapshot->groups[0].health_check;
  EXPECT_THAT(check.http_requests[1],
              HasSubstr("GET / HTTP/1.1\r\nHost: app.example\r\n"));
  EXPECT_TRUE(check.Expects(200));
  EXPECT_TRUE(check.Expects(302));
  EXPECT_FALSE(check.Expects(404));
  EXPECT_FALSE(check.Expects(503));
}

TEST(HealthCheckCompilerTest, RefusesBadSettingsNamingTheField) {
  CompileResult result = CompileConfigText(Table(R"pb(
    health_check {
      type: TLS
      interval_ms: 50
      timeout_ms: 50
      rise: 1000
      http_path: "no-slash"
      expected_status: 42
    }
  )pb"));
  ASSERT_FALSE(result.ok());
  const std::string prefix = "upstream_groups[0].health_check.";
  EXPECT_THAT(
      result.errors,
      ElementsAre(prefix + "type: TLS checks need the group's tls settings",
                  prefix + "interval_ms: 50 is below the minimum of 100",
                  HasSubstr(prefix + "rise: 1000 is over"),
                  prefix + "expected_status: 42 is not an HTTP status",
                  HasSubstr(prefix + "type: http_path"),
                  prefix + "http_path: \"no-slash\" is not an absolute path"));
}

TEST(HealthCheckCompilerTest, RefusesHeaderInjectionInPathAndHost) {
  CompileResult result = CompileConfigText(Table(R"pb(
    health_check { type: HTTP http_path: "/ok\r\nX-Evil: 1" http_host: "a b" }
  )pb"));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.errors, SizeIs(2));
  EXPECT_THAT(result.errors[0], HasSubstr("http_path:"));
  EXPECT_THAT(result.errors[1], HasSubstr("http_host:"));
}

TEST(HealthCheckCompilerTest, RefusesTimeoutLongerThanInterval) {
  CompileResult result = CompileConfigText(
      Table(R"pb(health_check { interval_ms: 1000 timeout_ms: 3000 })pb"));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.errors,
              ElementsAre("upstream_groups[0].health_check.timeout_ms: 3000 "
                          "is longer than interval_ms 1000"));
}

}  // namespace
}  // namespace ringway::control
