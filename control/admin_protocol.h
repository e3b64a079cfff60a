// The admin socket, shared by the server and ringwayctl.
//
// One request per connection: the client writes a serialized
// ringway.admin.Request (proto/admin.proto), shuts down its write side, and
// reads a serialized ringway.admin.Reply until the server closes. The
// reply's status is ringwayctl's exit code: 0 ok, 1 rejected, 2 a bad
// request (or, in ringwayctl, a usage error or no socket).

#ifndef RINGWAY_CONTROL_ADMIN_PROTOCOL_H_
#define RINGWAY_CONTROL_ADMIN_PROTOCOL_H_

#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <string>

namespace ringway::control {

// Largest request accepted (a route table), in bytes.
inline constexpr size_t kMaxAdminRequestBytes = 16 << 20;

enum AdminExitCode { kAdminOk = 0, kAdminRejected = 1, kAdminUsage = 2 };

// The directory ringway makes (mode 0700) for its admin socket when none is
// named: /run/ringway for root (systemd's RuntimeDirectory), else
// $XDG_RUNTIME_DIR/ringway, else /tmp/ringway-<uid>.
inline std::string DefaultAdminDirectory() {
  if (getuid() == 0) return "/run/ringway";
  // Only this user's own runtime directory (not one inherited through su).
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  struct stat info {};
  if (runtime != nullptr && runtime[0] == '/' && stat(runtime, &info) == 0 &&
      info.st_uid == getuid()) {
    return std::string(runtime) + "/ringway";
  }
  return "/tmp/ringway-" + std::to_string(getuid());
}

inline std::string DefaultAdminSocket() {
  return DefaultAdminDirectory() + "/admin.sock";
}

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_ADMIN_PROTOCOL_H_
