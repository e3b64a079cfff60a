#include "dataplane/codec/http_request_parser.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace ringway::codec {
namespace {

using Status = HttpParseStatus;
using std::string_literals::operator""s;

std::span<const uint8_t> AsBytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// Everything a parse decided, for comparing two parses of the same bytes.
std::string Describe(Status status, const HttpRequest& r) {
  std::string out(HttpParseStatusName(status));
  out += " ";
  out += HttpErrorName(r.error);
  if (status != Status::kComplete) return out;
  out += " " + std::string(r.method_name) + " " + std::string(r.target) +
         " form=" + std::to_string(static_cast<int>(r.target_form)) +
         " v=" + std::to_string(static_cast<int>(r.version)) +
         " head=" + std::to_string(r.head_length) +
         " body=" + std::to_string(static_cast<int>(r.body_kind)) +
         " cl=" + std::to_string(r.content_length) +
         " ka=" + std::to_string(r.keep_alive) +
         " ex=" + std::to_string(r.expect_continue) +
         " up=" + std::to_string(r.upgrade) + " host=" + std::string(r.host) +
         " authority=" + std::string(r.authority);
  for (const HttpHeader& field : r.headers) {
    out +=
        " [" + std::string(field.name) + "=" + std::string(field.value) + "]";
  }
  return out;
}

// NOTE: request_ holds views into the text given to Parse; tests pass
// literals or strings that outlive their checks.
class HttpRequestParserTest : public ::testing::Test {
 protected:
  Status Parse(std::string_view text) {
    HttpRequestParser parser(limits_);
    return parser.Parse(AsBytes(text), &request_);
  }
  void ExpectRefused(std::string_view text, Status status, HttpError error) {
    EXPECT_EQ(Parse(text), status) << text;
    EXPECT_EQ(request_.error, error)
        << HttpErrorName(request_.error) << " for: " << text;
  }
  void ExpectMalformed(std::string_view text, HttpError error) {
    ExpectRefused(text, Status::kMalformed, error);
  }

  HttpLimits limits_;
  HttpRequest request_;
};

TEST_F(HttpRequestParserTest, SimpleGet) {
  constexpr std::string_view kGet =
      "GET /index.html?q=1 HTTP/1.1\r\n"
      "Host: www.example.com\r\n"
      "User-Agent: test/1.0\r\n"
      "Accept: */*\r\n"
      "\r\n";
  ASSERT_EQ(Parse(kGet), Status::kComplete);
  EXPECT_EQ(request_.method, HttpMethod::kGet);
  EXPECT_EQ(request_.method_name, "GET");
  EXPECT_EQ(request_.target, "/index.html?q=1");
  EXPECT_EQ(request_.target_form, HttpTargetForm::kOrigin);
  EXPECT_EQ(request_.version, HttpVersion::kHttp11);
  ASSERT_EQ(request_.headers.size(), 3u);
  EXPECT_EQ(request_.headers[1].name, "User-Agent");
  EXPECT_EQ(request_.headers[1].value, "test/1.0");
  EXPECT_EQ(request_.host, "www.example.com");
  EXPECT_EQ(request_.authority, "www.example.com");
  EXPECT_EQ(request_.head_length, kGet.size());
  EXPECT_EQ(request_.body_kind, HttpBodyKind::kNone);
  EXPECT_EQ(request_.content_length, 0u);
  EXPECT_TRUE(request_.keep_alive);
  EXPECT_FALSE(request_.expect_continue);
  EXPECT_FALSE(request_.upgrade);
  EXPECT_EQ(request_.error, HttpError::kNone);
}

TEST_F(HttpRequestParserTest, MethodsAreCaseSensitiveTokens) {
  const std::pair<std::string_view, HttpMethod> cases[] = {
      {"GET", HttpMethod::kGet},        {"HEAD", HttpMethod::kHead},
      {"POST", HttpMethod::kPost},      {"PUT", HttpMethod::kPut},
      {"DELETE", HttpMethod::kDelete},  {"OPTIONS", HttpMethod::kOptions},
      {"TRACE", HttpMethod::kTrace},    {"PATCH", HttpMethod::kPatch},
      {"PROPFIND", HttpMethod::kOther}, {"get", HttpMethod::kOther},
      {"M-SEARCH", HttpMethod::kOther},
  };
  for (const auto& [name, method] : cases) {
    const std::string text =
        std::string(name) + " / HTTP/1.1\r\nHost: a\r\n\r\n";
    ASSERT_EQ(Parse(text), Status::kComplete) << name;
    EXPECT_EQ(request_.method, method) << name;
    EXPECT_EQ(request_.method_name, name);
  }
}

TEST_F(HttpRequestParserTest, ValuesAreTrimmedNamesKeptAsSent) {
  constexpr std::string_view kText =
      "GET / HTTP/1.1\r\n"
      "hOsT:a\r\n"
      "X-Spaced:   two  words \t\r\n"
      "X-Empty:\r\n"
      "X-Tab:\tin\tside\r\n"
      "X-Utf8: caf\xc3\xa9\r\n"
      "\r\n";
  ASSERT_EQ(Parse(kText), Status::kComplete);
  ASSERT_EQ(request_.headers.size(), 5u);
  EXPECT_EQ(request_.headers[0].name, "hOsT");
  EXPECT_EQ(request_.host, "a");
  EXPECT_EQ(request_.headers[1].value, "two  words");
  EXPECT_EQ(request_.headers[2].value, "");
  EXPECT_EQ(request_.headers[3].value, "in\tside");
  EXPECT_EQ(request_.headers[4].value, "caf\xc3\xa9");
}

// ---- Line structure ----

TEST_F(HttpRequestParserTest, BareCrIsRejected) {
  ExpectMalformed("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n",
                  HttpError::kBareCr);
  ExpectMalformed("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", HttpError::kBareCr);
  ExpectMalformed("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", HttpError::kBareCr);
}

// We take only CRLF as a line end (RFC 9112 section 2.2 allows LF).
TEST_F(HttpRequestParserTest, BareLfLineEndingIsRejected) {
  ExpectMalformed("GET / HTTP/1.1\nHost: a\n\n", HttpError::kBareLf);
  ExpectMalformed("GET / HTTP/1.1\r\nHost: a\n\r\n", HttpError::kBareLf);
  ExpectMalformed("GET / HTTP/1.1\r\nHost: a\r\n\n", HttpError::kBareLf);
  // Decided at the LF, before any end of head.
  ExpectMalformed("GET / HTTP/1.1\n", HttpError::kBareLf);
}

TEST_F(HttpRequestParserTest, NulByteIsRejected) {
  const std::string in_value = "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n"s;
  ExpectMalformed(in_value, HttpError::kNulByte);
  const std::string in_target = "GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n"s;
  ExpectMalformed(in_target, HttpError::kNulByte);
  const std::string incomplete = "GET /\0"s;  // decided at once
  ExpectMalformed(incomplete, HttpError::kNulByte);
}

TEST_F(HttpRequestParserTest, ControlCharactersAreRejected) {
  ExpectMalformed("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01z\r\n\r\n",
                  HttpError::kBadHeaderValue);
  ExpectMalformed("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fz\r\n\r\n",
                  HttpError::kBadHeaderValue);
  ExpectMalformed("GET / HTTP/1.1\r\nHost: a\r\nX\x01: a\r\n\r\n",
                  HttpError::kBadHeaderName);
  ExpectMalformed("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n",
                  HttpError::kBadTarget);
  ExpectMalformed("GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n",
                  HttpError::kBadTarget);
  ExpectMalformed("G\x01T / HTTP/1.1\r\nHost: a\r\n\r\n",
                  HttpError::kBadMethod);
}

TEST_F(HttpRequestParserTest, ObsFoldIsRejected) {
  ExpectMalformed("GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n two\r\n\r\n",
                  HttpError::kObsFold);
  ExpectMalformed("GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n\ttwo\r\n\r\n",
                  HttpError::kObsFold);
  // Whitespace before the first field line (RFC 9112 section 2.2).
  ExpectMalformed("GET / HTTP/1.1\r\n Host: a\r\n\r\n", HttpError::kObsFold);
}

TEST_F(HttpRequestParserTest, SpaceBeforeColonIsRejected) {
  ExpectMalformed("GET / HTTP/1.1\r\nHost : a\r\n\r\n",
                  HttpError::kSpaceBeforeColon);
  ExpectMalformed("GET / HTTP/1.1\r\nHost: a\r\nContent-Length\t: 0\r\n\r\n",
                  HttpError::kSpaceBeforeColon);
}

TEST_F(HttpRequestParserTest, EmptyHeaderNameIsRejected) {
  ExpectMalformed("GET / HTTP/1.1\r\nHost: a\r\n: value\r\n\r\n",
                  HttpError::kBadHeaderName);
}

TEST_F(HttpRequestParserTest, BadHeaderNameIsRejected) {
  ExpectMalformed("GET / HTTP/1.1\r\nHost: a\r\nNo colon here\r\n\r\n",
                  HttpError::kBadHeaderName);
  ExpectMalformed("GET / HTTP/1.1\r\nHost: a\r\nX y: 1\r\n\r\n",
                  HttpError::kBadHeaderName);
  ExpectMalformed("GET / HTTP/1.1\r\nHost: a\r\nX(y): 1\r\n\r\n",
                  HttpError::kBadHeaderName);
  ExpectMalformed("GET / HTTP/1.1\r\nHost: a\r\nX\xc3\xa9: 1\r\n\r\n",
                  HttpError::kBadHeaderName);
}

// ---- Request line ----

TEST_F(HttpRequestParserTest, BadMethodIsRejected) {
  ExpectMalformed("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", HttpError::kBadMethod);
  ExpectMalformed(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", HttpError::kBadMethod);
  ExpectMalformed("GET\t/x / HTTP/1.1\r\nHost: a\r\n\r\n",
                  HttpError::kBadMethod);
}

TEST_F(HttpRequestParserTest, ExactlyOneSpaceBetweenParts) {
  ExpectMalformed("GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
                  HttpError::kBadRequestLine);
  ExpectMalformed("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", HttpError::kBadVersion);
  ExpectMalformed("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n",
                  HttpError::kBadVersion);
  ExpectMalformed("GET / \r\nHost: a\r\n\r\n", HttpError::kBadVersion);
  ExpectMalformed("GET /\r\n\r\n", HttpError::kBadRequestLine);  // HTTP/0.9
  ExpectMalformed("GET\r\n\r\n", HttpError::kBadRequestLine);
  ExpectMalformed("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n",
                  HttpError::kBadRequestLine);  // HTAB is not a separator
}

TEST_F(HttpRequestParserTest, BadVersionIsRejected) {
  for (std::string_view version :
       {"http/1.1", "HTTP/1.1x", "HTTP/11", "HTTP/1", "HTTP/1.", "HTTP/a.b",
        "HTTP 1.1", "XTTP/1.1"}) {
    const std::string text =
        "GET / " + std::string(version) + "\r\nHost: a\r\n\r\n";
    ExpectMalformed(text, HttpError::kBadVersion);
  }
}

TEST_F(HttpRequestParserTest, OtherHttpVersionIsNotSupported) {
  for (std::string_view version : {"HTTP/2.0", "HTTP/1.2", "HTTP/0.9"}) {
    const std::string text =
        "GET / " + std::string(version) + "\r\nHost: a\r\n\r\n";
    ExpectRefused(text, Status::kVersionNotSupported,
                  HttpError::kUnsupportedVersion);
    EXPECT_EQ(HttpStatusCodeFor(Status::kVersionNotSupported), 505);
  }
}

TEST_F(HttpRequestParserTest, BadTargetIsRejected) {
  for (std::string_view line : {
           "GET a/b HTTP/1.1",
           "GET * HTTP/1.1",  // asterisk-form is for OPTIONS only
           "GET ftp://a.example/ HTTP/1.1",
           "GET http:///path HTTP/1.1",  // no authority
           "GET http://user@a.example/ HTTP/1.1",
           "GET http://a,b/ HTTP/1.1",
           "GET /\x7f HTTP/1.1",
           "GET /\xff\x01 HTTP/1.1",
           "OPTIONS ** HTTP/1.1",
           "CONNECT / HTTP/1.1",  // authority-form is for CONNECT only...
           "CONNECT a.example HTTP/1.1",  // ...with a port
           "CONNECT a.example: HTTP/1.1",
           "CONNECT a.example:https HTTP/1.1",
           "CONNECT a.example:123456 HTTP/1.1",
           "CONNECT [::1] HTTP/1.1",
           "CONNECT :443 HTTP/1.1",
           "CONNECT http://a.example:443/ HTTP/1.1",
       }) {
    const std::string text = std::string(line) + "\r\nHost: a\r\n\r\n";
    ExpectMalformed(text, HttpError::kBadTarget);
  }
}

TEST_F(HttpRequestParserTest, AbsoluteForm) {
  constexpr std::string_view kText =
      "GET http://Example.com:8080/path?q=1 HTTP/1.1\r\n"
      "Host: other.example\r\n\r\n";
  ASSERT_EQ(Parse(kText), Status::kComplete);
  EXPECT_EQ(request_.target_form, HttpTargetForm::kAbsolute);
  EXPECT_EQ(request_.target, "http://Example.com:8080/path?q=1");
  // RFC 9112 section 3.2.2: the target's authority wins over Host.
  EXPECT_EQ(request_.authority, "Example.com:8080");
  EXPECT_EQ(request_.host, "other.example");

  ASSERT_EQ(Parse("GET HTTPS://a.example HTTP/1.1\r\nHost: a\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(request_.authority, "a.example");
  ASSERT_EQ(Parse("GET http://[2001:db8::1]?x HTTP/1.1\r\nHost: a\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(request_.authority, "[2001:db8::1]");
}

TEST_F(HttpRequestParserTest, AuthorityFormForConnect) {
  ASSERT_EQ(Parse("CONNECT a.example:443 HTTP/1.1\r\n"
                  "Host: a.example:443\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(request_.method, HttpMethod::kConnect);
  EXPECT_EQ(request_.target_form, HttpTargetForm::kAuthority);
  EXPECT_EQ(request_.authority, "a.example:443");
  EXPECT_EQ(request_.body_kind, HttpBodyKind::kNone);

  ASSERT_EQ(Parse("CONNECT [2001:db8::1]:8443 HTTP/1.1\r\nHost: x\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(request_.authority, "[2001:db8::1]:8443");
}

TEST_F(HttpRequestParserTest, AsteriskFormForOptions) {
  ASSERT_EQ(Parse("OPTIONS * HTTP/1.1\r\nHost: a.example\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(request_.target_form, HttpTargetForm::kAsterisk);
  EXPECT_EQ(request_.target, "*");
  EXPECT_EQ(request_.authority, "a.example");
}

// ---- Host ----

TEST_F(HttpRequestParserTest, MissingHostIsRejected) {
  ExpectMalformed("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n",
                  HttpError::kMissingHost);
  // HTTP/1.0 may omit it.
  ASSERT_EQ(Parse("GET / HTTP/1.0\r\n\r\n"), Status::kComplete);
  EXPECT_EQ(request_.host, "");
  EXPECT_EQ(request_.authority, "");
}

TEST_F(HttpRequestParserTest, DuplicateHostIsRejected) {
  ExpectMalformed("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n",
                  HttpError::kDuplicateHost);
  ExpectMalformed("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n",
                  HttpError::kDuplicateHost);
}

TEST_F(HttpRequestParserTest, BadHostIsRejected) {
  for (std::string_view host :
       {"a b", "a,b", "user@a", "a/b", "a?b", "\"a\""}) {
    const std::string text =
        "GET / HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n";
    ExpectMalformed(text, HttpError::kBadHost);
  }
  for (std::string_view host :
       {"", "a.example:443", "[::1]:8080", "xn--bcher-kva.example"}) {
    const std::string text =
        "GET / HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n";
    ASSERT_EQ(Parse(text), Status::kComplete) << host;
    EXPECT_EQ(request_.host, host);
  }
}

// ---- Framing ----

TEST_F(HttpRequestParserTest, ContentLengthBody) {
  constexpr std::string_view kText =
      "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
  ASSERT_EQ(Parse(kText), Status::kComplete);
  EXPECT_EQ(request_.body_kind, HttpBodyKind::kContentLength);
  EXPECT_EQ(request_.content_length, 5u);
  EXPECT_EQ(request_.head_length, kText.size() - 5);

  ASSERT_EQ(Parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0005\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(request_.content_length, 5u);
  ASSERT_EQ(Parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(request_.body_kind, HttpBodyKind::kContentLength);
  EXPECT_EQ(request_.content_length, 0u);
}

TEST_F(HttpRequestParserTest, ChunkedBody) {
  ASSERT_EQ(Parse("POST / HTTP/1.1\r\nHost: a\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(request_.body_kind, HttpBodyKind::kChunked);
  // Coding names are case-insensitive; empty list elements are skipped.
  ASSERT_EQ(Parse("POST / HTTP/1.1\r\nHost: a\r\n"
                  "transfer-encoding: , CHUNKED ,\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(request_.body_kind, HttpBodyKind::kChunked);
}

TEST_F(HttpRequestParserTest, ContentLengthWithTransferEncodingIsRejected) {
  ExpectMalformed(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
      "Transfer-Encoding: chunked\r\n\r\n",
      HttpError::kContentLengthWithTransferEncoding);
  ExpectMalformed(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
      "Content-Length: 0\r\n\r\n",
      HttpError::kContentLengthWithTransferEncoding);
}

TEST_F(HttpRequestParserTest, DuplicateContentLengthIsRejected) {
  ExpectMalformed(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
      "Content-Length: 5\r\n\r\n",
      HttpError::kDuplicateContentLength);
  ExpectMalformed(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
      "content-length: 6\r\n\r\n",
      HttpError::kDuplicateContentLength);
}

TEST_F(HttpRequestParserTest, ContentLengthListIsRejected) {
  ExpectMalformed("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
                  HttpError::kBadContentLength);
  ExpectMalformed("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n",
                  HttpError::kBadContentLength);
}

TEST_F(HttpRequestParserTest, BadContentLengthIsRejected) {
  for (std::string_view value :
       {"", "-1", "+5", "0x10", "5 5", "1e3", "five", "5;"}) {
    const std::string text =
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::string(value) +
        "\r\n\r\n";
    ExpectMalformed(text, HttpError::kBadContentLength);
  }
}

TEST_F(HttpRequestParserTest, ContentLengthOverflowIsRejected) {
  ASSERT_EQ(Parse("POST / HTTP/1.1\r\nHost: a\r\n"
                  "Content-Length: 9223372036854775807\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(request_.content_length, kHttpMaxBodyBytes);
  ExpectMalformed(
      "POST / HTTP/1.1\r\nHost: a\r\n"
      "Content-Length: 9223372036854775808\r\n\r\n",
      HttpError::kBadContentLength);
  ExpectMalformed(
      "POST / HTTP/1.1\r\nHost: a\r\n"
      "Content-Length: 18446744073709551617\r\n\r\n",
      HttpError::kBadContentLength);
}

TEST_F(HttpRequestParserTest, TransferEncodingNotChunkedLastIsRejected) {
  for (std::string_view codings : {"chunked, gzip", "gzip", "", "chunked;q=1",
                                   "chunked\r\nTransfer-Encoding: gzip"}) {
    const std::string text =
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: " +
        std::string(codings) + "\r\n\r\n";
    ExpectMalformed(text, HttpError::kTransferEncodingNotChunkedLast);
  }
}

TEST_F(HttpRequestParserTest, ChunkedTwiceIsRejected) {
  ExpectMalformed(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n"
      "\r\n",
      HttpError::kTransferEncodingNotChunkedLast);
  ExpectMalformed(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
      "Transfer-Encoding: chunked\r\n\r\n",
      HttpError::kTransferEncodingNotChunkedLast);
}

TEST_F(HttpRequestParserTest, UnknownTransferCodingIsNotImplemented) {
  for (std::string_view codings : {"gzip, chunked", "x-custom, chunked"}) {
    const std::string text =
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: " +
        std::string(codings) + "\r\n\r\n";
    ExpectRefused(text, Status::kNotImplemented,
                  HttpError::kUnknownTransferCoding);
  }
}

TEST_F(HttpRequestParserTest, TransferEncodingInHttp10IsRejected) {
  ExpectMalformed("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
                  HttpError::kTransferEncodingInHttp10);
}

TEST_F(HttpRequestParserTest, BodyLimitIsExact) {
  limits_.max_body_bytes = 100;
  ASSERT_EQ(Parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n"),
            Status::kComplete);
  EXPECT_EQ(request_.content_length, 100u);
  ExpectRefused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n",
                Status::kBodyTooLarge, HttpError::kBodyTooLarge);
  // A chunked body is checked as it streams (HttpChunkedDecoder).
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nHost: a\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n"),
            Status::kComplete);
}

// ---- Limits ----

TEST_F(HttpRequestParserTest, RequestLineLimitIsExact) {
  limits_.max_request_line = 32;
  // "GET /" + 18 + " HTTP/1.1" = 32 bytes.
  const std::string at_limit = "GET /" + std::string(18, 'a') + " HTTP/1.1";
  ASSERT_EQ(at_limit.size(), 32u);
  const std::string ok = at_limit + "\r\nHost: a\r\n\r\n";
  EXPECT_EQ(Parse(ok), Status::kComplete);

  const std::string over = "GET /" + std::string(19, 'a') + " HTTP/1.1";
  ExpectRefused(over + "\r\nHost: a\r\n\r\n", Status::kUriTooLong,
                HttpError::kRequestLineTooLong);
  // Decided when byte 33 arrives, with no CRLF in sight.
  EXPECT_EQ(Parse(std::string_view(over).substr(0, 32)), Status::kNeedMoreData);
  ExpectRefused(std::string_view(over).substr(0, 33), Status::kUriTooLong,
                HttpError::kRequestLineTooLong);
}

TEST_F(HttpRequestParserTest, HeadLimitIsExact) {
  limits_.max_head_bytes = 64;
  // 16 + 9 + 3 + 32 + 4 = 64 bytes.
  const std::string ok =
      "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(32, 'v') + "\r\n\r\n";
  ASSERT_EQ(ok.size(), 64u);
  ASSERT_EQ(Parse(ok), Status::kComplete);
  EXPECT_EQ(request_.head_length, 64u);

  const std::string over =
      "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(33, 'v') + "\r\n\r\n";
  ExpectRefused(over, Status::kHeadersTooLarge, HttpError::kHeadTooLarge);
  // Decided at byte 64, before the head could end.
  EXPECT_EQ(Parse(std::string_view(over).substr(0, 63)), Status::kNeedMoreData);
  ExpectRefused(std::string_view(over).substr(0, 64), Status::kHeadersTooLarge,
                HttpError::kHeadTooLarge);
}

TEST_F(HttpRequestParserTest, HeaderCountLimitIsExact) {
  limits_.max_header_count = 3;
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n"),
            Status::kComplete);
  ExpectRefused("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
                Status::kHeadersTooLarge, HttpError::kTooManyHeaders);
}

TEST_F(HttpRequestParserTest, HeaderCapacityCapsTheCountLimit) {
  limits_.max_header_count = 1000;
  std::string text = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (size_t i = 1; i < HttpHeaders::kCapacity; ++i) text += "X: 1\r\n";
  const std::string full = text + "\r\n";
  ASSERT_EQ(Parse(full), Status::kComplete);
  EXPECT_EQ(request_.headers.size(), HttpHeaders::kCapacity);
  const std::string over = text + "X: 1\r\n\r\n";
  ExpectRefused(over, Status::kHeadersTooLarge, HttpError::kTooManyHeaders);
}

TEST_F(HttpRequestParserTest, LeadingEmptyLinesAreSkipped) {
  constexpr std::string_view kText =
      "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
  ASSERT_EQ(Parse(kText), Status::kComplete);
  EXPECT_EQ(request_.method, HttpMethod::kGet);
  EXPECT_EQ(request_.head_length, kText.size());
  EXPECT_EQ(Parse("\r\n\r\n"), Status::kNeedMoreData);
  // They count towards the head limit, so CRLFs alone cannot go on forever.
  limits_.max_head_bytes = 16;
  ExpectRefused("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n", Status::kHeadersTooLarge,
                HttpError::kHeadTooLarge);
}

// ---- Connection options ----

TEST_F(HttpRequestParserTest, KeepAliveHttp11) {
  ASSERT_EQ(Parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), Status::kComplete);
  EXPECT_TRUE(request_.keep_alive);
  ASSERT_EQ(Parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
            Status::kComplete);
  EXPECT_FALSE(request_.keep_alive);
  ASSERT_EQ(Parse("GET / HTTP/1.1\r\nHost: a\r\n"
                  "Connection: Keep-Alive\r\nConnection: CLOSE\r\n\r\n"),
            Status::kComplete);
  EXPECT_FALSE(request_.keep_alive);
}

TEST_F(HttpRequestParserTest, KeepAliveHttp10) {
  ASSERT_EQ(Parse("GET / HTTP/1.0\r\n\r\n"), Status::kComplete);
  EXPECT_EQ(request_.version, HttpVersion::kHttp10);
  EXPECT_FALSE(request_.keep_alive);
  ASSERT_EQ(Parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
            Status::kComplete);
  EXPECT_TRUE(request_.keep_alive);
  ASSERT_EQ(Parse("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"),
            Status::kComplete);
  EXPECT_FALSE(request_.keep_alive);
}

TEST_F(HttpRequestParserTest, ExpectContinue) {
  ASSERT_EQ(Parse("PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n"
                  "Expect: 100-Continue\r\n\r\n"),
            Status::kComplete);
  EXPECT_TRUE(request_.expect_continue);
  ASSERT_EQ(Parse("PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\n"),
            Status::kComplete);
  EXPECT_FALSE(request_.expect_continue);
  // RFC 9110 section 10.1.1: ignored in HTTP/1.0.
  ASSERT_EQ(Parse("PUT /f HTTP/1.0\r\nContent-Length: 9\r\n"
                  "Expect: 100-continue\r\n\r\n"),
            Status::kComplete);
  EXPECT_FALSE(request_.expect_continue);
}

TEST_F(HttpRequestParserTest, Upgrade) {
  ASSERT_EQ(Parse("GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\n\r\n"),
            Status::kComplete);
  EXPECT_TRUE(request_.upgrade);
  EXPECT_TRUE(request_.keep_alive);
  EXPECT_TRUE(request_.headers.IsHopByHop("Upgrade"));
  // Upgrade counts only when Connection lists it, and not in HTTP/1.0.
  ASSERT_EQ(Parse("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n"),
            Status::kComplete);
  EXPECT_FALSE(request_.upgrade);
  ASSERT_EQ(Parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n"),
            Status::kComplete);
  EXPECT_FALSE(request_.upgrade);
  ASSERT_EQ(Parse("GET / HTTP/1.0\r\nUpgrade: websocket\r\n"
                  "Connection: upgrade\r\n\r\n"),
            Status::kComplete);
  EXPECT_FALSE(request_.upgrade);
}

TEST_F(HttpRequestParserTest, ConnectionNamesHopByHopFields) {
  ASSERT_EQ(Parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: X-Secret\r\n"
                  "X-Secret: 1\r\nX-Public: 2\r\n\r\n"),
            Status::kComplete);
  EXPECT_TRUE(request_.headers.HasConnectionOption("x-secret"));
  EXPECT_TRUE(request_.headers.IsHopByHop("X-Secret"));
  EXPECT_FALSE(request_.headers.IsHopByHop("X-Public"));
}

// ---- Incremental use ----

TEST_F(HttpRequestParserTest, PipelinedRequestsParseOneAfterAnother) {
  constexpr std::string_view kTwo =
      "GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
      "POST /b HTTP/1.1\r\nHost: b\r\nContent-Length: 3\r\n\r\nabc"
      "GET /c HTTP/1.1\r\nHost: c\r\n\r\n";
  std::span<const uint8_t> rest = AsBytes(kTwo);
  HttpRequestParser parser(limits_);
  ASSERT_EQ(parser.Parse(rest, &request_), Status::kComplete);
  EXPECT_EQ(request_.target, "/a");
  rest = rest.subspan(request_.head_length);

  parser.Reset();
  ASSERT_EQ(parser.Parse(rest, &request_), Status::kComplete);
  EXPECT_EQ(request_.target, "/b");
  EXPECT_EQ(request_.host, "b");
  ASSERT_EQ(request_.content_length, 3u);
  rest = rest.subspan(request_.head_length + request_.content_length);

  parser.Reset();
  ASSERT_EQ(parser.Parse(rest, &request_), Status::kComplete);
  EXPECT_EQ(request_.target, "/c");
  EXPECT_EQ(request_.head_length, rest.size());
}

TEST_F(HttpRequestParserTest, ByteByByteMatchesAllAtOnce) {
  const std::vector<std::string> inputs = {
      "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
      "\r\nPOST /u?x=1 HTTP/1.1\r\nHost: a.example\r\nX:  v \r\n"
      "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n5\r\nhello",
      "GET http://a.example/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET",
      "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n",    // obs-fold
      "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\rY: 2\r\n\r\n",  // bare CR
      "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
      "Transfer-Encoding: chunked\r\n\r\n",                   // smuggling
      "GET /" + std::string(100, 'a') + " HTTP/1.1\r\n\r\n",  // too long
  };
  limits_.max_request_line = 64;
  for (const std::string& input : inputs) {
    HttpRequestParser whole(limits_);
    const Status expected_status = whole.Parse(AsBytes(input), &request_);
    const std::string expected = Describe(expected_status, request_);
    ASSERT_NE(expected_status, Status::kNeedMoreData) << input;

    HttpRequestParser parser(limits_);
    HttpRequest request;
    Status status = Status::kNeedMoreData;
    size_t n = 0;
    while (status == Status::kNeedMoreData && n < input.size()) {
      status = parser.Parse(AsBytes(input).first(++n), &request);
    }
    EXPECT_EQ(Describe(status, request), expected) << input;
    // More bytes after the decision change nothing.
    EXPECT_EQ(Describe(parser.Parse(AsBytes(input), &request), request),
              expected);
  }
}

TEST_F(HttpRequestParserTest, OutputIsUntouchedUntilDecided) {
  request_.target = "sentinel";
  HttpRequestParser parser(limits_);
  constexpr std::string_view kText = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_EQ(parser.Parse(AsBytes(kText).first(20), &request_),
            Status::kNeedMoreData);
  EXPECT_EQ(request_.target, "sentinel");
  EXPECT_EQ(parser.Parse(AsBytes(kText), &request_), Status::kComplete);
  EXPECT_EQ(request_.target, "/a");
}

TEST_F(HttpRequestParserTest, ShorterInputStartsOver) {
  HttpRequestParser parser(limits_);
  constexpr std::string_view kFirst = "GET /first HTTP/1.1\r\nHost: a\r\n";
  EXPECT_EQ(parser.Parse(AsBytes(kFirst), &request_), Status::kNeedMoreData);
  constexpr std::string_view kSecond = "GET /b HTTP/1.1\r\nHost: a\r\n\r\n";
  ASSERT_LT(kSecond.size(), kFirst.size());
  ASSERT_EQ(parser.Parse(AsBytes(kSecond), &request_), Status::kComplete);
  EXPECT_EQ(request_.target, "/b");
}

}  // namespace
}  // namespace ringway::codec
