#include "control/config_compiler.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "dataplane/tls/test_pki.h"
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

// Certificate files in a fresh directory, keys mode 0600 (one 0644).
class HttpConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/ringway-config-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    const tls::TestPki& pki = tls::GetTestPki();
    Write("a.pem", pki.a_ecdsa.cert_pem, 0644);
    Write("a.key", pki.a_ecdsa.key_pem, 0600);
    Write("open.key", pki.a_ecdsa.key_pem, 0644);
  }
  void TearDown() override {
    EXPECT_EQ(std::system(absl::StrCat("rm -rf ", dir_).c_str()), 0);
  }
  void Write(const std::string& name, const std::string& text, mode_t mode) {
    std::string path = absl::StrCat(dir_, "/", name);
    std::ofstream(path) << text;
    chmod(path.c_str(), mode);
  }
  std::string Cert(const std::string& cert, const std::string& key) const {
    return absl::StrCat("certificates { cert_file: \"", dir_, "/", cert,
                        "\" key_file: \"", dir_, "/", key, "\" }");
  }
  std::string dir_;
};

TEST_F(HttpConfigTest, CompilesHttpsAndHttpListenersWithDefaults) {
  CompileResult result = CompileConfigText(absl::StrCat(
      "listeners { name: \"s\" address: \"127.0.0.1:0\" https { tls { ",
      Cert("a.pem", "a.key"),
      " } virtual_hosts { server_names: \"a.example.org\" "
      "locations { path_prefix: \"/\" upstream_group: \"g\" } "
      "locations { path_prefix: \"/api/v1/\" upstream_group: \"g\" } "
      "locations { path_prefix: \"/api/\" upstream_group: \"g\" } } } }\n"
      "listeners { name: \"p\" address: \"127.0.0.1:0\" http { "
      "virtual_hosts { redirect_to_https: true "
      "acme_challenge_upstream_group: \"g\" } } }\n"
      "upstream_groups { name: \"g\" servers { address: \"127.0.0.1:1\" } }"));
  ASSERT_TRUE(result.ok()) << absl::StrJoin(result.errors, "\n");
  const route::ListenerRoutes& https = result.snapshot->listeners[0];
  EXPECT_EQ(https.kind, route::ListenerKind::kHttps);
  ASSERT_NE(https.http.tls, nullptr);
  EXPECT_NE(https.http.tls->options().tickets, nullptr);
  const auto& locations = https.http.virtual_hosts[0].locations;
  ASSERT_EQ(locations.size(), 3u);
  EXPECT_EQ(locations[0].path_prefix, "/api/v1/");  // longest first
  EXPECT_EQ(locations[2].path_prefix, "/");
  EXPECT_EQ(https.http.header_timeout_ns, 60'000'000'000u);
  EXPECT_EQ(https.http.keepalive_timeout_ns, 75'000'000'000u);
  EXPECT_EQ(https.http.upstream_timeout_ns, 60'000'000'000u);
  EXPECT_TRUE(https.http.forwarded.x_forwarded_for);
  EXPECT_FALSE(https.http.forwarded.forwarded);
  EXPECT_EQ(https.defer_accept_s, 60);  // clients speak first
  const route::ListenerRoutes& plain = result.snapshot->listeners[1];
  EXPECT_EQ(plain.kind, route::ListenerKind::kHttp);
  EXPECT_EQ(plain.http.tls, nullptr);
  EXPECT_TRUE(plain.http.virtual_hosts[0].redirect_to_https);
  EXPECT_EQ(plain.http.virtual_hosts[0].acme_challenge_group, 0u);
}

TEST_F(HttpConfigTest, HttpErrorsNameTheirFields) {
  CompileResult result = CompileConfigText(absl::StrCat(
      // 0: https without tls
      "listeners { name: \"a\" address: \"127.0.0.1:0\" https { "
      "virtual_hosts { locations { path_prefix: \"/\" upstream_group: "
      "\"g\" } } } }\n",
      // 1: tls on plain http, a location without "/", an unknown group, a
      // bad header name, two defaults
      "listeners { name: \"b\" address: \"127.0.0.1:0\" http { tls { ",
      Cert("a.pem", "a.key"),
      " } virtual_hosts { locations { path_prefix: \"x\" upstream_group: "
      "\"nope\" } response_headers { name: \"Bad Name\" value: \"v\" } } "
      "virtual_hosts { locations { path_prefix: \"/\" upstream_group: "
      "\"g\" } } } }\n",
      // 2: a key readable by others, a missing cert file, redirect on https
      "listeners { name: \"c\" address: \"127.0.0.1:0\" https { tls { ",
      Cert("a.pem", "open.key"), " ", Cert("missing.pem", "a.key"),
      " } virtual_hosts { redirect_to_https: true } } }\n",
      "upstream_groups { name: \"g\" servers { address: \"127.0.0.1:1\" } }"));
  ASSERT_FALSE(result.ok());
  std::string all = absl::StrJoin(result.errors, "\n");
  EXPECT_THAT(all, HasSubstr("listeners[0].https.tls: required on an https "
                             "listener"));
  EXPECT_THAT(all, HasSubstr("listeners[1].http.tls: only for https "
                             "listeners"));
  EXPECT_THAT(all, HasSubstr("listeners[1].http.virtual_hosts[0].locations[0]"
                             ".path_prefix: must start with \"/\""));
  EXPECT_THAT(all, HasSubstr("listeners[1].http.virtual_hosts[0].locations[0]"
                             ".upstream_group: unknown upstream group "
                             "\"nope\""));
  EXPECT_THAT(all, HasSubstr("listeners[1].http.virtual_hosts[0]"
                             ".response_headers[0].name: \"Bad Name\" is "
                             "not a field name"));
  EXPECT_THAT(all, HasSubstr("listeners[1].http.virtual_hosts[1]: a second "
                             "virtual host without server_names"));
  EXPECT_THAT(all, HasSubstr("listeners[2].https.tls.certificates[0].key_file"
                             ": \"" +
                             dir_ +
                             "/open.key\" is readable by "
                             "group or others (mode 644)"));
  EXPECT_THAT(all,
              HasSubstr("listeners[2].https.tls.certificates[1]"
                        ".cert_file: cannot read \"" +
                        dir_ + "/missing.pem\": No such file or directory"));
  EXPECT_THAT(all, HasSubstr("listeners[2].https.virtual_hosts[0]"
                             ".redirect_to_https: only on plain http "
                             "listeners"));
}

}  // namespace
}  // namespace ringway::control
