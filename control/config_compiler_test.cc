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
          "listeners[2]: one of tcp_proxy, tls_passthrough, http or https is "
          "required"));
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

TEST(ConfigCompilerTest, CompilesPassthroughRoutesAndInboundProxyProtocol) {
  CompileResult result = CompileConfigText(R"pb(
    listeners {
      name: "public"
      address: "127.0.0.1:0"
      tls_passthrough {
        routes {
          server_names: [ "a.example.org", "*.example.org" ]
          upstream_group: "a"
        }
        routes { alpn: "acme-tls/1" upstream_group: "acme" }
        default_upstream_group: "terminator"
        peek_timeout_ms: 250
        on_bad_client_hello: USE_DEFAULT
      }
      proxy_protocol {
        trusted_cidrs: [ "10.0.0.0/8", "::1" ]
        required: true
      }
    }
    upstream_groups {
      name: "a"
      servers { address: "127.0.0.1:1" }
    }
    upstream_groups {
      name: "acme"
      servers { address: "127.0.0.1:2" }
    }
    upstream_groups {
      name: "terminator"
      servers { address: "127.0.0.1:3" }
    }
  )pb");
  ASSERT_TRUE(result.ok()) << result.errors[0];
  const route::ListenerRoutes& l = result.snapshot->listeners[0];
  EXPECT_EQ(l.kind, route::ListenerKind::kTlsPassthrough);
  EXPECT_TRUE(l.NeedsPeek());
  EXPECT_EQ(l.tls.client_hello_max_bytes, 16384u);
  EXPECT_EQ(l.tls.peek_timeout_ns, 250ull * 1'000'000);
  EXPECT_TRUE(l.tls.bad_client_hello_to_default);
  EXPECT_EQ(l.tls.default_group, 2u);
  EXPECT_EQ(l.tls.matcher->Lookup("b.example.org"), 0u);
  EXPECT_EQ(l.tls.matcher->Lookup("other.org"), 2u);
  EXPECT_TRUE(l.proxy_protocol.enabled);
  EXPECT_TRUE(l.proxy_protocol.required);
  EXPECT_EQ(l.proxy_protocol.trusted.size(), 2u);
  EXPECT_EQ(l.defer_accept_s, 1);  // on by default; 250 ms rounds up to 1 s
}

TEST(ConfigCompilerTest, DeferAcceptDefaultsByHandlerAndCanBeSet) {
  CompileResult result = CompileConfigText(R"pb(
    listeners {
      name: "tcp"
      address: "127.0.0.1:0"
      tcp_proxy { upstream_group: "g" }
    }
    listeners {
      name: "tcp_deferred"
      address: "127.0.0.1:0"
      tcp_proxy { upstream_group: "g" }
      defer_accept: true
    }
    listeners {
      name: "pp_deferred"
      address: "127.0.0.1:0"
      tcp_proxy { upstream_group: "g" }
      proxy_protocol { trusted_cidrs: "127.0.0.1/32" }
      defer_accept: true
    }
    listeners {
      name: "tls"
      address: "127.0.0.1:0"
      tls_passthrough { default_upstream_group: "g" }
    }
    listeners {
      name: "tls_not_deferred"
      address: "127.0.0.1:0"
      tls_passthrough { default_upstream_group: "g" }
      defer_accept: false
    }
    upstream_groups {
      name: "g"
      servers { address: "127.0.0.1:1" }
    }
  )pb");
  ASSERT_TRUE(result.ok()) << result.errors[0];
  const auto& l = result.snapshot->listeners;
  EXPECT_EQ(l[0].defer_accept_s, 0);
  EXPECT_EQ(l[1].defer_accept_s, 10);
  EXPECT_EQ(l[2].defer_accept_s, 10);  // the default PROXY peek timeout
  EXPECT_EQ(l[3].defer_accept_s, 10);  // the default ClientHello peek timeout
  EXPECT_EQ(l[4].defer_accept_s, 0);
}

TEST(ConfigCompilerTest, PassthroughErrorsNameTheirFields) {
  CompileResult result = CompileConfigText(R"pb(
    listeners {
      name: "public"
      address: "127.0.0.1:0"
      tls_passthrough {
        routes { server_names: "a..b" upstream_group: "g" }
        routes { upstream_group: "g" }
        routes { server_names: "x.org" upstream_group: "missing" }
        client_hello_max_bytes: 100
        on_bad_client_hello: USE_DEFAULT
      }
      proxy_protocol { trusted_cidrs: "10.0.0.0/40" }
    }
    listeners {
      name: "l4"
      address: "127.0.0.1:0"
      tcp_proxy { upstream_group: "g" }
      proxy_protocol {}
    }
    upstream_groups {
      name: "g"
      servers { address: "127.0.0.1:1" }
    }
  )pb");
  EXPECT_THAT(
      result.errors,
      ElementsAre(
          HasSubstr("listeners[0].tls_passthrough.routes[1]: needs "
                    "server_names or alpn"),
          "listeners[0].tls_passthrough.routes[2].upstream_group: unknown "
          "upstream group \"missing\"",
          HasSubstr("listeners[0].tls_passthrough.routes[0]"),
          "listeners[0].tls_passthrough.client_hello_max_bytes: 100 is out "
          "of range (512..65536)",
          "listeners[0].tls_passthrough.on_bad_client_hello: USE_DEFAULT "
          "needs default_upstream_group",
          HasSubstr("listeners[0].proxy_protocol.trusted_cidrs[0]: bad "
                    "prefix length"),
          HasSubstr("listeners[1].proxy_protocol.trusted_cidrs: at least one "
                    "required")));
}

}  // namespace
}  // namespace ringway::control
