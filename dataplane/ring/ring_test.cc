#include "dataplane/ring/ring.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

#include "dataplane/ring/user_data.h"
#include "gtest/gtest.h"

namespace ringway::ring {
namespace {

// Reaps completions until `want` were seen, handing each to `handle`. Gives
// up after three waits of a second that brought nothing, so a lost
// completion fails the test instead of hanging it. Returns how many it saw.
template <typename Handler>
unsigned Reap(Ring& ring, unsigned want, Handler&& handle) {
  constexpr uint64_t kWaitNs = 1'000'000'000;
  unsigned seen = 0;
  for (int empty_waits = 0; seen < want && empty_waits < 3;) {
    ring.SubmitAndWaitTimeout(kWaitNs);  // -ETIME or -EINTR: counted below
    unsigned got = ring.ForEachCompletion(handle);
    if (got == 0) ++empty_waits;
    seen += got;
  }
  return seen;
}

TEST(UserDataTest, RoundTripsEveryField) {
  UserData in{200, UserData::kMaxSlot, 0xdeadbeef};
  UserData out = UserData::Unpack(in.Pack());
  EXPECT_EQ(out.op, 200);
  EXPECT_EQ(out.slot, UserData::kMaxSlot);
  EXPECT_EQ(out.generation, 0xdeadbeefu);
}

TEST(RingTest, ProbesBestFlagsAndRunsOperations) {
  auto ring = Ring::Create(64);
  ASSERT_TRUE(ring.ok()) << ring.status();
  // This kernel is 6.x: the best set must have been granted.
  EXPECT_TRUE((*ring)->features().single_issuer)
      << (*ring)->features().Describe();
  EXPECT_GE((*ring)->features().cq_entries, 256u);

  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  char out[] = "ping";
  char in[8] = {};
  io_uring_prep_send((*ring)->GetSqe(), fds[0], out, 4, 0);
  io_uring_sqe* recv = (*ring)->GetSqe();
  io_uring_prep_recv(recv, fds[1], in, sizeof(in), 0);
  io_uring_sqe_set_data64(recv, UserData{7, 1, 2}.Pack());
  unsigned seen = Reap(**ring, 2, [&](const io_uring_cqe& cqe) {
    if (cqe.user_data == UserData{7, 1, 2}.Pack()) {
      EXPECT_EQ(cqe.res, 4);
    }
  });
  EXPECT_EQ(seen, 2u);
  EXPECT_STREQ(in, "ping");
  close(fds[0]);
  close(fds[1]);
}

TEST(RingTest, GetSqeFlushesAFullQueue) {
  auto ring = Ring::Create(4);
  ASSERT_TRUE(ring.ok()) << ring.status();
  // More entries than the queue holds: GetSqe must submit, not fail, and
  // count each of those enters (the shard's accept buffers rely on it).
  const uint64_t before = (*ring)->enters();
  for (int i = 0; i < 4; ++i) io_uring_prep_nop((*ring)->GetSqe());
  EXPECT_EQ((*ring)->enters(), before);  // the queue had room
  for (int i = 4; i < 64; ++i) io_uring_prep_nop((*ring)->GetSqe());
  EXPECT_EQ((*ring)->enters(), before + 15);  // one flush per 4 entries
  ASSERT_GE((*ring)->Submit(), 0);
  EXPECT_EQ((*ring)->enters(), before + 16);
  // Every nop completes; a lost one fails here rather than hanging.
  unsigned seen =
      Reap(**ring, 64, [](const io_uring_cqe& cqe) { EXPECT_EQ(cqe.res, 0); });
  EXPECT_EQ(seen, 64u);
}

}  // namespace
}  // namespace ringway::ring

namespace ringway::ring {
namespace {

// The socket setsockopt command, where the probe found it, really sets the
// option (the probe's own check is the same; this guards PrepSetsockopt).
TEST(RingTest, SetsockoptCommandSetsTheOption) {
  auto ring = Ring::Create(8);
  ASSERT_TRUE(ring.ok());
  if (!(*ring)->features().setsockopt_cmd) {
    GTEST_SKIP() << "kernel without io_uring socket commands (before 6.7)";
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  static const int kOne = 1;
  io_uring_sqe* sqe = (*ring)->GetSqe();
  Ring::PrepSetsockopt(sqe, fd, IPPROTO_TCP, TCP_NODELAY, &kOne);
  io_uring_sqe_set_data64(sqe, 5);
  int32_t res = -1;
  ASSERT_EQ(Reap(**ring, 1, [&](const io_uring_cqe& cqe) { res = cqe.res; }),
            1u);
  EXPECT_EQ(res, 0);
  int value = 0;
  socklen_t length = sizeof(value);
  ASSERT_EQ(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &length), 0);
  EXPECT_EQ(value, 1);
  close(fd);
}

// IORING_OP_SOCKET, where probed, gives a usable non-blocking socket.
TEST(RingTest, SocketOperationCreatesASocket) {
  auto ring = Ring::Create(8);
  ASSERT_TRUE(ring.ok());
  if (!(*ring)->features().op_socket) {
    GTEST_SKIP() << "kernel without IORING_OP_SOCKET (before 5.19)";
  }
  io_uring_sqe* sqe = (*ring)->GetSqe();
  io_uring_prep_socket(sqe, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0, 0);
  int32_t fd = -1;
  ASSERT_EQ(Reap(**ring, 1, [&](const io_uring_cqe& cqe) { fd = cqe.res; }),
            1u);
  ASSERT_GE(fd, 0);
  int domain = 0;
  socklen_t length = sizeof(domain);
  ASSERT_EQ(getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length), 0);
  EXPECT_EQ(domain, AF_INET6);
  EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
  close(fd);
}

}  // namespace
}  // namespace ringway::ring
