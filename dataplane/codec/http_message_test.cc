#include "dataplane/codec/http_message.h"

#include <initializer_list>
#include <set>
#include <string_view>
#include <utility>

#include "gtest/gtest.h"

namespace ringway::codec {
namespace {

HttpHeaders MakeHeaders(
    std::initializer_list<std::pair<std::string_view, std::string_view>>
        fields) {
  HttpHeaders headers;
  for (const auto& [name, value] : fields) {
    EXPECT_TRUE(headers.Add(name, value));
  }
  return headers;
}

TEST(HttpHeadersTest, FindAndCountIgnoreCase) {
  const HttpHeaders headers = MakeHeaders(
      {{"Host", "a.example"}, {"X-Tag", "1"}, {"x-tag", "2"}, {"Accept", ""}});
  ASSERT_EQ(headers.size(), 4u);
  ASSERT_NE(headers.Find("HOST"), nullptr);
  EXPECT_EQ(headers.Find("host")->value, "a.example");
  EXPECT_EQ(headers.Find("X-TAG")->value, "1");  // the first one
  EXPECT_EQ(headers.Count("x-Tag"), 2u);
  EXPECT_EQ(headers.Count("accept"), 1u);
  EXPECT_EQ(headers.Find("Hos"), nullptr);
  EXPECT_EQ(headers.Count("missing"), 0u);
}

TEST(HttpHeadersTest, ListElementsAcrossLines) {
  const HttpHeaders headers =
      MakeHeaders({{"Connection", "keep-alive , ,X-Secret"},
                   {"connection", "Upgrade"},
                   {"Expect", "foo, 100-Continue"}});
  EXPECT_TRUE(headers.HasConnectionOption("keep-alive"));
  EXPECT_TRUE(headers.HasConnectionOption("x-secret"));
  EXPECT_TRUE(headers.HasConnectionOption("upgrade"));
  EXPECT_FALSE(headers.HasConnectionOption("close"));
  EXPECT_FALSE(headers.HasConnectionOption("keep"));
  EXPECT_TRUE(headers.HasListElement("expect", "100-continue"));
  EXPECT_FALSE(headers.HasListElement("expect", "200-ok"));
}

TEST(HttpHeadersTest, FieldNames) {
  for (std::string_view name :
       {"X-Real-IP", "x_client", "Cf-Connecting-Ip", "!#$%&'*+-.^_`|~09aZ"}) {
    EXPECT_TRUE(IsFieldName(name)) << name;
  }
  for (std::string_view name :
       {"", "X Real", "X-Real:", "X-\"q\"", "X\r\nInjected", "caf\xc3\xa9",
        "(comment)", "a/b"}) {
    EXPECT_FALSE(IsFieldName(name)) << name;
  }
}

TEST(HttpHeadersTest, HopByHop) {
  for (std::string_view name :
       {"Connection", "keep-alive", "Proxy-Connection", "PROXY-AUTHENTICATE",
        "Proxy-Authorization", "te", "Trailer", "Transfer-Encoding",
        "upgrade"}) {
    EXPECT_TRUE(IsHopByHopHeader(name)) << name;
  }
  for (std::string_view name : {"Host", "Content-Length", "Trailers",
                                "Upgrade-Insecure-Requests", "X-Secret", ""}) {
    EXPECT_FALSE(IsHopByHopHeader(name)) << name;
  }
  const HttpHeaders headers = MakeHeaders({{"Connection", "X-Secret"}});
  EXPECT_TRUE(headers.IsHopByHop("x-secret"));
  EXPECT_TRUE(headers.IsHopByHop("TE"));
  EXPECT_FALSE(headers.IsHopByHop("X-Other"));
}

TEST(HttpHeadersTest, AddStopsAtCapacity) {
  HttpHeaders headers;
  for (size_t i = 0; i < HttpHeaders::kCapacity; ++i) {
    ASSERT_TRUE(headers.Add("a", "b"));
  }
  EXPECT_FALSE(headers.Add("c", "d"));
  EXPECT_EQ(headers.size(), HttpHeaders::kCapacity);
  EXPECT_EQ(headers.Find("c"), nullptr);
  headers.Clear();
  EXPECT_TRUE(headers.empty());
  EXPECT_EQ(headers.begin(), headers.end());
}

TEST(HttpParseStatusTest, NamesAndCodes) {
  struct Case {
    HttpParseStatus status;
    std::string_view name;
    int code;
  };
  const Case cases[] = {
      {HttpParseStatus::kNeedMoreData, "need_more_data", 0},
      {HttpParseStatus::kComplete, "complete", 0},
      {HttpParseStatus::kMalformed, "malformed", 400},
      {HttpParseStatus::kUriTooLong, "uri_too_long", 414},
      {HttpParseStatus::kHeadersTooLarge, "headers_too_large", 431},
      {HttpParseStatus::kBodyTooLarge, "body_too_large", 413},
      {HttpParseStatus::kNotImplemented, "not_implemented", 501},
      {HttpParseStatus::kVersionNotSupported, "version_not_supported", 505},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HttpParseStatusName(c.status), c.name);
    EXPECT_EQ(HttpStatusCodeFor(c.status), c.code) << c.name;
  }
}

TEST(HttpErrorTest, NamesAreUniqueSnakeCase) {
  std::set<std::string_view> seen;
  const int last = static_cast<int>(HttpError::kTrailerTooLarge);
  for (int i = 0; i <= last; ++i) {
    const std::string_view name = HttpErrorName(static_cast<HttpError>(i));
    EXPECT_NE(name, "unknown") << i;
    EXPECT_TRUE(seen.insert(name).second) << name;
    for (char c : name) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
          << name;
    }
  }
  EXPECT_EQ(HttpErrorName(HttpError::kNone), "none");
  EXPECT_EQ(HttpErrorName(HttpError::kContentLengthWithTransferEncoding),
            "content_length_with_transfer_encoding");
  EXPECT_EQ(HttpErrorName(HttpError::kTransferEncodingInHttp10),
            "transfer_encoding_in_http10");
}

TEST(HttpErrorTest, StatusClasses) {
  EXPECT_EQ(HttpParseStatusFor(HttpError::kNone), HttpParseStatus::kComplete);
  EXPECT_EQ(HttpParseStatusFor(HttpError::kObsFold),
            HttpParseStatus::kMalformed);
  EXPECT_EQ(HttpParseStatusFor(HttpError::kRequestLineTooLong),
            HttpParseStatus::kUriTooLong);
  EXPECT_EQ(HttpParseStatusFor(HttpError::kStatusLineTooLong),
            HttpParseStatus::kHeadersTooLarge);
  EXPECT_EQ(HttpParseStatusFor(HttpError::kTooManyHeaders),
            HttpParseStatus::kHeadersTooLarge);
  EXPECT_EQ(HttpParseStatusFor(HttpError::kTrailerTooLarge),
            HttpParseStatus::kHeadersTooLarge);
  EXPECT_EQ(HttpParseStatusFor(HttpError::kBodyTooLarge),
            HttpParseStatus::kBodyTooLarge);
  EXPECT_EQ(HttpParseStatusFor(HttpError::kUnknownTransferCoding),
            HttpParseStatus::kNotImplemented);
  EXPECT_EQ(HttpParseStatusFor(HttpError::kUnsupportedVersion),
            HttpParseStatus::kVersionNotSupported);
  EXPECT_EQ(HttpParseStatusFor(HttpError::kChunkSizeTooLarge),
            HttpParseStatus::kMalformed);
}

}  // namespace
}  // namespace ringway::codec
