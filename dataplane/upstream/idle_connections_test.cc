#include "dataplane/upstream/idle_connections.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace ringway::upstream {
namespace {

// A connected pair: [0] is kept idle, [1] plays the server.
struct Pair {
  int fd[2];
  Pair() { socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd); }
};

bool IsOpen(int fd) { return fcntl(fd, F_GETFD) != -1; }

TEST(IdleConnectionsTest, ReusesTheWarmestAndHonoursTheLimit) {
  IdleConnections idle;
  Pair a, b, c;
  EXPECT_TRUE(idle.Put(a.fd[0], 100, 2, 1000));
  EXPECT_TRUE(idle.Put(b.fd[0], 200, 2, 1000));
  EXPECT_FALSE(idle.Put(c.fd[0], 300, 2, 1000));  // full: caller keeps it
  EXPECT_EQ(idle.Take(300, 1000).fd, b.fd[0]);
  EXPECT_EQ(idle.Take(300, 1000).fd, a.fd[0]);
  EXPECT_EQ(idle.Take(300, 1000).fd, -1);
}

TEST(IdleConnectionsTest, SkipsClosedChattyAndExpiredConnections) {
  IdleConnections idle;
  Pair old_one, closed, chatty, good;
  ASSERT_TRUE(idle.Put(old_one.fd[0], 0, 8, 1000));
  ASSERT_TRUE(idle.Put(good.fd[0], 900, 8, 1000));
  ASSERT_TRUE(idle.Put(chatty.fd[0], 900, 8, 1000));
  ASSERT_TRUE(idle.Put(closed.fd[0], 900, 8, 1000));
  close(closed.fd[1]);                        // the server closed it
  ASSERT_EQ(write(chatty.fd[1], "x", 1), 1);  // unasked bytes
  EXPECT_EQ(idle.Take(1500, 1000).fd, good.fd[0]);
  EXPECT_FALSE(IsOpen(closed.fd[0]));
  EXPECT_FALSE(IsOpen(chatty.fd[0]));
  EXPECT_FALSE(IsOpen(old_one.fd[0]));  // idle 1500 >= 1000
  EXPECT_EQ(idle.size(), 0u);
}

}  // namespace
}  // namespace ringway::upstream
