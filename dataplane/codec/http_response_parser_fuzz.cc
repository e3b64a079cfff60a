// Fuzz target for HttpResponseParser: untrusted bytes from an upstream,
// parsed as the answer to a GET, a HEAD, a CONNECT and an upgrade request.
// Besides crashes and sanitizer reports, it aborts when feeding the bytes in
// two pieces (split where the first byte says) or one byte at a time
// decides differently from feeding them at once, when a view points outside
// the head, when the framing breaks RFC 9112 section 6.3, or when the head
// rebuilt from the parsed fields parses to different fields.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "dataplane/codec/http_response_parser.h"

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
bool SameFields(const HttpResponse& a, const HttpResponse& b) {
  if (a.headers.size() != b.headers.size()) return false;
  for (size_t i = 0; i < a.headers.size(); ++i) {
    if (a.headers[i].name != b.headers[i].name ||
        a.headers[i].value != b.headers[i].value) {
      return false;
    }
  }
  return a.version == b.version && a.status_code == b.status_code &&
         a.reason == b.reason && a.body_kind == b.body_kind &&
         a.content_length == b.content_length && a.keep_alive == b.keep_alive &&
         a.upgrade == b.upgrade && a.error == b.error;
}

bool Same(HttpParseStatus status_a, const HttpResponse& a,
          HttpParseStatus status_b, const HttpResponse& b) {
  if (status_a != status_b || a.error != b.error) return false;
  if (status_a != HttpParseStatus::kComplete) return true;
  return a.head_length == b.head_length && SameFields(a, b);
}

void CheckViews(std::span<const uint8_t> head, const HttpResponse& r) {
  Require(Inside(r.reason, head), "reason outside the head");
  for (const HttpHeader& field : r.headers) {
    Require(Inside(field.name, head) && Inside(field.value, head),
            "field view outside the head");
    Require(!field.name.empty(), "empty field name");
  }
}

// RFC 9112 section 6.3 items 1 and 2, and what keep_alive may be.
void CheckFraming(const HttpResponse& r, const HttpResponseContext& context,
                  const HttpLimits& limits) {
  const int code = r.status_code;
  Require(code >= 100 && code <= 599, "status code range");
  Require(r.upgrade == (code == 101), "upgrade without 101");
  Require(code != 101 || context.request_upgrade, "101 not asked for");
  const bool tunnel =
      code == 101 ||
      (context.request_method == HttpMethod::kConnect && code / 100 == 2);
  const bool none = context.request_method == HttpMethod::kHead || code < 200 ||
                    code == 204 || code == 304;
  if (tunnel) {
    Require(r.body_kind == HttpBodyKind::kTunnel, "not a tunnel");
  } else if (none) {
    Require(r.body_kind == HttpBodyKind::kNone, "a body where none may be");
  } else {
    Require(r.body_kind != HttpBodyKind::kNone &&
                r.body_kind != HttpBodyKind::kTunnel,
            "no body framing");
  }
  if (r.body_kind == HttpBodyKind::kUntilClose ||
      r.body_kind == HttpBodyKind::kTunnel) {
    Require(!r.keep_alive, "keep-alive after a body read until close");
  }
  if (r.body_kind == HttpBodyKind::kContentLength) {
    Require(r.headers.Count("content-length") == 1 &&
                r.headers.Count("transfer-encoding") == 0,
            "content-length framing");
    Require(
        limits.max_body_bytes == 0 || r.content_length <= limits.max_body_bytes,
        "content-length over the limit");
  }
}

std::string Rebuild(const HttpResponse& r) {
  std::string out =
      r.version == HttpVersion::kHttp11 ? "HTTP/1.1 " : "HTTP/1.0 ";
  out += std::to_string(r.status_code);
  if (!r.reason.empty()) out += " " + std::string(r.reason);
  out += "\r\n";
  for (const HttpHeader& field : r.headers) {
    out += std::string(field.name) + ":" + std::string(field.value) + "\r\n";
  }
  return out + "\r\n";
}

void CheckComplete(std::span<const uint8_t> data,
                   const HttpResponseContext& context, const HttpLimits& limits,
                   const HttpResponse& r) {
  Require(r.head_length > 0 && r.head_length <= data.size() &&
              r.head_length <= limits.max_head_bytes,
          "head length");
  const std::span<const uint8_t> head = data.first(r.head_length);
  CheckViews(head, r);
  Require(r.headers.size() <= limits.max_header_count, "field count");
  CheckFraming(r, context, limits);
  const std::string rebuilt = Rebuild(r);
  HttpResponseParser parser(limits);
  HttpResponse again;
  Require(parser.Parse(AsBytes(rebuilt), context, &again) ==
                  HttpParseStatus::kComplete &&
              SameFields(again, r) && again.head_length == rebuilt.size(),
          "the rebuilt head parses differently");
}

void ParseOnce(std::span<const uint8_t> data,
               const HttpResponseContext& context, const HttpLimits& limits) {
  HttpResponseParser parser(limits);
  HttpResponse whole;
  const HttpParseStatus status = parser.Parse(data, context, &whole);
  Require(!HttpParseStatusName(status).empty(), "status name");

  const size_t split = data.empty() ? 0 : data[0] % (data.size() + 1);
  HttpResponseParser split_parser(limits);
  HttpResponse two;
  HttpParseStatus two_status =
      split_parser.Parse(data.first(split), context, &two);
  if (two_status == HttpParseStatus::kNeedMoreData) {
    two_status = split_parser.Parse(data, context, &two);
  }
  Require(Same(status, whole, two_status, two), "split parse differs");

  HttpResponseParser byte_parser(limits);
  HttpResponse bytes;
  HttpParseStatus bytes_status = HttpParseStatus::kNeedMoreData;
  for (size_t n = 0; n <= data.size(); ++n) {
    bytes_status = byte_parser.Parse(data.first(n), context, &bytes);
    if (bytes_status != HttpParseStatus::kNeedMoreData) break;
  }
  Require(Same(status, whole, bytes_status, bytes), "byte parse differs");

  if (status == HttpParseStatus::kComplete) {
    CheckComplete(data, context, limits, whole);
  } else if (status == HttpParseStatus::kNeedMoreData) {
    Require(data.size() < limits.max_head_bytes, "need beyond the limit");
  } else {
    Require(whole.error != HttpError::kNone &&
                HttpParseStatusFor(whole.error) == status,
            "refusal without a reason");
  }
}

}  // namespace
}  // namespace ringway::codec

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ringway::codec;
  const std::span<const uint8_t> input(data, size);
  const HttpResponseContext contexts[] = {
      {.request_method = HttpMethod::kGet},
      {.request_method = HttpMethod::kHead},
      {.request_method = HttpMethod::kConnect},
      {.request_method = HttpMethod::kGet, .request_upgrade = true},
  };
  for (const HttpResponseContext& context : contexts) {
    ParseOnce(input, context, HttpLimits());
  }
  ParseOnce(input, contexts[0],
            {.max_request_line = 40,
             .max_head_bytes = 200,
             .max_header_count = 4,
             .max_body_bytes = 1000});
  return 0;
}
