#include "dataplane/http/client_response.h"

#include <string>

#include "dataplane/http/http_test_util.h"
#include "gtest/gtest.h"

namespace ringway::http {
namespace {

using codec::HttpMethod;
using codec::HttpVersion;

route::VirtualHost WithHeaders() {
  route::VirtualHost vhost;
  vhost.response_headers = {{"Strict-Transport-Security", "max-age=63072000"},
                            {"X-Frame-Options", "DENY"}};
  return vhost;
}

struct Client {
  HttpMethod method = HttpMethod::kGet;
  HttpVersion version = HttpVersion::kHttp11;
  bool keep_alive = true;
  bool upgrade = false;
};

// The head sent to the client for `response_bytes`.
std::string Head(const std::string& response_bytes,
                 const route::VirtualHost* vhost, Client client = {}) {
  ParsedResponse parsed(response_bytes, {.request_method = client.method,
                                         .request_upgrade = client.upgrade});
  EXPECT_EQ(parsed.status(), codec::HttpParseStatus::kComplete)
      << codec::HttpErrorName(parsed.response().error);
  std::string out;
  WriteClientResponseHead(parsed.response(), vhost, client.method,
                          client.version, client.keep_alive, &out);
  return out;
}

TEST(ReasonPhraseTest, KnownAndUnknown) {
  EXPECT_EQ(ReasonPhrase(200), "OK");
  EXPECT_EQ(ReasonPhrase(404), "Not Found");
  EXPECT_EQ(ReasonPhrase(413), "Content Too Large");
  EXPECT_EQ(ReasonPhrase(599), "");
}

TEST(ClientResponseTest, AddedHeadersReplaceUpstreamOnesInConfigOrder) {
  const route::VirtualHost vhost = WithHeaders();
  EXPECT_EQ(Head("HTTP/1.1 200 OK\r\nServer: up\r\n"
                 "x-frame-options: SAMEORIGIN\r\n"
                 "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
                 "Transfer-Encoding: chunked\r\nVary: Accept\r\n\r\n",
                 &vhost),
            "HTTP/1.1 200 OK\r\n"
            "Server: up\r\n"
            "Vary: Accept\r\n"
            "Transfer-Encoding: chunked\r\n"
            "Strict-Transport-Security: max-age=63072000\r\n"
            "X-Frame-Options: DENY\r\n"
            "\r\n");
}

TEST(ClientResponseTest, ContentLengthRewrittenAndConnectionByClient) {
  const std::string response =
      "HTTP/1.0 200 Fine\r\nContent-Length: 005\r\nConnection: close, "
      "X-Internal\r\nX-Internal: 1\r\nETag: \"x\"\r\n\r\n";
  EXPECT_EQ(Head(response, nullptr),
            "HTTP/1.1 200 Fine\r\nETag: \"x\"\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(Head(response, nullptr, {.keep_alive = false}),
            "HTTP/1.1 200 Fine\r\nETag: \"x\"\r\nContent-Length: 5\r\n"
            "Connection: close\r\n\r\n");
  EXPECT_EQ(Head(response, nullptr, {.version = HttpVersion::kHttp10}),
            "HTTP/1.1 200 Fine\r\nETag: \"x\"\r\nContent-Length: 5\r\n"
            "Connection: keep-alive\r\n\r\n");
  EXPECT_EQ(Head(response, nullptr,
                 {.version = HttpVersion::kHttp10, .keep_alive = false}),
            "HTTP/1.1 200 Fine\r\nETag: \"x\"\r\nContent-Length: 5\r\n"
            "Connection: close\r\n\r\n");
}

TEST(ClientResponseTest, BodyUntilCloseClosesTheClient) {
  ParsedResponse parsed("HTTP/1.0 200 OK\r\nServer: old\r\n\r\n");
  ASSERT_EQ(parsed.status(), codec::HttpParseStatus::kComplete);
  ASSERT_EQ(parsed.response().body_kind, codec::HttpBodyKind::kUntilClose);
  EXPECT_FALSE(ClientMayKeepAlive(parsed.response(), true));
  std::string out;
  WriteClientResponseHead(parsed.response(), nullptr, HttpMethod::kGet,
                          HttpVersion::kHttp11, true, &out);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nServer: old\r\nConnection: close\r\n\r\n");
}

TEST(ClientResponseTest, HeadAnd304KeepTheRepresentationLength) {
  EXPECT_EQ(Head("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n"
                 "Content-Type: text/html\r\n\r\n",
                 nullptr, {.method = HttpMethod::kHead}),
            "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n"
            "Content-Type: text/html\r\n\r\n");
  EXPECT_EQ(Head("HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n"
                 "Content-Length: 99\r\n\r\n",
                 nullptr),
            "HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n"
            "Content-Length: 99\r\n\r\n");
  // 204 has no body and no length.
  EXPECT_EQ(
      Head("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", nullptr),
      "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST(ClientResponseTest, MissingReasonFilledIn) {
  EXPECT_EQ(Head("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n", nullptr),
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(Head("HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n", nullptr),
            "HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n");
}

TEST(ClientResponseTest, InterimGetsNothingAdded) {
  const route::VirtualHost vhost = WithHeaders();
  EXPECT_EQ(Head("HTTP/1.1 100 Continue\r\n\r\n", &vhost),
            "HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_EQ(Head("HTTP/1.1 103 Early Hints\r\n"
                 "Link: </a.css>; rel=preload\r\nConnection: close\r\n"
                 "X-Frame-Options: SAMEORIGIN\r\n\r\n",
                 &vhost, {.keep_alive = false}),
            "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n"
            "X-Frame-Options: SAMEORIGIN\r\n\r\n");
}

TEST(ClientResponseTest, SwitchingProtocolsKeepsUpgrade) {
  const route::VirtualHost vhost = WithHeaders();
  ParsedResponse parsed(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
      {.request_method = HttpMethod::kGet, .request_upgrade = true});
  ASSERT_EQ(parsed.status(), codec::HttpParseStatus::kComplete);
  EXPECT_FALSE(ClientMayKeepAlive(parsed.response(), true));
  std::string out;
  WriteClientResponseHead(parsed.response(), &vhost, HttpMethod::kGet,
                          HttpVersion::kHttp11, false, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            "Connection: upgrade\r\n"
            "Upgrade: websocket\r\n"
            "Strict-Transport-Security: max-age=63072000\r\n"
            "X-Frame-Options: DENY\r\n"
            "\r\n");
}

TEST(ClientMayKeepAliveTest, FollowsRequestUnlessBodyEndsAtClose) {
  ParsedResponse length("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n");
  ParsedResponse chunked(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  ParsedResponse none("HTTP/1.1 204 No Content\r\n\r\n");
  for (const ParsedResponse* parsed : {&length, &chunked, &none}) {
    ASSERT_EQ(parsed->status(), codec::HttpParseStatus::kComplete);
    EXPECT_TRUE(ClientMayKeepAlive(parsed->response(), true));
    EXPECT_FALSE(ClientMayKeepAlive(parsed->response(), false));
  }
}

TEST(ClientResponseTest, AppendsToOutWithoutClearing) {
  ParsedResponse parsed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(parsed.status(), codec::HttpParseStatus::kComplete);
  std::string out = "HTTP/1.1 100 Continue\r\n\r\n";
  WriteClientResponseHead(parsed.response(), nullptr, HttpMethod::kPost,
                          HttpVersion::kHttp11, true, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 100 Continue\r\n\r\n"
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
}

}  // namespace
}  // namespace ringway::http
