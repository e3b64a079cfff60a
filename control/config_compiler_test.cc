#include "control/config_compiler.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "control/certificate_files_fixture.h"
#include "dataplane/tls/server_context.h"
#include "dataplane/tls/test_pki.h"
#include "dataplane/tls/ticket_keys.h"
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
          "listeners[2]: one of tcp_proxy, tls_passthrough, tls_terminate, "
          "http or https is required"));
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

using HttpConfigTest = CertificateFilesTest;

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

TEST_F(HttpConfigTest, AppliesDefaultsAndExplicitSettings) {
  CompileResult result = CompileConfigText(absl::StrCat(
      "listeners { name: \"s\" address: \"127.0.0.1:0\" https { tls { ",
      Cert("a.pem", "a.key"),
      " session_cache_off: true } "
      "virtual_hosts { server_names: \"a.example.org\" "
      "locations { path_prefix: \"/\" upstream_group: \"g\" "
      "upstream_host: \"app.internal\" } "
      "response_headers { name: \"X-Content-Type-Options\" value: \"nosniff\" "
      "} } } }\n"
      "listeners { name: \"p\" address: \"127.0.0.1:0\" http { "
      "virtual_hosts { locations { path_prefix: \"/\" upstream_group: \"h\" } "
      "} forwarded_headers { x_real_ip: false forwarded: true } "
      "real_ip { trusted_cidrs: \"10.0.0.0/8\" header: \"X-Real-IP\" } "
      "header_timeout_ms: 1500 limits { max_header_count: 50 "
      "max_body_bytes: 1048576 } } }\n"
      "upstream_groups { name: \"g\" servers { address: \"127.0.0.1:1\" } }\n"
      "upstream_groups { name: \"h\" servers { address: \"127.0.0.1:2\" } "
      "keepalive: 0 keepalive_timeout_ms: 5000 }"));
  ASSERT_TRUE(result.ok()) << absl::StrJoin(result.errors, "\n");
  const route::RouteSnapshot& s = *result.snapshot;
  EXPECT_EQ(s.groups[0].keepalive, 32u);
  EXPECT_EQ(s.groups[0].keepalive_timeout_ns, 60'000'000'000u);
  EXPECT_EQ(s.groups[1].keepalive, 0u);
  EXPECT_EQ(s.groups[1].keepalive_timeout_ns, 5'000'000'000u);

  const route::HttpRoutes& https = s.listeners[0].http;
  const tls::ServerTlsOptions& options = https.tls->options();
  EXPECT_EQ(options.min_version, 0x0303);
  EXPECT_EQ(options.max_version, 0x0304);
  EXPECT_EQ(options.groups, "X25519:P-256:P-384");
  EXPECT_THAT(options.alpn, ElementsAre("http/1.1"));
  EXPECT_EQ(options.session_cache_size, 0u);
  EXPECT_EQ(options.verify_client, tls::ClientVerify::kOff);
  EXPECT_EQ(https.limits.max_request_line, 8192u);
  EXPECT_EQ(https.limits.max_head_bytes, 16384u);
  EXPECT_EQ(https.limits.max_header_count, 100u);
  EXPECT_EQ(https.limits.max_body_bytes, 0u);
  EXPECT_FALSE(https.real_ip.enabled);
  const route::VirtualHost& host = https.virtual_hosts[0];
  EXPECT_EQ(host.name, "a.example.org");
  EXPECT_EQ(host.locations[0].upstream_host, "app.internal");
  EXPECT_EQ(host.https_port, 443);
  ASSERT_EQ(host.response_headers.size(), 1u);
  EXPECT_EQ(host.response_headers[0].name, "X-Content-Type-Options");
  EXPECT_EQ(https.hosts->Lookup("a.example.org"), 0u);
  EXPECT_FALSE(https.hosts->Lookup("b.example.org").has_value());

  const route::ListenerRoutes& plain = s.listeners[1];
  EXPECT_EQ(plain.http.hosts->Lookup("any.example.net"), 0u);  // default
  EXPECT_EQ(plain.http.virtual_hosts[0].name, "default");
  EXPECT_EQ(plain.http.virtual_hosts[0].locations[0].upstream_group, 1u);
  EXPECT_TRUE(plain.http.forwarded.x_forwarded_for);
  EXPECT_FALSE(plain.http.forwarded.x_real_ip);
  EXPECT_TRUE(plain.http.forwarded.forwarded);
  EXPECT_TRUE(plain.http.real_ip.enabled);
  EXPECT_EQ(plain.http.real_ip.header, "x-real-ip");
  EXPECT_FALSE(plain.http.real_ip.recursive);
  EXPECT_EQ(plain.http.limits.max_header_count, 50u);
  EXPECT_EQ(plain.http.limits.max_body_bytes, 1048576u);
  EXPECT_EQ(plain.http.header_timeout_ns, 1'500'000'000u);
  EXPECT_EQ(plain.peek_timeout_ns, 1'500'000'000u);
  EXPECT_EQ(plain.defer_accept_s, 2);  // rounded up to whole seconds
}

TEST_F(HttpConfigTest, TicketKeysComeFromTheOptionsAndOutliveACompile) {
  auto https = [this](const std::string& tls_extra) {
    return absl::StrCat(
        "listeners { name: \"s\" address: \"127.0.0.1:0\" https { tls { ",
        Cert("a.pem", "a.key"), " ", tls_extra,
        " } virtual_hosts { locations { path_prefix: \"/\" "
        "upstream_group: \"g\" } } } }\n"
        "upstream_groups { name: \"g\" servers { address: \"127.0.0.1:1\" } "
        "}");
  };
  CompileOptions options;
  options.ticket_keys = tls::TicketKeySource::Random(absl::Hours(1));
  for (int i = 0; i < 2; ++i) {
    CompileResult result = CompileConfigText(https(""), options);
    ASSERT_TRUE(result.ok()) << absl::StrJoin(result.errors, "\n");
    EXPECT_EQ(result.snapshot->listeners[0].http.tls->options().tickets,
              options.ticket_keys);
  }
  CompileResult off =
      CompileConfigText(https("session_tickets: false"), options);
  ASSERT_TRUE(off.ok()) << absl::StrJoin(off.errors, "\n");
  EXPECT_EQ(off.snapshot->listeners[0].http.tls->options().tickets, nullptr);

  // The one-argument form: one process-wide source, the same every time.
  CompileResult first = CompileConfigText(https(""));
  CompileResult second = CompileConfigText(https(""));
  ASSERT_TRUE(first.ok() && second.ok());
  const auto& keys = first.snapshot->listeners[0].http.tls->options().tickets;
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(second.snapshot->listeners[0].http.tls->options().tickets, keys);
}

TEST_F(HttpConfigTest, DuplicateServerNamesAndPathPrefixesAreRefused) {
  CompileResult result = CompileConfigText(
      "listeners { name: \"p\" address: \"127.0.0.1:0\" http { "
      "virtual_hosts { locations { path_prefix: \"/\" upstream_group: \"g\" "
      "} } "
      "virtual_hosts { server_names: \"a.example.org\" "
      "locations { path_prefix: \"/\" upstream_group: \"g\" } "
      "locations { path_prefix: \"/api/\" upstream_group: \"g\" } "
      "locations { path_prefix: \"/api/\" upstream_group: \"g\" } } "
      "virtual_hosts { server_names: [\"b.example.org\", \"A.example.org.\"] "
      "locations { path_prefix: \"/\" upstream_group: \"g\" } } } }\n"
      "upstream_groups { name: \"g\" servers { address: \"127.0.0.1:1\" } }");
  EXPECT_THAT(
      result.errors,
      ElementsAre(
          "listeners[0].http.virtual_hosts[1].locations[2]"
          ".path_prefix: \"/api/\" repeats locations[1]",
          HasSubstr("listeners[0].http.virtual_hosts[2].server_names[1] "
                    "\"A.example.org.\": virtual_hosts[1]"
                    ".server_names[0] already has this pattern")));
}

TEST_F(HttpConfigTest, CertificateAndTlsOptionErrorsNameTheirFields) {
  CompileResult result = CompileConfigText(absl::StrCat(
      // 0: a key that does not match the certificate; an empty ALPN ID
      "listeners { name: \"a\" address: \"127.0.0.1:0\" https { tls { ",
      Cert("a.pem", "rsa.key"),
      " alpn: \"\" } virtual_hosts { locations { path_prefix: \"/\" "
      "upstream_group: \"g\" } } } }\n",
      // 1: groups BoringSSL refuses, reported despite listener 0's errors
      "listeners { name: \"b\" address: \"127.0.0.1:0\" https { tls { ",
      Cert("a.pem", "a.key"),
      " groups: \"X25519:nope\" } virtual_hosts { locations { path_prefix: "
      "\"/\" upstream_group: \"g\" } } } }\n",
      "upstream_groups { name: \"g\" servers { address: \"127.0.0.1:1\" } }"));
  EXPECT_THAT(
      result.errors,
      ElementsAre(
          "listeners[0].https.tls.alpn[0]: must be 1 to 255 bytes long "
          "(RFC 7301)",
          "listeners[0].https.tls.certificates[0]: the private key does not "
          "match the first certificate",
          HasSubstr("listeners[1].https.tls: groups \"X25519:nope\"")));
}

TEST_F(HttpConfigTest, UpstreamTlsCompilesWithNginxDefaults) {
  Write("ca.pem", tls::GetTestPki().ca.cert_pem, 0644);
  CompileResult result = CompileConfigText(absl::StrCat(
      "listeners { name: \"t\" address: \"127.0.0.1:0\" tcp_proxy { "
      "upstream_group: \"plain\" } }\n"
      "upstream_groups { name: \"plain\" servers { address: \"127.0.0.1:1\" } "
      "tls { } }\n"
      "upstream_groups { name: \"strict\" servers { address: \"[::1]:1\" } "
      "servers { address: \"127.0.0.1:2\" name: \"b.internal\" } "
      "tls { verify: true trusted_ca_file: \"",
      dir_,
      "/ca.pem\" verify_depth: 2 server_name: true "
      "client_cert_file: \"",
      dir_, "/a.pem\" client_key_file: \"", dir_,
      "/a.key\" alpn: \"http/1.1\" session_reuse: false } }\n"
      "upstream_groups { name: \"named\" servers { address: \"127.0.0.1:1\" "
      "name: \"ignored\" } tls { name: \"svc.internal\" } }\n"
      "upstream_groups { name: \"tcp\" servers { address: \"127.0.0.1:1\" } "
      "}"));
  ASSERT_TRUE(result.ok()) << absl::StrJoin(result.errors, "\n");
  const auto& groups = result.snapshot->groups;
  ASSERT_NE(groups[0].tls, nullptr);
  const tls::ClientTlsOptions& plain = groups[0].tls->options();
  EXPECT_FALSE(plain.verify);  // as nginx
  EXPECT_TRUE(plain.session_reuse);
  EXPECT_EQ(plain.client_certificate, nullptr);
  EXPECT_FALSE(groups[0].tls_send_sni);
  EXPECT_THAT(groups[0].tls_names, ElementsAre("127.0.0.1"));
  const tls::ClientTlsOptions& strict = groups[1].tls->options();
  EXPECT_TRUE(strict.verify);
  EXPECT_EQ(strict.verify_depth, 2);
  EXPECT_FALSE(strict.session_reuse);
  EXPECT_NE(strict.client_certificate, nullptr);
  EXPECT_THAT(strict.alpn, ElementsAre("http/1.1"));
  EXPECT_TRUE(groups[1].tls_send_sni);
  EXPECT_THAT(groups[1].tls_names, ElementsAre("::1", "b.internal"));
  EXPECT_THAT(groups[2].tls_names, ElementsAre("svc.internal"));
  EXPECT_EQ(groups[3].tls, nullptr);
  EXPECT_EQ(groups[3].transport_key, "");
  // Different settings, different upstream state.
  EXPECT_NE(groups[0].transport_key, groups[1].transport_key);
  EXPECT_NE(groups[0].transport_key, "");
}

TEST_F(HttpConfigTest, UpstreamTlsErrorsNameTheirFields) {
  CompileResult result = CompileConfigText(absl::StrCat(
      "listeners { name: \"t\" address: \"127.0.0.1:0\" tcp_proxy { "
      "upstream_group: \"a\" } }\n"
      // verify without a CA; a version that does not exist
      "upstream_groups { name: \"a\" servers { address: \"127.0.0.1:1\" } "
      "tls { verify: true min_version: \"TLSv1.1\" } }\n"
      // a client key others may read; a certificate without its key
      "upstream_groups { name: \"b\" servers { address: \"127.0.0.1:1\" } "
      "tls { client_cert_file: \"",
      dir_, "/a.pem\" client_key_file: \"", dir_, "/open.key\" } }\n",
      "upstream_groups { name: \"c\" servers { address: \"127.0.0.1:1\" } "
      "tls { client_cert_file: \"",
      dir_, "/a.pem\" ciphers: \"NOPE\" } }\n",
      // a CA file that is not PEM; ciphers BoringSSL refuses
      "upstream_groups { name: \"d\" servers { address: \"127.0.0.1:1\" } "
      "tls { trusted_ca_file: \"",
      dir_, "/a.key\" verify: true } }\n",
      "upstream_groups { name: \"e\" servers { address: \"127.0.0.1:1\" } "
      "tls { ciphers: \"NOPE\" } }\n"));
  EXPECT_THAT(
      result.errors,
      ElementsAre(
          "upstream_groups[0].tls.min_version: \"TLSv1.1\" (TLSv1.2 or "
          "TLSv1.3)",
          "upstream_groups[0].tls.trusted_ca_file: required with verify",
          HasSubstr("upstream_groups[1].tls.client_key_file: \""),
          "upstream_groups[2].tls.client_key_file: required with "
          "client_cert_file",
          HasSubstr("upstream_groups[3].tls.trusted_ca_file: no PEM "
                    "certificate in"),
          HasSubstr("upstream_groups[4].tls: cipher list \"NOPE\"")));
  EXPECT_THAT(result.errors[2], HasSubstr("is readable by group or others"));
}

TEST_F(HttpConfigTest, TlsStreamListeners) {
  CompileResult result = CompileConfigText(absl::StrCat(
      "listeners { name: \"term\" address: \"127.0.0.1:0\" tls_terminate { "
      "tls { ",
      Cert("a.pem", "a.key"),
      " } upstream_group: \"plain\" } }\n"
      "listeners { name: \"re\" address: \"127.0.0.1:0\" tcp_proxy { "
      "upstream_group: \"tls\" } }\n"
      "listeners { name: \"tcp\" address: \"127.0.0.1:0\" tcp_proxy { "
      "upstream_group: \"plain\" } }\n"
      "upstream_groups { name: \"plain\" servers { address: \"127.0.0.1:1\" "
      "} }\n"
      "upstream_groups { name: \"tls\" servers { address: \"127.0.0.1:1\" } "
      "tls { } }"));
  ASSERT_TRUE(result.ok()) << absl::StrJoin(result.errors, "\n");
  const auto& listeners = result.snapshot->listeners;
  EXPECT_EQ(listeners[0].kind, route::ListenerKind::kTlsTerminate);
  EXPECT_NE(listeners[0].http.tls, nullptr);
  EXPECT_TRUE(listeners[0].tls_stream);
  EXPECT_EQ(listeners[0].http.header_timeout_ns, 60'000'000'000u);
  EXPECT_EQ(listeners[0].defer_accept_s, 60);
  EXPECT_TRUE(listeners[1].tls_stream);  // re-encrypts: not spliced
  EXPECT_FALSE(listeners[2].tls_stream);

  CompileResult bad = CompileConfigText(
      "listeners { name: \"term\" address: \"127.0.0.1:0\" tls_terminate { "
      "upstream_group: \"nope\" } }\n");
  EXPECT_THAT(bad.errors,
              ElementsAre("listeners[0].tls_terminate.upstream_group: unknown "
                          "upstream group \"nope\"",
                          "listeners[0].tls_terminate.tls: required"));
}

}  // namespace
}  // namespace ringway::control
