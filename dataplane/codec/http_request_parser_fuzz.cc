// Fuzz target for HttpRequestParser: untrusted bytes from any client.
// Besides crashes and sanitizer reports, it aborts when feeding the bytes in
// two pieces (split where the first byte says) or one byte at a time
// decides differently from feeding them at once, when a view points outside
// the head, when a documented invariant of the result breaks, or when the
// head rebuilt from the parsed fields parses to different fields.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "dataplane/codec/http_request_parser.h"

namespace ringway::codec {
namespace {

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

std::span<const uint8_t> AsBytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

bool Inside(std::string_view view, std::span<const uint8_t> bytes) {
  const auto begin = reinterpret_cast<uintptr_t>(bytes.data());
  const auto at = reinterpret_cast<uintptr_t>(view.data());
  return view.empty() ||
         (at >= begin && at + view.size() <= begin + bytes.size());
}

// Everything but head_length.
bool SameFields(const HttpRequest& a, const HttpRequest& b) {
  if (a.headers.size() != b.headers.size()) return false;
  for (size_t i = 0; i < a.headers.size(); ++i) {
    if (a.headers[i].name != b.headers[i].name ||
        a.headers[i].value != b.headers[i].value) {
      return false;
    }
  }
  return a.method == b.method && a.method_name == b.method_name &&
         a.target == b.target && a.target_form == b.target_form &&
         a.version == b.version && a.host == b.host &&
         a.authority == b.authority && a.body_kind == b.body_kind &&
         a.content_length == b.content_length && a.keep_alive == b.keep_alive &&
         a.expect_continue == b.expect_continue && a.upgrade == b.upgrade &&
         a.error == b.error;
}

bool Same(HttpParseStatus status_a, const HttpRequest& a,
          HttpParseStatus status_b, const HttpRequest& b) {
  if (status_a != status_b || a.error != b.error) return false;
  if (status_a != HttpParseStatus::kComplete) return true;
  return a.head_length == b.head_length && SameFields(a, b);
}

void CheckViews(std::span<const uint8_t> head, const HttpRequest& r) {
  Require(Inside(r.method_name, head) && Inside(r.target, head) &&
              Inside(r.host, head) && Inside(r.authority, head),
          "request line view outside the head");
  for (const HttpHeader& field : r.headers) {
    Require(Inside(field.name, head) && Inside(field.value, head),
            "field view outside the head");
    Require(!field.name.empty(), "empty field name");
    Require(field.value.empty() ||
                (field.value.front() != ' ' && field.value.front() != '\t' &&
                 field.value.back() != ' ' && field.value.back() != '\t'),
            "value not trimmed");
    Require(field.value.find_first_of("\r\n") == std::string_view::npos,
            "line end in a value");
  }
}

void CheckFraming(const HttpRequest& r, const HttpLimits& limits) {
  const size_t cl = r.headers.Count("content-length");
  const size_t te = r.headers.Count("transfer-encoding");
  switch (r.body_kind) {
    case HttpBodyKind::kNone:
      Require(cl == 0 && te == 0, "no body despite framing fields");
      break;
    case HttpBodyKind::kContentLength:
      Require(cl == 1 && te == 0, "content-length framing");
      Require(limits.max_body_bytes == 0 ||
                  r.content_length <= limits.max_body_bytes,
              "content-length over the limit");
      break;
    case HttpBodyKind::kChunked:
      Require(cl == 0 && te >= 1 && r.version == HttpVersion::kHttp11,
              "chunked framing");
      break;
    default:
      Require(false, "a request body until close or tunnel");
  }
  Require(r.version == HttpVersion::kHttp10 || r.headers.Count("host") == 1,
          "HTTP/1.1 without exactly one Host");
  const bool close = r.headers.HasConnectionOption("close");
  const bool keep = r.headers.HasConnectionOption("keep-alive");
  Require(
      r.keep_alive == (!close && (r.version == HttpVersion::kHttp11 || keep)),
      "keep-alive rule");
}

// The head written back from the fields: "name:value", no leading empty
// lines, so never longer than the original.
std::string Rebuild(const HttpRequest& r) {
  std::string out =
      std::string(r.method_name) + " " + std::string(r.target) +
      (r.version == HttpVersion::kHttp11 ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
  for (const HttpHeader& field : r.headers) {
    out += std::string(field.name) + ":" + std::string(field.value) + "\r\n";
  }
  return out + "\r\n";
}

void CheckComplete(std::span<const uint8_t> data, const HttpLimits& limits,
                   const HttpRequest& r) {
  Require(r.head_length > 0 && r.head_length <= data.size() &&
              r.head_length <= limits.max_head_bytes,
          "head length");
  const std::span<const uint8_t> head = data.first(r.head_length);
  CheckViews(head, r);
  Require(r.headers.size() <= limits.max_header_count, "field count");
  CheckFraming(r, limits);
  // Bytes after the head must not matter.
  HttpRequestParser prefix_parser(limits);
  HttpRequest prefix;
  Require(prefix_parser.Parse(head, &prefix) == HttpParseStatus::kComplete &&
              Same(HttpParseStatus::kComplete, prefix,
                   HttpParseStatus::kComplete, r),
          "the head alone parses differently");
  const std::string rebuilt = Rebuild(r);
  HttpRequestParser rebuilt_parser(limits);
  HttpRequest again;
  Require(rebuilt_parser.Parse(AsBytes(rebuilt), &again) ==
                  HttpParseStatus::kComplete &&
              SameFields(again, r) && again.head_length == rebuilt.size(),
          "the rebuilt head parses differently");
}

void ParseOnce(std::span<const uint8_t> data, const HttpLimits& limits) {
  HttpRequestParser parser(limits);
  HttpRequest whole;
  const HttpParseStatus status = parser.Parse(data, &whole);
  Require(!HttpParseStatusName(status).empty(), "status name");

  // Two pieces, split where the first byte says.
  const size_t split = data.empty() ? 0 : data[0] % (data.size() + 1);
  HttpRequestParser split_parser(limits);
  HttpRequest two;
  HttpParseStatus two_status = split_parser.Parse(data.first(split), &two);
  if (two_status == HttpParseStatus::kNeedMoreData) {
    two_status = split_parser.Parse(data, &two);
  }
  Require(Same(status, whole, two_status, two), "split parse differs");

  // One byte at a time.
  HttpRequestParser byte_parser(limits);
  HttpRequest bytes;
  HttpParseStatus bytes_status = HttpParseStatus::kNeedMoreData;
  for (size_t n = 0; n <= data.size(); ++n) {
    bytes_status = byte_parser.Parse(data.first(n), &bytes);
    if (bytes_status != HttpParseStatus::kNeedMoreData) break;
  }
  Require(Same(status, whole, bytes_status, bytes), "byte parse differs");

  if (status == HttpParseStatus::kComplete) {
    CheckComplete(data, limits, whole);
  } else if (status == HttpParseStatus::kNeedMoreData) {
    Require(data.size() < limits.max_head_bytes, "need beyond the limit");
  } else {
    Require(whole.error != HttpError::kNone &&
                HttpParseStatusFor(whole.error) == status &&
                HttpStatusCodeFor(status) >= 400,
            "refusal without a reason");
  }
}

}  // namespace
}  // namespace ringway::codec

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ringway::codec;
  const std::span<const uint8_t> input(data, size);
  ParseOnce(input, HttpLimits());
  // Small limits take other paths.
  ParseOnce(input, {.max_request_line = 40,
                    .max_head_bytes = 200,
                    .max_header_count = 4,
                    .max_body_bytes = 1000});
  return 0;
}
