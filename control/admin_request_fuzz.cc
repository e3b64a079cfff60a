// Fuzz target for ParseAdminRequest: bytes any local client may send to
// the admin socket. Besides crashes and sanitizer reports, it aborts when a
// parsed request, written back as ringwayctl would send it, parses to a
// different request, or when the body does not view the input.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "control/admin_request.h"

namespace ringway::control {
namespace {

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace
}  // namespace ringway::control

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ringway::control;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<AdminRequest> request = ParseAdminRequest(bytes);
  if (!request.ok()) {
    Require(!request.status().message().empty(), "an error says why");
    return 0;
  }
  Require(
      request->body.empty() || (request->body.data() >= bytes.data() &&
                                request->body.data() + request->body.size() <=
                                    bytes.data() + bytes.size()),
      "body views the input");
  const std::string again = FormatAdminRequest(*request);
  absl::StatusOr<AdminRequest> reparsed = ParseAdminRequest(again);
  Require(reparsed.ok(), "a formatted request parses");
  Require(reparsed->command == request->command &&
              reparsed->source == request->source &&
              reparsed->json == request->json &&
              reparsed->body == request->body,
          "format then parse gives the same request");
  return 0;
}
