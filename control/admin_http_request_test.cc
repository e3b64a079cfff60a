#include "control/admin_http_request.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringway::control {
namespace {

using ::testing::HasSubstr;

std::string Error(std::string_view bytes) {
  auto request = ParseAdminHttpRequest(bytes);
  return request.ok() ? "<accepted>" : std::string(request.status().message());
}

TEST(AdminHttpRequestTest, MethodAndPathWithoutQuery) {
  auto request = ParseAdminHttpRequest(
      "GET /metrics?name[]=x HTTP/1.1\r\nHost: admin\r\n\r\n");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->method, "GET");
  EXPECT_EQ(request->path, "/metrics");
  auto head = ParseAdminHttpRequest("HEAD /ready HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->method, "HEAD");
  EXPECT_EQ(head->path, "/ready");
}

TEST(AdminHttpRequestTest, BadRequestsSayWhy) {
  EXPECT_THAT(Error(""), HasSubstr("incomplete"));
  EXPECT_THAT(Error("GET / HTTP/1.1\r\n"), HasSubstr("incomplete"));
  EXPECT_THAT(Error(std::string(kMaxAdminHttpRequestBytes + 1, 'x')),
              HasSubstr("too large"));
  EXPECT_THAT(Error("\x01\x02\r\n\r\n"), HasSubstr("bad request line"));
  EXPECT_THAT(Error("GET /\r\n\r\n"), HasSubstr("bad request line"));
  EXPECT_THAT(Error(" / HTTP/1.1\r\n\r\n"), HasSubstr("bad request line"));
  EXPECT_THAT(Error("GET  HTTP/1.1\r\n\r\n"), HasSubstr("bad request line"));
}

}  // namespace
}  // namespace ringway::control
