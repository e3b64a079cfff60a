// Test inputs for the HTTP proxy pieces: requests and responses made by
// running the real parsers on literal bytes, which each object keeps alive
// (the parsed views point into them). Neither copies nor moves, so the
// views stay valid.
//
//   ParsedRequest r("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
//   ASSERT_EQ(r.status(), codec::HttpParseStatus::kComplete);
//   Use(r.request());

#ifndef RINGWAY_DATAPLANE_HTTP_HTTP_TEST_UTIL_H_
#define RINGWAY_DATAPLANE_HTTP_HTTP_TEST_UTIL_H_

#include <cstdint>
#include <span>
#include <string>
#include <utility>

#include "dataplane/codec/http_message.h"
#include "dataplane/codec/http_request_parser.h"
#include "dataplane/codec/http_response_parser.h"

namespace ringway::http {

class ParsedRequest {
 public:
  explicit ParsedRequest(std::string bytes) : bytes_(std::move(bytes)) {
    codec::HttpRequestParser parser;
    status_ = parser.Parse(
        {reinterpret_cast<const uint8_t*>(bytes_.data()), bytes_.size()},
        &request_);
  }
  ParsedRequest(const ParsedRequest&) = delete;
  ParsedRequest& operator=(const ParsedRequest&) = delete;

  codec::HttpParseStatus status() const { return status_; }
  const codec::HttpRequest& request() const { return request_; }

 private:
  std::string bytes_;
  codec::HttpRequest request_;
  codec::HttpParseStatus status_;
};

class ParsedResponse {
 public:
  explicit ParsedResponse(std::string bytes,
                          codec::HttpResponseContext context = {})
      : bytes_(std::move(bytes)) {
    codec::HttpResponseParser parser;
    status_ = parser.Parse(
        {reinterpret_cast<const uint8_t*>(bytes_.data()), bytes_.size()},
        context, &response_);
  }
  ParsedResponse(const ParsedResponse&) = delete;
  ParsedResponse& operator=(const ParsedResponse&) = delete;

  codec::HttpParseStatus status() const { return status_; }
  const codec::HttpResponse& response() const { return response_; }

 private:
  std::string bytes_;
  codec::HttpResponse response_;
  codec::HttpParseStatus status_;
};

}  // namespace ringway::http

#endif  // RINGWAY_DATAPLANE_HTTP_HTTP_TEST_UTIL_H_
