#include "dataplane/http/local_response.h"

#include <string>

#include "gtest/gtest.h"

namespace ringway::http {
namespace {

route::VirtualHost WithHeaders() {
  route::VirtualHost vhost;
  vhost.response_headers = {{"Strict-Transport-Security", "max-age=1"},
                            {"X-Frame-Options", "DENY"}};
  return vhost;
}

TEST(LocalResponseTest, ErrorThatClosesTheConnection) {
  std::string out;
  WriteLocalResponse(502, "connect refused", nullptr, false, false, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 502 Bad Gateway\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 16\r\n"
            "Connection: close\r\n"
            "\r\n"
            "502 Bad Gateway\n");
}

TEST(LocalResponseTest, KeptAliveWithAddedHeaders) {
  const route::VirtualHost vhost = WithHeaders();
  std::string out;
  WriteLocalResponse(404, "no location", &vhost, true, false, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 404 Not Found\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 14\r\n"
            "Strict-Transport-Security: max-age=1\r\n"
            "X-Frame-Options: DENY\r\n"
            "\r\n"
            "404 Not Found\n");
}

TEST(LocalResponseTest, HeadGetsTheSameHeadAndNoBody) {
  std::string out = "before|";
  WriteLocalResponse(431, "", nullptr, false, true, &out);
  EXPECT_EQ(out,
            "before|HTTP/1.1 431 Request Header Fields Too Large\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 36\r\n"
            "Connection: close\r\n"
            "\r\n");
}

TEST(LocalResponseTest, DetailIsNeverEchoed) {
  std::string out;
  WriteLocalResponse(400, "<script>", nullptr, false, false, &out);
  EXPECT_EQ(out.find("<script>"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("\r\n\r\n400 Bad Request\n")) << out;
}

TEST(RedirectToHttpsTest, DefaultPortLeftOut) {
  std::string out;
  WriteRedirectToHttps("www.example.org:80", "/a?b", 443, nullptr, true, false,
                       &out);
  EXPECT_EQ(out,
            "HTTP/1.1 301 Moved Permanently\r\n"
            "Location: https://www.example.org/a?b\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 22\r\n"
            "\r\n"
            "301 Moved Permanently\n");
}

TEST(RedirectToHttpsTest, OtherPortIpv6AndAbsoluteForm) {
  const route::VirtualHost vhost = WithHeaders();
  std::string out;
  WriteRedirectToHttps("[::1]:8080", "http://[::1]:8080?x=1", 8443, &vhost,
                       false, false, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 301 Moved Permanently\r\n"
            "Location: https://[::1]:8443/?x=1\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 22\r\n"
            "Strict-Transport-Security: max-age=1\r\n"
            "X-Frame-Options: DENY\r\n"
            "Connection: close\r\n"
            "\r\n"
            "301 Moved Permanently\n");
}

TEST(RedirectToHttpsTest, HeadHasNoBody) {
  std::string out;
  WriteRedirectToHttps("a.test", "/", 443, nullptr, true, true, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 301 Moved Permanently\r\n"
            "Location: https://a.test/\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 22\r\n"
            "\r\n");
}

TEST(ContinueTest, ExactBytes) {
  std::string out = "x";
  WriteContinue(&out);
  EXPECT_EQ(out, "xHTTP/1.1 100 Continue\r\n\r\n");
}

}  // namespace
}  // namespace ringway::http
