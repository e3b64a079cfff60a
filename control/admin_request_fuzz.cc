// Fuzz target for ParseAdminRequest: bytes any local client may send to
// the admin socket. Besides crashes and sanitizer reports, it aborts when a
// parsed request, written back as ringwayctl would send it, parses to a
// different request.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "control/admin_request.h"
#include "google/protobuf/util/message_differencer.h"

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
  absl::StatusOr<ringway::admin::Request> request = ParseAdminRequest(bytes);
  if (!request.ok()) {
    Require(!request.status().message().empty(), "an error says why");
    return 0;
  }
  Require(request->command_case() != ringway::admin::Request::COMMAND_NOT_SET,
          "a parsed request has a command");
  const std::string again = FormatAdminRequest(*request);
  absl::StatusOr<ringway::admin::Request> reparsed = ParseAdminRequest(again);
  Require(reparsed.ok(), "a formatted request parses");
  Require(
      google::protobuf::util::MessageDifferencer::Equals(*request, *reparsed),
      "format then parse gives the same request");
  return 0;
}
