#include "control/config_compiler.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringway::control {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kGood[] = R"pb(
  listeners {
    name: "web"
    address: "127.0.0.1:0"
    tcp_proxy { upstream_group: "app" }
  }
  listeners {
    name: "v6"
    address: "[::1]:9443"
    tcp_proxy { upstream_group: "app" }
    idle_timeout_ms: 1500
    backlog: 128
  }
  upstream_groups {
    name: "app"
    servers { address: "127.0.0.1:9001" }
    servers { address: "[::1]:9002" }
    send_proxy_protocol: V2
  }
)pb";

TEST(ConfigCompilerTest, CompilesAGoodTableWithDefaults) {
  CompileResult result = CompileConfigText(kGood);
  ASSERT_TRUE(result.ok()) << result.errors[0];
  const route::RouteSnapshot& s = *result.snapshot;
  ASSERT_EQ(s.listeners.size(), 2u);
  EXPECT_EQ(s.listeners[0].idle_timeout_ns, 600'000ull * 1'000'000);
  EXPECT_EQ(s.listeners[0].backlog, 4096);
  EXPECT_EQ(s.listeners[1].idle_timeout_ns, 1'500ull * 1'000'000);
  EXPECT_EQ(s.listeners[1].backlog, 128);
  ASSERT_EQ(s.groups.size(), 1u);
  EXPECT_EQ(s.groups[0].servers[1].ToString(), "[::1]:9002");
  EXPECT_EQ(s.groups[0].connect_timeout_ns, 5'000ull * 1'000'000);
  EXPECT_EQ(s.groups[0].max_connect_attempts, 2u);  // every server once
  EXPECT_EQ(s.groups[0].send_proxy_protocol, route::ProxyProtocolVersion::kV2);
  EXPECT_EQ(s.content_hash.size(), 32u);
}

TEST(ConfigCompilerTest, HashIgnoresFormattingButNotContent) {
  std::string reformatted = kGood;
  reformatted.insert(0, "# a comment\n\n");
  EXPECT_EQ(CompileConfigText(kGood).snapshot->content_hash,
            CompileConfigText(reformatted).snapshot->content_hash);
  std::string changed = kGood;
  changed.replace(changed.find("9001"), 4, "9003");
  EXPECT_NE(CompileConfigText(kGood).snapshot->content_hash,
            CompileConfigText(changed).snapshot->content_hash);
}

TEST(ConfigCompilerTest, ReportsEveryErrorWithItsFieldPath) {
  CompileResult result = CompileConfigText(R"pb(
    listeners {
      name: "a"
      address: "127.0.0.1:80"
      tcp_proxy { upstream_group: "nope" }
    }
    listeners {
      name: "a"
      address: "127.0.0.1:80"
      tcp_proxy { upstream_group: "g" }
    }
    listeners { name: "" address: "example.com:80" }
    upstream_groups {
      name: "g"
      servers { address: "10.0.0.1:99999" }
    }
    upstream_groups { name: "g" }
  )pb");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.snapshot, nullptr);
  EXPECT_THAT(
      result.errors,
      ElementsAre(
          HasSubstr("upstream_groups[0].servers[0].address: bad port"),
          "upstream_groups[1].name: duplicate upstream group \"g\"",
          "upstream_groups[1].servers: at least one required",
          "listeners[0].tcp_proxy.upstream_group: unknown upstream group "
          "\"nope\"",
          "listeners[1].name: duplicate listener \"a\"",
          "listeners[1].address: 127.0.0.1:80 is already used by "
          "listeners[0]",
          "listeners[2].name: required",
          HasSubstr("listeners[2].address: bad IPv4 address"),
          "listeners[2]: one of tcp_proxy or tls_passthrough is required"));
}

TEST(ConfigCompilerTest, SyntaxErrorsNameLineAndColumn) {
  CompileResult result =
      CompileConfigText("listeners { name: \"a\"\n  bogus: 1 }");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.errors[0], HasSubstr("line 2 column "));
  EXPECT_THAT(result.errors[0], HasSubstr("bogus"));
}

TEST(ConfigCompilerTest, EmptyTableIsRejected) {
  CompileResult result = CompileConfigText("");
  EXPECT_THAT(result.errors, ElementsAre("listeners: at least one required"));
}

TEST(ConfigCompilerTest, FeaturesNotBuiltYetAreRejectedNotIgnored) {
  CompileResult result = CompileConfigText(R"pb(
    listeners {
      name: "tls"
      address: "127.0.0.1:0"
      tls_passthrough { default_upstream_group: "g" }
    }
    upstream_groups {
      name: "g"
      servers { address: "127.0.0.1:1" }
    }
  )pb");
  EXPECT_THAT(result.errors,
              ElementsAre(HasSubstr("listeners[0].tls_passthrough")));
}

}  // namespace
}  // namespace ringway::control
