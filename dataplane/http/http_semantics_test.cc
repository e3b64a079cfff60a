// The pure HTTP proxy pieces on real parsed messages: routing, the real
// client address, and the exact heads sent upstream and to clients.

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

#include "dataplane/codec/http_request_parser.h"
#include "dataplane/codec/http_response_parser.h"
#include "dataplane/http/client_response.h"
#include "dataplane/http/local_response.h"
#include "dataplane/http/real_client_address.h"
#include "dataplane/http/upstream_request.h"
#include "dataplane/http/virtual_host_router.h"
#include "gtest/gtest.h"

namespace ringway::http {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

sockaddr_storage Ip(const char* text) {
  sockaddr_storage out{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  v4->sin_family = AF_INET;
  inet_pton(AF_INET, text, &v4->sin_addr);
  return out;
}

TEST(VirtualHostRouterTest, HostThenSniThenDefaultAndLongestPrefix) {
  route::HttpRoutes routes;
  routes.virtual_hosts.resize(2);
  routes.virtual_hosts[0].locations = {{"/api/", 1, ""}, {"/", 0, ""}};
  auto matcher = route::ServerNameMatcher::Build(
      {{.server_names = {"app.test"}, .target = 0}}, 1);
  ASSERT_TRUE(matcher.ok());
  routes.hosts =
      std::make_shared<const route::ServerNameMatcher>(std::move(*matcher));
  EXPECT_EQ(FindVirtualHost(routes, "APP.test:8080", ""),
            &routes.virtual_hosts[0]);
  EXPECT_EQ(FindVirtualHost(routes, "", "app.test"), &routes.virtual_hosts[0]);
  EXPECT_EQ(FindVirtualHost(routes, "other.test", "app.test"),
            &routes.virtual_hosts[1]);
  const route::VirtualHost& app = routes.virtual_hosts[0];
  EXPECT_EQ(FindLocation(app, "/api/v1?q=/x")->upstream_group, 1u);
  EXPECT_EQ(FindLocation(app, "/apix")->upstream_group, 0u);
  EXPECT_EQ(FindLocation(app, "http://app.test/api/z")->upstream_group, 1u);
  EXPECT_TRUE(IsAcmeChallenge("/.well-known/acme-challenge/abc"));
  EXPECT_FALSE(IsAcmeChallenge("/.well-known/acme-challenge"));
  EXPECT_EQ(HostName("[::1]:443"), "::1");
}

TEST(RealClientAddressTest, HeaderOnlyFromTrustedPeersRecursiveSkipsProxies) {
  std::string text =
      "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.1, "
      "10.0.0.2\r\nX-Forwarded-For: 10.0.0.3\r\n\r\n";
  codec::HttpRequestParser parser;
  codec::HttpRequest request;
  ASSERT_EQ(parser.Parse(Bytes(text), &request),
            codec::HttpParseStatus::kComplete);
  route::RealIpFromHeader config;
  EXPECT_EQ(RealClientIp(config, Ip("10.0.0.9"), request.headers), "10.0.0.9");
  config.enabled = true;
  config.trusted = {*address::Cidr::Parse("10.0.0.0/8")};
  EXPECT_EQ(RealClientIp(config, Ip("192.0.2.1"), request.headers),
            "192.0.2.1");  // untrusted peer: its own address
  EXPECT_EQ(RealClientIp(config, Ip("10.0.0.9"), request.headers),
            "10.0.0.3");  // rightmost
  config.recursive = true;
  EXPECT_EQ(RealClientIp(config, Ip("10.0.0.9"), request.headers),
            "198.51.100.1");
}

TEST(UpstreamRequestTest, RewritesHeadForTheUpstream) {
  std::string text =
      "POST http://app.test/p?q HTTP/1.1\r\nHost: app.test\r\n"
      "Connection: close, X-Hop\r\nX-Hop: 1\r\nX-Real-IP: 6.6.6.6\r\n"
      "X-Forwarded-For: 1.2.3.4\r\nX-Client-Verify: SUCCESS\r\n"
      "Content-Length: 3\r\nAccept: */*\r\n\r\nabc";
  codec::HttpRequestParser parser;
  codec::HttpRequest request;
  ASSERT_EQ(parser.Parse(Bytes(text), &request),
            codec::HttpParseStatus::kComplete);
  route::ForwardedHeaders forwarded;
  forwarded.forwarded = true;
  forwarded.client_verify_header = "X-Client-Verify";
  route::HttpLocation location{"/", 0, ""};
  DownstreamFacts facts{"127.0.0.1", true, "", ""};
  std::string out;
  WriteUpstreamRequestHead(request, forwarded, location, facts, false, &out);
  EXPECT_EQ(out,
            "POST /p?q HTTP/1.1\r\n"
            "Host: app.test\r\n"
            "Accept: */*\r\n"
            "X-Forwarded-For: 1.2.3.4, 127.0.0.1\r\n"
            "X-Real-IP: 127.0.0.1\r\n"
            "X-Forwarded-Proto: https\r\n"
            "X-Forwarded-Host: app.test\r\n"
            "Forwarded: for=127.0.0.1;proto=https;host=\"app.test\"\r\n"
            "Content-Length: 3\r\n"
            "Connection: close\r\n\r\n");
}

TEST(ClientResponseTest, AddedHeadersReplaceUpstreamOnesAndFramingIsKept) {
  std::string text =
      "HTTP/1.1 200 OK\r\nServer: up\r\nStrict-Transport-Security: x\r\n"
      "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  codec::HttpResponseParser parser;
  codec::HttpResponse response;
  ASSERT_EQ(parser.Parse(Bytes(text), {}, &response),
            codec::HttpParseStatus::kComplete);
  route::VirtualHost vhost;
  vhost.response_headers = {{"Strict-Transport-Security", "max-age=1"}};
  std::string out;
  WriteClientResponseHead(response, &vhost, codec::HttpMethod::kGet,
                          codec::HttpVersion::kHttp11, true, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nServer: up\r\n"
            "Transfer-Encoding: chunked\r\n"
            "Strict-Transport-Security: max-age=1\r\n\r\n");
  out.clear();
  WriteClientResponseHead(response, &vhost, codec::HttpMethod::kGet,
                          codec::HttpVersion::kHttp10, false, &out);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos) << out;
}

TEST(LocalResponseTest, RedirectKeepsHostAndTargetAndErrorsHaveLength) {
  std::string out;
  WriteRedirectToHttps("www.example.org:80", "/a?b", 443, nullptr, true, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 301 Moved Permanently\r\n"
            "Location: https://www.example.org/a?b\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 22\r\n\r\n301 Moved Permanently\n");
  out.clear();
  WriteLocalResponse(502, "refused", nullptr, false, false, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 502 Bad Gateway\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 16\r\nConnection: close\r\n\r\n"
            "502 Bad Gateway\n");
}

}  // namespace
}  // namespace ringway::http
