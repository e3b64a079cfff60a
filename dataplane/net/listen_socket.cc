#include "dataplane/net/listen_socket.h"

#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace ringway::net {
namespace {

absl::Status ErrnoStatus(const char* what,
                         const address::SocketAddress& address) {
  int err = errno;
  std::string message = absl::StrFormat("%s %s: %s", what, address.ToString(),
                                        std::strerror(err));
  if (err == EADDRINUSE) return absl::AlreadyExistsError(message);
  return absl::InternalError(message);
}

// cBPF: A = current CPU; for each shard i, if A == cpu_i return i; otherwise
// (a CPU without a shard) return A % shards, which still spreads evenly.
std::vector<sock_filter> SteeringProgram(const std::vector<int>& cpu_of_shard) {
  std::vector<sock_filter> program;
  program.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                             static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_CPU)));
  for (size_t i = 0; i < cpu_of_shard.size(); ++i) {
    program.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                               static_cast<uint32_t>(cpu_of_shard[i]), 0, 1));
    program.push_back(BPF_STMT(BPF_RET | BPF_K, static_cast<uint32_t>(i)));
  }
  program.push_back(BPF_STMT(BPF_ALU | BPF_MOD | BPF_K,
                             static_cast<uint32_t>(cpu_of_shard.size())));
  program.push_back(BPF_STMT(BPF_RET | BPF_A, 0));
  return program;
}

// SO_REUSEPORT would let us join a group that another process (same user)
// already listens with, silently splitting its traffic: refuse instead.
absl::Status CheckNotInUse(const address::SocketAddress& address) {
  if (address.port() == 0) return absl::OkStatus();
  int probe = socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  absl::Status status = absl::OkStatus();
  if (bind(probe, address.sockaddr_ptr(), address.length()) != 0) {
    status = ErrnoStatus("cannot listen on", address);
  }
  close(probe);
  return status;
}

absl::StatusOr<int> OpenOne(const address::SocketAddress& address,
                            const ListenOptions& options) {
  int fd =
      socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus("socket for", address);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  // Accepted sockets inherit TCP_NODELAY: no setsockopt per connection.
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if ((options.defer_accept_s > 0 &&
       setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &options.defer_accept_s,
                  sizeof(options.defer_accept_s)) != 0) ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
      bind(fd, address.sockaddr_ptr(), address.length()) != 0 ||
      listen(fd, options.backlog) != 0) {
    absl::Status status = ErrnoStatus("cannot listen on", address);
    close(fd);
    return status;
  }
  return fd;
}

address::SocketAddress LocalAddress(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  return address::SocketAddress(storage);
}

}  // namespace

absl::StatusOr<std::vector<int>> OpenReusePortGroup(
    const address::SocketAddress& address, const std::vector<int>& cpu_of_shard,
    const ListenOptions& options, address::SocketAddress* bound) {
  if (absl::Status free = CheckNotInUse(address); !free.ok()) return free;
  std::vector<int> fds;
  auto fail = [&fds](absl::Status status) {
    for (int fd : fds) close(fd);
    return status;
  };
  // Port 0: the first bind picks a port; the rest of the group joins it.
  address::SocketAddress target = address;
  for (size_t i = 0; i < cpu_of_shard.size(); ++i) {
    auto fd = OpenOne(target, options);
    if (!fd.ok()) return fail(fd.status());
    fds.push_back(*fd);
    if (i == 0) target = LocalAddress(*fd);
  }
  // Before the program is attached the kernel hashes; attaching it to any
  // member applies it to the whole group.
  std::vector<sock_filter> program = SteeringProgram(cpu_of_shard);
  sock_fprog fprog{static_cast<unsigned short>(program.size()), program.data()};
  if (setsockopt(fds[0], SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fprog,
                 sizeof(fprog)) != 0) {
    return fail(ErrnoStatus("SO_ATTACH_REUSEPORT_CBPF on", target));
  }
  if (bound != nullptr) *bound = target;
  return fds;
}

}  // namespace ringway::net
