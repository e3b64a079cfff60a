// One request to the admin HTTP listener (/healthz, /ready, /metrics),
// parsed from what a client sent. Pure: no I/O; anything that can reach the
// listener goes through it (fuzzed by admin_http_request_fuzz.cc).
//
//   absl::StatusOr<AdminHttpRequest> request = ParseAdminHttpRequest(bytes);
//   if (!request.ok()) answer 400

#ifndef RINGWAY_CONTROL_ADMIN_HTTP_REQUEST_H_
#define RINGWAY_CONTROL_ADMIN_HTTP_REQUEST_H_

#include <cstddef>
#include <string_view>

#include "absl/status/statusor.h"

namespace ringway::control {

// Largest request head read.
inline constexpr size_t kMaxAdminHttpRequestBytes = 8192;

struct AdminHttpRequest {
  std::string_view method;  // as sent (views the input)
  std::string_view path;    // the target without its query
};

// InvalidArgument saying why: too large, no end of head (CRLF CRLF), a
// request line without method, target and version.
absl::StatusOr<AdminHttpRequest> ParseAdminHttpRequest(std::string_view bytes);

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_ADMIN_HTTP_REQUEST_H_
