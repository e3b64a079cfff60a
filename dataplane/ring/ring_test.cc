#include "dataplane/ring/ring.h"

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
  // More entries than the queue holds: GetSqe must submit, not fail.
  for (int i = 0; i < 64; ++i) io_uring_prep_nop((*ring)->GetSqe());
  ASSERT_GE((*ring)->Submit(), 0);
  // Every nop completes; a lost one fails here rather than hanging.
  unsigned seen =
      Reap(**ring, 64, [](const io_uring_cqe& cqe) { EXPECT_EQ(cqe.res, 0); });
  EXPECT_EQ(seen, 64u);
}

}  // namespace
}  // namespace ringway::ring
