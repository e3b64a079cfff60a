// The admin socket's wire format, shared by the server and ringwayctl.
//
// One request per connection. The client sends a command line
// ("routes.apply SOURCE", "routes.diff", "routes.show", "routes.rollback",
// "stats"; with " json" appended for JSON on read commands), then the body
// (a route table for apply/diff), then shuts down its write side. The
// server answers with a status line "<exit code> <one-line reason>\n" and
// the body, then closes. Exit codes are ringwayctl's: 0 ok, 1 rejected.

#ifndef RINGWAY_CONTROL_ADMIN_PROTOCOL_H_
#define RINGWAY_CONTROL_ADMIN_PROTOCOL_H_

#include <cstddef>

namespace ringway::control {

inline constexpr char kDefaultAdminSocket[] = "/tmp/ringway-admin.sock";
// Largest request accepted (a route table), in bytes.
inline constexpr size_t kMaxAdminRequestBytes = 16 << 20;

enum AdminExitCode { kAdminOk = 0, kAdminRejected = 1, kAdminUsage = 2 };

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_ADMIN_PROTOCOL_H_
