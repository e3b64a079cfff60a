#include "dataplane/http/upstream_request.h"

#include <string>

#include "dataplane/http/http_test_util.h"
#include "gtest/gtest.h"

namespace ringway::http {
namespace {

const route::HttpLocation kRoot{"/", 0, ""};

// The head sent upstream for `request_bytes` with the given settings.
std::string Head(const std::string& request_bytes,
                 const route::ForwardedHeaders& forwarded,
                 const DownstreamFacts& facts, bool keep_alive = true,
                 const route::HttpLocation& location = kRoot) {
  ParsedRequest parsed(request_bytes);
  EXPECT_EQ(parsed.status(), codec::HttpParseStatus::kComplete)
      << codec::HttpErrorName(parsed.request().error);
  std::string out;
  WriteUpstreamRequestHead(parsed.request(), forwarded, location, facts,
                           keep_alive, &out);
  return out;
}

route::ForwardedHeaders NoneForwarded() {
  route::ForwardedHeaders forwarded;
  forwarded.x_forwarded_for = false;
  forwarded.x_real_ip = false;
  forwarded.x_forwarded_proto = false;
  forwarded.x_forwarded_host = false;
  forwarded.forwarded = false;
  return forwarded;
}

TEST(UpstreamRequestTest, DefaultsOnAPlainGet) {
  EXPECT_EQ(Head("GET /a?b=c HTTP/1.1\r\nHost: app.test\r\n"
                 "User-Agent: t/1\r\nAccept: */*\r\n\r\n",
                 route::ForwardedHeaders(), {.client_ip = "192.0.2.1"}),
            "GET /a?b=c HTTP/1.1\r\n"
            "Host: app.test\r\n"
            "User-Agent: t/1\r\n"
            "Accept: */*\r\n"
            "X-Forwarded-For: 192.0.2.1\r\n"
            "X-Real-IP: 192.0.2.1\r\n"
            "X-Forwarded-Proto: http\r\n"
            "X-Forwarded-Host: app.test\r\n"
            "Connection: keep-alive\r\n"
            "\r\n");
}

TEST(UpstreamRequestTest, AppendsToOutWithoutClearing) {
  ParsedRequest parsed("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(parsed.status(), codec::HttpParseStatus::kComplete);
  std::string out = "previous";
  WriteUpstreamRequestHead(parsed.request(), NoneForwarded(), kRoot,
                           {.client_ip = "192.0.2.1"}, false, &out);
  EXPECT_EQ(out,
            "previousGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
}

TEST(UpstreamRequestTest, DropsHopByHopAndSpoofedFieldsAndRewritesFraming) {
  route::ForwardedHeaders forwarded;
  forwarded.forwarded = true;
  forwarded.client_verify_header = "X-Client-Verify";
  forwarded.client_subject_header = "X-Client-Subject";
  EXPECT_EQ(
      Head("POST http://app.test/p?q HTTP/1.1\r\n"
           "Host: app.test\r\n"
           "Connection: close, X-Hop\r\n"
           "X-Hop: 1\r\n"
           "Keep-Alive: timeout=5\r\n"
           "TE: trailers\r\n"
           "Proxy-Authorization: Basic eA==\r\n"
           "X-Real-IP: 6.6.6.6\r\n"
           "X-Forwarded-Proto: https\r\n"
           "X-Forwarded-Host: evil.test\r\n"
           "X-Forwarded-For: 1.2.3.4\r\n"
           "x-client-verify: SUCCESS\r\n"
           "X-Client-Subject: CN=admin\r\n"
           "Forwarded: for=1.2.3.4\r\n"
           "Content-Length: 003\r\n"
           "Accept: */*\r\n"
           "\r\nabc",
           forwarded, {.client_ip = "127.0.0.1", .https = true}, false),
      "POST /p?q HTTP/1.1\r\n"
      "Host: app.test\r\n"
      "Accept: */*\r\n"
      "X-Forwarded-For: 1.2.3.4, 127.0.0.1\r\n"
      "X-Real-IP: 127.0.0.1\r\n"
      "X-Forwarded-Proto: https\r\n"
      "X-Forwarded-Host: app.test\r\n"
      "Forwarded: for=1.2.3.4, for=127.0.0.1;proto=https;host=\"app.test\"\r\n"
      "Content-Length: 3\r\n"
      "Connection: close\r\n"
      "\r\n");
}

TEST(UpstreamRequestTest, JoinsEveryForwardedForInstance) {
  route::ForwardedHeaders forwarded = NoneForwarded();
  forwarded.x_forwarded_for = true;
  EXPECT_EQ(Head("GET / HTTP/1.1\r\nHost: a\r\n"
                 "X-Forwarded-For: 203.0.113.1, 198.51.100.2\r\n"
                 "Accept: */*\r\n"
                 "x-forwarded-for: 10.0.0.1\r\n\r\n",
                 forwarded, {.client_ip = "10.0.0.2"}),
            "GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n"
            "X-Forwarded-For: 203.0.113.1, 198.51.100.2, 10.0.0.1, "
            "10.0.0.2\r\n"
            "Connection: keep-alive\r\n\r\n");
}

TEST(UpstreamRequestTest, DisabledFieldsPassThroughFromTheClient) {
  EXPECT_EQ(Head("GET / HTTP/1.1\r\nHost: a\r\nX-Real-IP: 1.1.1.1\r\n"
                 "X-Forwarded-For: 2.2.2.2\r\nForwarded: for=3.3.3.3\r\n\r\n",
                 NoneForwarded(), {.client_ip = "10.0.0.2"}),
            "GET / HTTP/1.1\r\nHost: a\r\nX-Real-IP: 1.1.1.1\r\n"
            "X-Forwarded-For: 2.2.2.2\r\nForwarded: for=3.3.3.3\r\n"
            "Connection: keep-alive\r\n\r\n");
}

TEST(UpstreamRequestTest, ForwardedQuotesIpv6AndOmitsMissingHost) {
  route::ForwardedHeaders forwarded = NoneForwarded();
  forwarded.forwarded = true;
  EXPECT_EQ(Head("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n", forwarded,
                 {.client_ip = "2001:db8::1", .https = true}),
            "GET / HTTP/1.1\r\nHost: [::1]:8443\r\n"
            "Forwarded: for=\"[2001:db8::1]\";proto=https;"
            "host=\"[::1]:8443\"\r\n"
            "Connection: keep-alive\r\n\r\n");
  // HTTP/1.0 without Host: no Host, X-Forwarded-Host or host=.
  forwarded.x_forwarded_host = true;
  EXPECT_EQ(Head("GET /x HTTP/1.0\r\n\r\n", forwarded,
                 {.client_ip = "192.0.2.1"}, false),
            "GET /x HTTP/1.1\r\n"
            "Forwarded: for=192.0.2.1;proto=http\r\n"
            "Connection: close\r\n\r\n");
}

TEST(UpstreamRequestTest, HostFromLocationOrTargetAuthority) {
  route::ForwardedHeaders forwarded = NoneForwarded();
  forwarded.x_forwarded_host = true;
  // Absolute-form: the target's authority is the host (RFC 9112 3.2.2).
  EXPECT_EQ(Head("GET http://app.test:8080?q=1 HTTP/1.1\r\n"
                 "Host: other.test\r\n\r\n",
                 forwarded, {.client_ip = "192.0.2.1"}),
            "GET /?q=1 HTTP/1.1\r\nHost: app.test:8080\r\n"
            "X-Forwarded-Host: app.test:8080\r\n"
            "Connection: keep-alive\r\n\r\n");
  const route::HttpLocation internal{"/", 0, "backend.internal"};
  EXPECT_EQ(Head("GET / HTTP/1.1\r\nHost: app.test\r\n\r\n", forwarded,
                 {.client_ip = "192.0.2.1"}, true, internal),
            "GET / HTTP/1.1\r\nHost: backend.internal\r\n"
            "X-Forwarded-Host: app.test\r\n"
            "Connection: keep-alive\r\n\r\n");
}

TEST(UpstreamRequestTest, ClientCertificateFields) {
  route::ForwardedHeaders forwarded = NoneForwarded();
  forwarded.client_verify_header = "X-SSL-Verify";
  forwarded.client_subject_header = "X-SSL-Subject";
  const std::string request =
      "GET / HTTP/1.1\r\nHost: a\r\nX-SSL-Verify: SUCCESS\r\n"
      "X-SSL-Subject: CN=admin\r\n\r\n";
  EXPECT_EQ(Head(request, forwarded,
                 {.client_ip = "192.0.2.1",
                  .https = true,
                  .client_verify = "SUCCESS",
                  .client_subject = "CN=alice,O=Example"}),
            "GET / HTTP/1.1\r\nHost: a\r\n"
            "X-SSL-Verify: SUCCESS\r\n"
            "X-SSL-Subject: CN=alice,O=Example\r\n"
            "Connection: keep-alive\r\n\r\n");
  EXPECT_EQ(
      Head(request, forwarded,
           {.client_ip = "192.0.2.1", .https = true, .client_verify = "NONE"}),
      "GET / HTTP/1.1\r\nHost: a\r\nX-SSL-Verify: NONE\r\n"
      "Connection: keep-alive\r\n\r\n");
  // Verification off: the client's copies still go.
  EXPECT_EQ(Head(request, forwarded, {.client_ip = "192.0.2.1"}),
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n");
}

TEST(UpstreamRequestTest, ChunkedAndEmptyBodies) {
  EXPECT_EQ(Head("PUT /u HTTP/1.1\r\nHost: a\r\n"
                 "Transfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n",
                 NoneForwarded(), {.client_ip = "192.0.2.1"}),
            "PUT /u HTTP/1.1\r\nHost: a\r\n"
            "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(Head("POST /u HTTP/1.0\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
                 NoneForwarded(), {.client_ip = "192.0.2.1"}),
            "POST /u HTTP/1.1\r\nHost: a\r\n"
            "Content-Length: 0\r\nConnection: keep-alive\r\n\r\n");
}

TEST(UpstreamRequestTest, UpgradeKeepsUpgradeAndConnection) {
  EXPECT_EQ(Head("GET /ws HTTP/1.1\r\nHost: a\r\n"
                 "Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                 "Sec-WebSocket-Version: 13\r\n\r\n",
                 NoneForwarded(), {.client_ip = "192.0.2.1"}, false),
            "GET /ws HTTP/1.1\r\nHost: a\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            "Connection: upgrade\r\nUpgrade: websocket\r\n\r\n");
  // Upgrade without "upgrade" in Connection is not an upgrade: dropped.
  EXPECT_EQ(Head("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n",
                 NoneForwarded(), {.client_ip = "192.0.2.1"}, false),
            "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
}

TEST(UpstreamRequestTest, AsteriskAndOtherMethodsAsSent) {
  EXPECT_EQ(Head("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", NoneForwarded(),
                 {.client_ip = "192.0.2.1"}),
            "OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(Head("PROPFIND /d HTTP/1.1\r\nHost: a\r\n\r\n", NoneForwarded(),
                 {.client_ip = "192.0.2.1"}),
            "PROPFIND /d HTTP/1.1\r\nHost: a\r\n"
            "Connection: keep-alive\r\n\r\n");
}

}  // namespace
}  // namespace ringway::http
