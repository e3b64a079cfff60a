// One admin-socket request, parsed (admin_protocol.h has the wire format):
// a command line, then for routes.apply / routes.diff a route table. Pure:
// no I/O, no server; untrusted bytes from any local client go through it
// (fuzzed by admin_request_fuzz.cc).
//
//   absl::StatusOr<AdminRequest> request = ParseAdminRequest(bytes);
//   if (!request.ok()) reply usage error: request.status().message()

#ifndef RINGWAY_CONTROL_ADMIN_REQUEST_H_
#define RINGWAY_CONTROL_ADMIN_REQUEST_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ringway::control {

enum class AdminCommand {
  kRoutesApply,
  kRoutesDiff,
  kRoutesShow,
  kRoutesRollback,
  kStats,
};

struct AdminRequest {
  AdminCommand command = AdminCommand::kStats;
  // apply/diff: where the table came from ("ringwayctl" when not said).
  std::string source;
  bool json = false;      // read commands: answer in JSON
  std::string_view body;  // apply/diff: the route table (views the input)
};

// InvalidArgument naming what is wrong: an empty or oversized request, an
// unknown command, words a command does not take, a table where none
// belongs.
absl::StatusOr<AdminRequest> ParseAdminRequest(std::string_view bytes);

// The request's bytes as ringwayctl sends them (ParseAdminRequest's
// inverse).
std::string FormatAdminRequest(const AdminRequest& request);

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_ADMIN_REQUEST_H_
