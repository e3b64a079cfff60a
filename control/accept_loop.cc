#include "control/accept_loop.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "dataplane/common/log.h"

namespace ringway::control {
namespace {

// After EMFILE and the like, how long before accepting again.
constexpr int kAcceptRetryMs = 100;

}  // namespace

AcceptLoop::AcceptLoop(int listen_fd, std::string thread_name, std::string what,
                       Handler handler)
    : listen_fd_(listen_fd),
      stop_fd_(eventfd(0, EFD_CLOEXEC)),
      thread_name_(std::move(thread_name)),
      what_(std::move(what)),
      handler_(std::move(handler)) {
  thread_ = std::thread([this] { Run(); });
}

AcceptLoop::~AcceptLoop() {
  uint64_t one = 1;
  ssize_t ignored = write(stop_fd_, &one, sizeof(one));
  (void)ignored;
  if (thread_.joinable()) thread_.join();
  close(listen_fd_);
  close(stop_fd_);
}

void AcceptLoop::Run() {
  pthread_setname_np(pthread_self(), thread_name_.c_str());
  pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  while (true) {
    if (poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[1].revents) return;
    if (!(fds[0].revents & POLLIN)) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      handler_(fd);
      close(fd);
    } else if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
               errno == ENOMEM) {
      // The pending client stays queued and poll() keeps saying so:
      // retrying at once would spin this thread until descriptors come
      // back. Wait a little (or for stop) instead, as nginx does.
      RINGWAY_LOG(kWarning, "%s: accept: %s; retrying in %d ms", what_,
                  std::strerror(errno), kAcceptRetryMs);
      pollfd stop = {stop_fd_, POLLIN, 0};
      if (poll(&stop, 1, kAcceptRetryMs) > 0) return;
    }
  }
}

}  // namespace ringway::control
