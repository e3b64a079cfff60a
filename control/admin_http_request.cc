#include "control/admin_http_request.h"

#include "absl/status/status.h"

namespace ringway::control {

absl::StatusOr<AdminHttpRequest> ParseAdminHttpRequest(std::string_view bytes) {
  if (bytes.size() > kMaxAdminHttpRequestBytes) {
    return absl::InvalidArgumentError("too large");
  }
  if (bytes.find("\r\n\r\n") == std::string_view::npos) {
    return absl::InvalidArgumentError("incomplete");
  }
  const std::string_view line = bytes.substr(0, bytes.find("\r\n"));
  const size_t space = line.find(' ');
  const size_t space2 = space == std::string_view::npos
                            ? std::string_view::npos
                            : line.find(' ', space + 1);
  if (space == 0 || space2 == std::string_view::npos || space2 == space + 1) {
    return absl::InvalidArgumentError("bad request line");
  }
  AdminHttpRequest request;
  request.method = line.substr(0, space);
  const std::string_view target = line.substr(space + 1, space2 - space - 1);
  request.path = target.substr(0, target.find('?'));
  return request;
}

}  // namespace ringway::control
