#include "dataplane/codec/http_response_parser.h"

#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace ringway::codec {
namespace {

using Status = HttpParseStatus;

std::span<const uint8_t> AsBytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

constexpr HttpResponseContext kGet = {};
constexpr HttpResponseContext kHead = {.request_method = HttpMethod::kHead};
constexpr HttpResponseContext kConnect = {.request_method =
                                              HttpMethod::kConnect};
constexpr HttpResponseContext kUpgrade = {.request_upgrade = true};

std::string Describe(Status status, const HttpResponse& r) {
  std::string out(HttpParseStatusName(status));
  out += " ";
  out += HttpErrorName(r.error);
  if (status != Status::kComplete) return out;
  out += " v=" + std::to_string(static_cast<int>(r.version)) +
         " code=" + std::to_string(r.status_code) +
         " reason=" + std::string(r.reason) +
         " head=" + std::to_string(r.head_length) +
         " body=" + std::to_string(static_cast<int>(r.body_kind)) +
         " cl=" + std::to_string(r.content_length) +
         " ka=" + std::to_string(r.keep_alive) +
         " up=" + std::to_string(r.upgrade);
  for (const HttpHeader& field : r.headers) {
    out +=
        " [" + std::string(field.name) + "=" + std::string(field.value) + "]";
  }
  return out;
}

// NOTE: response_ holds views into the text given to Parse.
class HttpResponseParserTest : public ::testing::Test {
 protected:
  Status Parse(std::string_view text,
               const HttpResponseContext& context = kGet) {
    HttpResponseParser parser(limits_);
    return parser.Parse(AsBytes(text), context, &response_);
  }
  void ExpectRefused(std::string_view text, Status status, HttpError error,
                     const HttpResponseContext& context = kGet) {
    EXPECT_EQ(Parse(text, context), status) << text;
    EXPECT_EQ(response_.error, error)
        << HttpErrorName(response_.error) << " for: " << text;
  }
  void ExpectMalformed(std::string_view text, HttpError error) {
    ExpectRefused(text, Status::kMalformed, error);
  }

  HttpLimits limits_;
  HttpResponse response_;
};

TEST_F(HttpResponseParserTest, ContentLengthResponse) {
  constexpr std::string_view kText =
      "HTTP/1.1 200 OK\r\n"
      "Content-Type: text/plain\r\n"
      "Content-Length: 5\r\n"
      "\r\n"
      "hello";
  ASSERT_EQ(Parse(kText), Status::kComplete);
  EXPECT_EQ(response_.version, HttpVersion::kHttp11);
  EXPECT_EQ(response_.status_code, 200);
  EXPECT_EQ(response_.reason, "OK");
  ASSERT_EQ(response_.headers.size(), 2u);
  EXPECT_EQ(response_.headers[0].name, "Content-Type");
  EXPECT_EQ(response_.headers[0].value, "text/plain");
  EXPECT_EQ(response_.head_length, kText.size() - 5);
  EXPECT_EQ(response_.body_kind, HttpBodyKind::kContentLength);
  EXPECT_EQ(response_.content_length, 5u);
  EXPECT_TRUE(response_.keep_alive);
  EXPECT_FALSE(response_.upgrade);
  EXPECT_FALSE(response_.interim());
  EXPECT_EQ(response_.error, HttpError::kNone);
}

TEST_F(HttpResponseParserTest, ChunkedResponse) {
  ASSERT_EQ(Parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(response_.body_kind, HttpBodyKind::kChunked);
  EXPECT_TRUE(response_.keep_alive);
}

TEST_F(HttpResponseParserTest, UntilCloseWithoutFraming) {
  ASSERT_EQ(Parse("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>"),
            Status::kComplete);
  EXPECT_EQ(response_.body_kind, HttpBodyKind::kUntilClose);
  EXPECT_FALSE(response_.keep_alive);
  ASSERT_EQ(Parse("HTTP/1.0 200 OK\r\n\r\n"), Status::kComplete);
  EXPECT_EQ(response_.body_kind, HttpBodyKind::kUntilClose);
  EXPECT_FALSE(response_.keep_alive);
}

// RFC 9112 section 6.3 item 4: for a response, a Transfer-Encoding without
// chunked last means reading until the server closes.
TEST_F(HttpResponseParserTest, UntilCloseWhenChunkedIsNotLast) {
  for (std::string_view codings : {"gzip", "chunked, gzip", ""}) {
    const std::string text =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: " + std::string(codings) +
        "\r\n\r\n";
    ASSERT_EQ(Parse(text), Status::kComplete) << codings;
    EXPECT_EQ(response_.body_kind, HttpBodyKind::kUntilClose);
    EXPECT_FALSE(response_.keep_alive);
  }
  // gzip then chunked is framed by chunked; the client decodes the rest.
  ASSERT_EQ(Parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n"
                  "\r\n"),
            Status::kComplete);
  EXPECT_EQ(response_.body_kind, HttpBodyKind::kChunked);
}

TEST_F(HttpResponseParserTest, HeadResponseHasNoBody) {
  ASSERT_EQ(Parse("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", kHead),
            Status::kComplete);
  EXPECT_EQ(response_.body_kind, HttpBodyKind::kNone);
  EXPECT_EQ(response_.content_length, 0u);
  EXPECT_TRUE(response_.keep_alive);
  ASSERT_EQ(
      Parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", kHead),
      Status::kComplete);
  EXPECT_EQ(response_.body_kind, HttpBodyKind::kNone);
}

TEST_F(HttpResponseParserTest, NoContentAndNotModifiedHaveNoBody) {
  ASSERT_EQ(Parse("HTTP/1.1 204 No Content\r\n\r\n"), Status::kComplete);
  EXPECT_EQ(response_.body_kind, HttpBodyKind::kNone);
  EXPECT_TRUE(response_.keep_alive);
  ASSERT_EQ(Parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n"
                  "ETag: \"x\"\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(response_.body_kind, HttpBodyKind::kNone);
  EXPECT_TRUE(response_.keep_alive);
}

TEST_F(HttpResponseParserTest, InterimResponseThenFinal) {
  constexpr std::string_view kText =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
  std::span<const uint8_t> rest = AsBytes(kText);
  HttpResponseParser parser(limits_);
  ASSERT_EQ(parser.Parse(rest, kGet, &response_), Status::kComplete);
  EXPECT_EQ(response_.status_code, 100);
  EXPECT_TRUE(response_.interim());
  EXPECT_EQ(response_.body_kind, HttpBodyKind::kNone);
  rest = rest.subspan(response_.head_length);

  parser.Reset();
  ASSERT_EQ(parser.Parse(rest, kGet, &response_), Status::kComplete);
  EXPECT_EQ(response_.status_code, 103);
  EXPECT_TRUE(response_.interim());
  rest = rest.subspan(response_.head_length);

  parser.Reset();
  ASSERT_EQ(parser.Parse(rest, kGet, &response_), Status::kComplete);
  EXPECT_EQ(response_.status_code, 201);
  EXPECT_FALSE(response_.interim());
  EXPECT_EQ(response_.body_kind, HttpBodyKind::kContentLength);
  EXPECT_EQ(response_.head_length, rest.size());
}

TEST_F(HttpResponseParserTest, SwitchingProtocolsIsATunnel) {
  constexpr std::string_view kText =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\n\r\n\x81\x05hello";
  ASSERT_EQ(Parse(kText, kUpgrade), Status::kComplete);
  EXPECT_TRUE(response_.upgrade);
  EXPECT_FALSE(response_.interim());
  EXPECT_EQ(response_.body_kind, HttpBodyKind::kTunnel);
  EXPECT_FALSE(response_.keep_alive);
  EXPECT_EQ(response_.head_length, kText.size() - 7);
}

TEST_F(HttpResponseParserTest, UnexpectedSwitchingProtocolsIsRejected) {
  ExpectRefused(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\n\r\n",
      Status::kMalformed, HttpError::kUnexpectedSwitchingProtocols, kGet);
  ExpectRefused("HTTP/1.1 101 Switching Protocols\r\n\r\n", Status::kMalformed,
                HttpError::kUnexpectedSwitchingProtocols, kUpgrade);
}

TEST_F(HttpResponseParserTest, SuccessToConnectIsATunnel) {
  ASSERT_EQ(Parse("HTTP/1.1 200 Connection Established\r\n"
                  "Content-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n",
                  kConnect),
            Status::kComplete);
  EXPECT_EQ(response_.body_kind, HttpBodyKind::kTunnel);
  EXPECT_FALSE(response_.keep_alive);
  // A refusal to CONNECT is an ordinary response.
  ASSERT_EQ(Parse("HTTP/1.1 407 Proxy Authentication Required\r\n"
                  "Content-Length: 3\r\n\r\nno!",
                  kConnect),
            Status::kComplete);
  EXPECT_EQ(response_.body_kind, HttpBodyKind::kContentLength);
  EXPECT_TRUE(response_.keep_alive);
}

TEST_F(HttpResponseParserTest, KeepAlive) {
  ASSERT_EQ(Parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
                  "Connection: close\r\n\r\n"),
            Status::kComplete);
  EXPECT_FALSE(response_.keep_alive);
  ASSERT_EQ(Parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(response_.version, HttpVersion::kHttp10);
  EXPECT_FALSE(response_.keep_alive);
  ASSERT_EQ(Parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n"
                  "Connection: Keep-Alive\r\n\r\n"),
            Status::kComplete);
  EXPECT_TRUE(response_.keep_alive);
}

TEST_F(HttpResponseParserTest, StatusLineVariants) {
  ASSERT_EQ(Parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(response_.status_code, 200);
  EXPECT_EQ(response_.reason, "");
  ASSERT_EQ(Parse("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(response_.reason, "");
  ASSERT_EQ(Parse("HTTP/1.1 599 Very\tOdd  Reason \xc3\xa9\r\n"
                  "Content-Length: 0\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(response_.status_code, 599);
  EXPECT_EQ(response_.reason, "Very\tOdd  Reason \xc3\xa9");
}

TEST_F(HttpResponseParserTest, BadStatusCodeIsRejected) {
  for (std::string_view line :
       {"HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 099 Low",
        "HTTP/1.1 600 High", "HTTP/1.1 2x0 OK", "HTTP/1.1  200 OK",
        "HTTP/1.1 200OK", "HTTP/1.1 "}) {
    const std::string text = std::string(line) + "\r\n\r\n";
    ExpectMalformed(text, HttpError::kBadStatusCode);
  }
}

TEST_F(HttpResponseParserTest, BadStatusLineIsRejected) {
  ExpectMalformed("HTTP/1.1\r\n\r\n", HttpError::kBadStatusLine);
  ExpectMalformed("HTTP/1.1 200 O\x01K\r\n\r\n", HttpError::kBadStatusLine);
  // An empty line first means the previous response was framed wrongly.
  ExpectMalformed("\r\nHTTP/1.1 200 OK\r\n\r\n", HttpError::kBadStatusLine);
  ExpectMalformed("http/1.1 200 OK\r\n\r\n", HttpError::kBadVersion);
  ExpectMalformed("ICY 200 OK\r\n\r\n", HttpError::kBadVersion);
}

TEST_F(HttpResponseParserTest, OtherHttpVersionIsNotSupported) {
  ExpectRefused("HTTP/2.0 200 OK\r\n\r\n", Status::kVersionNotSupported,
                HttpError::kUnsupportedVersion);
}

TEST_F(HttpResponseParserTest, FieldRulesAsForRequests) {
  ExpectMalformed("HTTP/1.1 200 OK\r\nX: 1\r\n 2\r\n\r\n", HttpError::kObsFold);
  ExpectMalformed("HTTP/1.1 200 OK\r\nX : 1\r\n\r\n",
                  HttpError::kSpaceBeforeColon);
  ExpectMalformed("HTTP/1.1 200 OK\nX: 1\n\n", HttpError::kBareLf);
  ExpectMalformed("HTTP/1.1 200 OK\r\nX: 1\r2\r\n\r\n", HttpError::kBareCr);
  ExpectMalformed("HTTP/1.1 200 OK\r\n: 1\r\n\r\n", HttpError::kBadHeaderName);
  ExpectMalformed("HTTP/1.1 200 OK\r\nX: \x1b[31m\r\n\r\n",
                  HttpError::kBadHeaderValue);
  const std::string nul =
      std::string("HTTP/1.1 200 OK\r\nX: a") + '\0' + "\r\n\r\n";
  ExpectMalformed(nul, HttpError::kNulByte);
}

TEST_F(HttpResponseParserTest, FramingErrorsAreRejected) {
  ExpectMalformed(
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
      "Transfer-Encoding: chunked\r\n\r\n",
      HttpError::kContentLengthWithTransferEncoding);
  ExpectMalformed(
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
      HttpError::kDuplicateContentLength);
  ExpectMalformed("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n",
                  HttpError::kBadContentLength);
  ExpectMalformed(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n"
      "\r\n",
      HttpError::kTransferEncodingNotChunkedLast);
  ExpectMalformed("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                  HttpError::kTransferEncodingInHttp10);
}

TEST_F(HttpResponseParserTest, LimitsAreExact) {
  limits_.max_request_line = 16;
  EXPECT_EQ(Parse("HTTP/1.1 200 ABC\r\nContent-Length: 0\r\n\r\n"),
            Status::kComplete);
  ExpectRefused("HTTP/1.1 200 ABCD\r\n\r\n", Status::kHeadersTooLarge,
                HttpError::kStatusLineTooLong);

  // 17 + 19 + 2 = 38 bytes.
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  ASSERT_EQ(head.size(), 38u);
  limits_ = HttpLimits();
  limits_.max_head_bytes = 38;
  EXPECT_EQ(Parse(head), Status::kComplete);
  EXPECT_EQ(Parse(std::string_view(head).substr(0, 37)), Status::kNeedMoreData);
  limits_.max_head_bytes = 37;
  ExpectRefused(head, Status::kHeadersTooLarge, HttpError::kHeadTooLarge);
  ExpectRefused(std::string_view(head).substr(0, 37), Status::kHeadersTooLarge,
                HttpError::kHeadTooLarge);

  limits_ = HttpLimits();
  limits_.max_header_count = 1;
  ExpectRefused("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n",
                Status::kHeadersTooLarge, HttpError::kTooManyHeaders);

  limits_ = HttpLimits();
  limits_.max_body_bytes = 10;
  EXPECT_EQ(Parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"),
            Status::kComplete);
  ExpectRefused("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n",
                Status::kBodyTooLarge, HttpError::kBodyTooLarge);
}

TEST_F(HttpResponseParserTest, ByteByByteMatchesAllAtOnce) {
  const std::vector<std::string> inputs = {
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\n0\r\n\r\n",
      "HTTP/1.0 304 Not Modified\r\nConnection: keep-alive\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: 1\r\n\t2\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
      "HTTP/1.1 200 " + std::string(100, 'r') + "\r\n\r\n",
  };
  limits_.max_request_line = 64;
  for (const std::string& input : inputs) {
    HttpResponseParser whole(limits_);
    const Status expected_status =
        whole.Parse(AsBytes(input), kGet, &response_);
    const std::string expected = Describe(expected_status, response_);
    ASSERT_NE(expected_status, Status::kNeedMoreData) << input;

    HttpResponseParser parser(limits_);
    HttpResponse response;
    Status status = Status::kNeedMoreData;
    size_t n = 0;
    while (status == Status::kNeedMoreData && n < input.size()) {
      status = parser.Parse(AsBytes(input).first(++n), kGet, &response);
    }
    EXPECT_EQ(Describe(status, response), expected) << input;
  }
}

}  // namespace
}  // namespace ringway::codec
