// A tiny HTTP backend that ringway starts only with its built-in default
// configuration, so a newcomer's first `curl` through ringway gets an answer
// (the request head it received, forwarded headers included) without
// setting anything else up. Not used with --config.

#ifndef RINGWAY_CONTROL_DEMO_BACKEND_H_
#define RINGWAY_CONTROL_DEMO_BACKEND_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace ringway::control {

// The built-in route table: HTTPS on 127.0.0.1:8443 (serving the given
// certificate) and HTTP on 127.0.0.1:8080 (redirecting to it), proxying to
// the demo backend on 127.0.0.1:8081.
std::string BuiltInConfig(const std::string& cert_file,
                          const std::string& key_file);

class DemoBackend {
 public:
  static absl::StatusOr<std::unique_ptr<DemoBackend>> Start(
      const std::string& address);
  ~DemoBackend();

 private:
  DemoBackend(int listen_fd, int stop_fd);
  void Serve();

  int listen_fd_;
  int stop_fd_;
  std::thread thread_;
};

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_DEMO_BACKEND_H_
