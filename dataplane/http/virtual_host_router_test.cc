#include "dataplane/http/virtual_host_router.h"

#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"

namespace ringway::http {
namespace {

// Virtual hosts: 0 "app.test" (+ "*.app.test"), 1 "api.test", 2 the default.
route::HttpRoutes ThreeHosts(bool with_default) {
  route::HttpRoutes routes;
  routes.virtual_hosts.resize(3);
  routes.virtual_hosts[0].name = "app.test";
  routes.virtual_hosts[1].name = "api.test";
  routes.virtual_hosts[2].name = "default";
  auto matcher = route::ServerNameMatcher::Build(
      {{.server_names = {"app.test", "*.app.test"}, .target = 0},
       {.server_names = {"api.test"}, .target = 1}},
      with_default ? std::optional<uint32_t>(2) : std::nullopt);
  EXPECT_TRUE(matcher.ok()) << matcher.status();
  routes.hosts =
      std::make_shared<const route::ServerNameMatcher>(std::move(*matcher));
  return routes;
}

TEST(HostNameTest, DropsPortAndBrackets) {
  EXPECT_EQ(HostName("app.test"), "app.test");
  EXPECT_EQ(HostName("app.test:8080"), "app.test");
  EXPECT_EQ(HostName("192.0.2.1:80"), "192.0.2.1");
  EXPECT_EQ(HostName("[::1]:8443"), "::1");
  EXPECT_EQ(HostName("[2001:db8::1]"), "2001:db8::1");
  EXPECT_EQ(HostName(""), "");
}

TEST(FindVirtualHostTest, HostWithPortAnyCaseAndTrailingDot) {
  const route::HttpRoutes routes = ThreeHosts(true);
  EXPECT_EQ(FindVirtualHost(routes, "app.test", ""), &routes.virtual_hosts[0]);
  EXPECT_EQ(FindVirtualHost(routes, "APP.Test:8080", ""),
            &routes.virtual_hosts[0]);
  EXPECT_EQ(FindVirtualHost(routes, "www.app.test.:443", ""),
            &routes.virtual_hosts[0]);
  EXPECT_EQ(FindVirtualHost(routes, "api.test", ""), &routes.virtual_hosts[1]);
}

TEST(FindVirtualHostTest, SniOnlyWithoutHost) {
  const route::HttpRoutes routes = ThreeHosts(true);
  EXPECT_EQ(FindVirtualHost(routes, "", "api.test"), &routes.virtual_hosts[1]);
  // A Host that matches nothing goes to the default, not to the SNI's host.
  EXPECT_EQ(FindVirtualHost(routes, "other.test", "api.test"),
            &routes.virtual_hosts[2]);
  EXPECT_EQ(FindVirtualHost(routes, "app.test", "api.test"),
            &routes.virtual_hosts[0]);
}

TEST(FindVirtualHostTest, DefaultOrNothing) {
  const route::HttpRoutes with_default = ThreeHosts(true);
  EXPECT_EQ(FindVirtualHost(with_default, "[::1]:8443", ""),
            &with_default.virtual_hosts[2]);
  EXPECT_EQ(FindVirtualHost(with_default, "", ""),
            &with_default.virtual_hosts[2]);
  const route::HttpRoutes without = ThreeHosts(false);
  EXPECT_EQ(FindVirtualHost(without, "other.test", ""), nullptr);
  EXPECT_EQ(FindVirtualHost(without, "", ""), nullptr);
  EXPECT_EQ(FindVirtualHost(route::HttpRoutes(), "app.test", ""), nullptr);
}

TEST(TargetPathTest, EveryForm) {
  EXPECT_EQ(TargetPath("/"), "/");
  EXPECT_EQ(TargetPath("/a/b?x=/c"), "/a/b");
  EXPECT_EQ(TargetPath("/a#frag"), "/a");
  EXPECT_EQ(TargetPath("http://h.test/p/q?x"), "/p/q");
  EXPECT_EQ(TargetPath("https://h.test:8443"), "/");
  EXPECT_EQ(TargetPath("http://h.test?x=/p"), "/");
  EXPECT_EQ(TargetPath("*"), "/");
  EXPECT_EQ(TargetPath("h.test:443"), "/");
}

std::string OriginForm(std::string_view target) {
  std::string out = "<";
  AppendOriginForm(target, &out);
  return out;
}

TEST(AppendOriginFormTest, KeepsPathAndQuery) {
  EXPECT_EQ(OriginForm("/p?q"), "</p?q");
  EXPECT_EQ(OriginForm("http://h.test/p?q"), "</p?q");
  EXPECT_EQ(OriginForm("HTTPS://h.test:8443/p"), "</p");
  EXPECT_EQ(OriginForm("http://h.test?q=1"), "</?q=1");
  EXPECT_EQ(OriginForm("http://h.test"), "</");
  EXPECT_EQ(OriginForm("http://h.test/p#f"), "</p");
  EXPECT_EQ(OriginForm("*"), "</");
  EXPECT_EQ(OriginForm("h.test:443"), "</");
}

TEST(FindLocationTest, FirstOfLongestPrefixFirstWins) {
  route::VirtualHost vhost;
  vhost.locations = {{"/api/v2/", 2, ""}, {"/api/", 1, ""}, {"/", 0, ""}};
  EXPECT_EQ(FindLocation(vhost, "/api/v2/x"), &vhost.locations[0]);
  EXPECT_EQ(FindLocation(vhost, "/api/v1?q"), &vhost.locations[1]);
  EXPECT_EQ(FindLocation(vhost, "/api"), &vhost.locations[2]);
  EXPECT_EQ(FindLocation(vhost, "/apix"), &vhost.locations[2]);
  EXPECT_EQ(FindLocation(vhost, "/x?/api/"), &vhost.locations[2]);
  EXPECT_EQ(FindLocation(vhost, "http://h.test/api/v2/"), &vhost.locations[0]);
  EXPECT_EQ(FindLocation(vhost, "*"), &vhost.locations[2]);
}

TEST(FindLocationTest, NoMatchWithoutRoot) {
  route::VirtualHost vhost;
  vhost.locations = {{"/static/", 3, ""}};
  EXPECT_EQ(FindLocation(vhost, "/static/a.css"), &vhost.locations[0]);
  EXPECT_EQ(FindLocation(vhost, "/static"), nullptr);
  EXPECT_EQ(FindLocation(vhost, "/"), nullptr);
  EXPECT_EQ(FindLocation(route::VirtualHost(), "/"), nullptr);
}

TEST(IsAcmeChallengeTest, TokenPathsOnly) {
  EXPECT_TRUE(IsAcmeChallenge("/.well-known/acme-challenge/abc"));
  EXPECT_TRUE(IsAcmeChallenge("/.well-known/acme-challenge/abc?x"));
  EXPECT_TRUE(IsAcmeChallenge("http://h.test/.well-known/acme-challenge/t"));
  EXPECT_FALSE(IsAcmeChallenge("/.well-known/acme-challenge"));
  EXPECT_FALSE(IsAcmeChallenge("/x?/.well-known/acme-challenge/abc"));
  EXPECT_FALSE(IsAcmeChallenge("/.well-known/ACME-challenge/abc"));
}

}  // namespace
}  // namespace ringway::http
