// A control-side listening socket served by its own thread, one connection
// at a time: what the admin socket and the admin HTTP listener share.
// Accept errors such as EMFILE wait a little (or for the stop) instead of
// spinning; the destructor stops the thread and closes the socket.
//
//   AcceptLoop loop(listen_fd, "ringway-ctl", "admin socket",
//                   [this](int fd) { ServeOne(fd); });  // fd closed after

#ifndef RINGWAY_CONTROL_ACCEPT_LOOP_H_
#define RINGWAY_CONTROL_ACCEPT_LOOP_H_

#include <functional>
#include <string>
#include <thread>

namespace ringway::control {

class AcceptLoop {
 public:
  using Handler = std::function<void(int fd)>;

  // Takes `listen_fd` (listening already); `thread_name` at most 15 chars.
  AcceptLoop(int listen_fd, std::string thread_name, std::string what,
             Handler handler);
  ~AcceptLoop();
  AcceptLoop(const AcceptLoop&) = delete;
  AcceptLoop& operator=(const AcceptLoop&) = delete;

 private:
  void Run();

  int listen_fd_;
  int stop_fd_;
  std::string thread_name_;
  std::string what_;  // for log lines
  Handler handler_;
  std::thread thread_;
};

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_ACCEPT_LOOP_H_
