// Listener options that shape each connection's sockets: defer_accept
// (TCP_DEFER_ACCEPT) and half_close.

#include <string>

#include "absl/strings/str_join.h"
#include "control/config_compiler.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringway::control {
namespace {

using ::testing::ElementsAre;

TEST(ListenerOptionsTest, DeferAcceptDefaultsByHandlerAndCanBeSet) {
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

// Half-close is on unless turned off; off is refused where ringway speaks
// TLS on a side (a tcp_proxy re-encrypting to its group) or HTTP.
TEST(ListenerOptionsTest, HalfCloseDefaultsOnAndOffOnlyForRelayedBytes) {
  CompileResult result = CompileConfigText(R"pb(
    listeners {
      name: "tcp"
      address: "127.0.0.1:0"
      tcp_proxy { upstream_group: "g" }
    }
    listeners {
      name: "tcp_off"
      address: "127.0.0.1:0"
      tcp_proxy { upstream_group: "g" }
      half_close: false
    }
    listeners {
      name: "tls_off"
      address: "127.0.0.1:0"
      tls_passthrough { default_upstream_group: "g" }
      half_close: false
    }
    listeners {
      name: "tcp_on"
      address: "127.0.0.1:0"
      tcp_proxy { upstream_group: "g" }
      half_close: true
    }
    upstream_groups {
      name: "g"
      servers { address: "127.0.0.1:1" }
    }
  )pb");
  ASSERT_TRUE(result.ok()) << absl::StrJoin(result.errors, "\n");
  const auto& l = result.snapshot->listeners;
  EXPECT_TRUE(l[0].half_close);
  EXPECT_FALSE(l[1].half_close);
  EXPECT_FALSE(l[2].half_close);
  EXPECT_TRUE(l[3].half_close);

  CompileResult bad = CompileConfigText(R"pb(
    listeners {
      name: "re"
      address: "127.0.0.1:0"
      tcp_proxy { upstream_group: "tls" }
      half_close: false
    }
    listeners {
      name: "web"
      address: "127.0.0.1:0"
      http {
        virtual_hosts {
          server_names: "a.example.org"
          locations { path_prefix: "/" upstream_group: "tls" }
        }
      }
      half_close: false
    }
    upstream_groups {
      name: "tls"
      servers { address: "127.0.0.1:1" }
      tls {}
    }
  )pb");
  const std::string why =
      ".half_close: off only for listeners relaying bytes as they are "
      "(tcp_proxy to a group without tls, tls_passthrough); where ringway "
      "speaks TLS each direction ends with its close_notify";
  EXPECT_THAT(bad.errors,
              ElementsAre("listeners[0]" + why, "listeners[1]" + why));
}

}  // namespace
}  // namespace ringway::control
