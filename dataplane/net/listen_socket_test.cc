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
                                {0, 1}, 16, &bound);
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
                                {0}, 16, &bound);
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
  auto fds =
      OpenReusePortGroup(address::SocketAddress(storage), {0}, 16, nullptr);
  ASSERT_FALSE(fds.ok());
  EXPECT_NE(fds.status().message().find("Address already in use"),
            std::string::npos)
      << fds.status();
  close(other);
}

}  // namespace
}  // namespace ringway::net
