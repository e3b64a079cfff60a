// One admin-socket request (proto/admin.proto's Request), parsed from the
// bytes a local client sent and checked. Pure: no I/O, no server;
// untrusted bytes from any local client go through it (fuzzed by
// admin_request_fuzz.cc).
//
//   absl::StatusOr<admin::Request> request = ParseAdminRequest(bytes);
//   if (!request.ok()) reply BAD_REQUEST: request.status().message()

#ifndef RINGWAY_CONTROL_ADMIN_REQUEST_H_
#define RINGWAY_CONTROL_ADMIN_REQUEST_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "proto/admin.pb.h"

namespace ringway::control {

// Longest ApplyRoutes.source.
inline constexpr size_t kMaxAdminSourceBytes = 256;

// InvalidArgument naming what is wrong: an empty or oversized request,
// bytes that are not a Request, no command, a table missing for apply or
// diff, an unprintable or overlong source. An apply without a source gets
// "ringwayctl".
absl::StatusOr<admin::Request> ParseAdminRequest(std::string_view bytes);

// The bytes ringwayctl sends for `request`.
std::string FormatAdminRequest(const admin::Request& request);

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_ADMIN_REQUEST_H_
