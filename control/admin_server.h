// The admin socket: a Unix-domain stream socket served by the control
// thread, through which ringwayctl applies, diffs, shows and rolls back route
// tables and reads stats. Protocol: control/admin_protocol.h, messages:
// proto/admin.proto.
//
// Requests are handled one at a time on the control thread; none of them
// touches a shard except through RouteTable's publisher.

#ifndef RINGWAY_CONTROL_ADMIN_SERVER_H_
#define RINGWAY_CONTROL_ADMIN_SERVER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "control/accept_loop.h"
#include "dataplane/common/log_limiter.h"
#include "proto/admin.pb.h"

namespace ringway::control {

class RingwayServer;

class AdminServer {
 public:
  // Binds `path`. A stale socket file nobody listens on is replaced; a live
  // one is an error (another ringway owns it).
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(
      const std::string& path, RingwayServer* server);
  ~AdminServer();  // stops the thread, removes the socket file

  // One request's bytes → its reply. Public for tests.
  admin::Reply Handle(const std::string& bytes);
  admin::Reply BadRequest(const std::string& reason);
  bool PeerAllowed(int fd);

 private:
  AdminServer(std::string path, int listen_fd, RingwayServer* server);
  void ServeOne(int fd);

  std::string path_;
  RingwayServer* server_;
  LogLimiter log_limiter_;  // bad requests; the admin thread's own
  // Last: its thread calls into the members above.
  std::optional<AcceptLoop> loop_;
};

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_ADMIN_SERVER_H_
