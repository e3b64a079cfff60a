// Fuzz target for ParseAdminHttpRequest: bytes anyone who reaches the admin
// HTTP listener may send. Besides crashes and sanitizer reports, it aborts
// when a parsed request's method or path does not view the request line,
// or when the path keeps a query.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "control/admin_http_request.h"

namespace {

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

bool Inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() &&
          part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto request = ringway::control::ParseAdminHttpRequest(bytes);
  if (!request.ok()) {
    Require(!request.status().message().empty(), "an error says why");
    return 0;
  }
  const std::string_view line = bytes.substr(0, bytes.find("\r\n"));
  Require(!request->method.empty(), "a method");
  Require(Inside(request->method, line) && Inside(request->path, line),
          "method and path view the request line");
  Require(request->path.find('?') == std::string_view::npos,
          "the path has no query");
  Require(request->method.find(' ') == std::string_view::npos &&
              request->path.find(' ') == std::string_view::npos,
          "no spaces in method or path");
  return 0;
}
