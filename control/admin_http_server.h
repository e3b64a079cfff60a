// The admin HTTP listener (config `admin { http_address }`, loopback by
// default, as Envoy's admin): what a load balancer in front and Prometheus
// ask of a running ringway.
//
//   GET /healthz   200 "ok" while every shard's loop answers within a
//                  second, else 503 naming why (liveness)
//   GET /ready     200 "ready" once every shard serves, 503 "draining" from
//                  SIGTERM on (so the balancer stops sending before the
//                  drain ends)
//   GET /metrics   the Prometheus text format (ringway_metrics.h)
//
// One thread, one request per connection (Connection: close), with a
// request size and time limit; GET and HEAD only.

#ifndef RINGWAY_CONTROL_ADMIN_HTTP_SERVER_H_
#define RINGWAY_CONTROL_ADMIN_HTTP_SERVER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "control/accept_loop.h"
#include "control/ringway_metrics.h"
#include "dataplane/address/socket_address.h"
#include "dataplane/common/log_limiter.h"

namespace ringway::control {

class RingwayServer;

class AdminHttpServer {
 public:
  static absl::StatusOr<std::unique_ptr<AdminHttpServer>> Start(
      const address::SocketAddress& at, RingwayServer* server);
  ~AdminHttpServer();
  AdminHttpServer(const AdminHttpServer&) = delete;
  AdminHttpServer& operator=(const AdminHttpServer&) = delete;

  // Where it listens (a port 0 in the config resolved).
  const address::SocketAddress& address() const { return address_; }

  // The whole response to one request's bytes (tests, fuzzing).
  std::string Respond(std::string_view request);

 private:
  AdminHttpServer(int listen_fd, address::SocketAddress address,
                  RingwayServer* server);
  void ServeOne(int fd);

  address::SocketAddress address_;
  RingwayServer* server_;
  RingwayMetrics metrics_;
  LogLimiter log_limiter_;
  // Last: its thread calls into the members above.
  std::optional<AcceptLoop> loop_;
};

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_ADMIN_HTTP_SERVER_H_
