#include "dataplane/net/listen_socket.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "gtest/gtest.h"

namespace ringway::net {
namespace {

TEST(ListenSocketTest, GroupSharesOneKernelChosenPort) {
  address::SocketAddress bound;
  auto fds = OpenReusePortGroup(*address::SocketAddress::Parse("127.0.0.1:0"),
                                {0, 1}, {.backlog = 16}, &bound);
  ASSERT_TRUE(fds.ok()) << fds.status();
  ASSERT_EQ(fds->size(), 2u);
  EXPECT_NE(bound.port(), 0);
  for (int fd : *fds) {
    sockaddr_storage local{};
    socklen_t length = sizeof(local);
    getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
    EXPECT_EQ(address::SocketAddress(local).port(), bound.port());
    close(fd);
  }
}

// The relay relies on this instead of a setsockopt per accepted socket.
TEST(ListenSocketTest, AcceptedSocketsInheritNoDelay) {
  address::SocketAddress bound;
  auto fds = OpenReusePortGroup(*address::SocketAddress::Parse("127.0.0.1:0"),
                                {0}, {.backlog = 16}, &bound);
  ASSERT_TRUE(fds.ok());
  int client = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(client, bound.sockaddr_ptr(), bound.length()), 0);
  // The listener is non-blocking: wait (bounded) until it has a connection.
  pollfd ready{(*fds)[0], POLLIN, 0};
  ASSERT_EQ(poll(&ready, 1, 5000), 1) << "no connection to accept within 5 s";
  int accepted = accept4((*fds)[0], nullptr, nullptr, 0);
  ASSERT_GE(accepted, 0);
  int nodelay = 0;
  socklen_t length = sizeof(nodelay);
  getsockopt(accepted, IPPROTO_TCP, TCP_NODELAY, &nodelay, &length);
  EXPECT_EQ(nodelay, 1);
  close(accepted);
  close(client);
  close((*fds)[0]);
}

TEST(ListenSocketTest, PortHeldByAnotherSocketIsRefused) {
  int other = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(other, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  ASSERT_EQ(listen(other, 1), 0);
  socklen_t length = sizeof(address);
  getsockname(other, reinterpret_cast<sockaddr*>(&address), &length);
  sockaddr_storage storage{};
  std::memcpy(&storage, &address, sizeof(address));
  auto fds = OpenReusePortGroup(address::SocketAddress(storage), {0},
                                {.backlog = 16}, nullptr);
  ASSERT_FALSE(fds.ok());
  EXPECT_NE(fds.status().message().find("Address already in use"),
            std::string::npos)
      << fds.status();
  close(other);
}

int ConnectTo(const address::SocketAddress& to) {
  int fd = socket(to.family(), SOCK_STREAM, 0);
  if (fd >= 0 && connect(fd, to.sockaddr_ptr(), to.length()) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

uint16_t LocalPortOf(int fd) {
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
  return address::SocketAddress(local).port();
}

// Accepts whatever the listener has within 5 s; returns the peer's port.
int AcceptedPeerPort(int listener) {
  pollfd ready{listener, POLLIN, 0};
  if (poll(&ready, 1, 5000) != 1) return -1;
  sockaddr_storage peer{};
  socklen_t length = sizeof(peer);
  int fd = accept4(listener, reinterpret_cast<sockaddr*>(&peer), &length, 0);
  if (fd < 0) return -1;
  close(fd);
  return address::SocketAddress(peer).port();
}

// A client that connected first but has sent nothing stays out of the
// accept queue; one that spoke is accepted ahead of it. Without the option
// the queue is FIFO and the silent client would come first.
TEST(ListenSocketTest, DeferAcceptWaitsForTheClientsFirstBytes) {
  address::SocketAddress bound;
  auto fds =
      OpenReusePortGroup(*address::SocketAddress::Parse("127.0.0.1:0"), {0},
                         {.backlog = 16, .defer_accept_s = 5}, &bound);
  ASSERT_TRUE(fds.ok()) << fds.status();
  int listener = (*fds)[0];
  int silent = ConnectTo(bound);
  int speaking = ConnectTo(bound);
  ASSERT_GE(silent, 0);
  ASSERT_GE(speaking, 0);
  ASSERT_EQ(send(speaking, "x", 1, 0), 1);
  EXPECT_EQ(AcceptedPeerPort(listener), LocalPortOf(speaking));
  EXPECT_LT(accept4(listener, nullptr, nullptr, 0), 0);  // silent: not yet
  ASSERT_EQ(send(silent, "y", 1, 0), 1);
  EXPECT_EQ(AcceptedPeerPort(listener), LocalPortOf(silent));
  close(silent);
  close(speaking);
  close(listener);
}

TEST(ListenSocketTest, WithoutDeferAcceptTheHandshakeIsEnough) {
  address::SocketAddress bound;
  auto fds = OpenReusePortGroup(*address::SocketAddress::Parse("127.0.0.1:0"),
                                {0}, {.backlog = 16}, &bound);
  ASSERT_TRUE(fds.ok()) << fds.status();
  int silent = ConnectTo(bound);
  ASSERT_GE(silent, 0);
  EXPECT_EQ(AcceptedPeerPort((*fds)[0]), LocalPortOf(silent));
  close(silent);
  close((*fds)[0]);
}

}  // namespace
}  // namespace ringway::net
