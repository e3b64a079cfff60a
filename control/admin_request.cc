#include "control/admin_request.h"

#include "absl/strings/str_format.h"
#include "control/admin_protocol.h"

namespace ringway::control {
namespace {

bool Printable(std::string_view text) {
  for (char c : text) {
    if (c < ' ' || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<admin::Request> ParseAdminRequest(std::string_view bytes) {
  if (bytes.empty()) return absl::InvalidArgumentError("empty request");
  if (bytes.size() > kMaxAdminRequestBytes) {
    return absl::InvalidArgumentError("request too large");
  }
  admin::Request request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        "not an admin request (a serialized ringway.admin.Request)");
  }
  switch (request.command_case()) {
    case admin::Request::COMMAND_NOT_SET:
      return absl::InvalidArgumentError("request names no command");
    case admin::Request::kApplyRoutes: {
      admin::ApplyRoutes& apply = *request.mutable_apply_routes();
      if (apply.table().empty()) {
        return absl::InvalidArgumentError("apply_routes.table: required");
      }
      if (apply.source().size() > kMaxAdminSourceBytes ||
          !Printable(apply.source())) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "apply_routes.source: printable and at most %d bytes",
            kMaxAdminSourceBytes));
      }
      if (apply.source().empty()) apply.set_source("ringwayctl");
      break;
    }
    case admin::Request::kDiffRoutes:
      if (request.diff_routes().table().empty()) {
        return absl::InvalidArgumentError("diff_routes.table: required");
      }
      break;
    case admin::Request::kShowRoutes:
    case admin::Request::kRollbackRoutes:
    case admin::Request::kGetStats:
      break;
  }
  return request;
}

std::string FormatAdminRequest(const admin::Request& request) {
  return request.SerializeAsString();
}

}  // namespace ringway::control
