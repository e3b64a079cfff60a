#include "dataplane/buffer/provided_buffer_ring.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "dataplane/ring/ring.h"
#include "gtest/gtest.h"

namespace ringway::buffer {
namespace {

// Multishot recv fills ring buffers; recycled buffers are used again, and
// an empty ring ends the multishot with -ENOBUFS (not an error).
TEST(ProvidedBufferRingTest, MultishotRecvUsesAndReusesBuffers) {
  auto ring = ring::Ring::Create(64);
  ASSERT_TRUE(ring.ok());
  auto buffers = ProvidedBufferRing::Create((*ring)->raw(), 3, 2, 16);
  ASSERT_TRUE(buffers.ok()) << buffers.status();
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  io_uring_sqe* sqe = (*ring)->GetSqe();
  io_uring_prep_recv_multishot(sqe, fds[1], nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = 3;
  std::vector<std::string> got;
  bool ended = false;
  int last_res = 0;
  auto reap = [&](bool recycle) {
    (*ring)->SubmitAndWait(1);
    (*ring)->ForEachCompletion([&](const io_uring_cqe& cqe) {
      last_res = cqe.res;
      if (cqe.res > 0) {
        uint16_t id = ProvidedBufferRing::BufferId(cqe.flags);
        got.emplace_back(reinterpret_cast<const char*>((*buffers)->Data(id)),
                         cqe.res);
        if (recycle) (*buffers)->Recycle(id);
      }
      if (!(cqe.flags & IORING_CQE_F_MORE)) ended = true;
    });
  };
  for (const char* message : {"one", "two", "three"}) {
    ASSERT_EQ(write(fds[0], message, strlen(message)),
              static_cast<ssize_t>(strlen(message)));
    reap(/*recycle=*/true);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_FALSE(ended);
  // Two buffers not recycled: the third message finds none.
  write(fds[0], "a", 1);
  reap(false);
  write(fds[0], "b", 1);
  reap(false);
  write(fds[0], "c", 1);
  while (!ended) reap(false);
  EXPECT_EQ(last_res, -ENOBUFS);
  close(fds[0]);
  close(fds[1]);
}

// A chain hands bytes out in arrival order across buffers, and a buffer goes
// back to the kernel only once its last byte is consumed: with two buffers,
// a third receive succeeds only after the first chained buffer is drained.
TEST(ProvidedBufferRingTest, ChainKeepsBuffersUntilConsumed) {
  auto ring = ring::Ring::Create(64);
  ASSERT_TRUE(ring.ok());
  auto buffers = ProvidedBufferRing::Create((*ring)->raw(), 4, 2, 16);
  ASSERT_TRUE(buffers.ok()) << buffers.status();
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  auto recv_one = [&]() -> io_uring_cqe {
    io_uring_sqe* sqe = (*ring)->GetSqe();
    io_uring_prep_recv(sqe, fds[1], nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = 4;
    (*ring)->SubmitAndWait(1);
    io_uring_cqe got{};
    (*ring)->ForEachCompletion([&](const io_uring_cqe& cqe) { got = cqe; });
    return got;
  };
  BufferChain chain;
  for (const char* message : {"hello ", "world"}) {
    ASSERT_EQ(write(fds[0], message, strlen(message)),
              static_cast<ssize_t>(strlen(message)));
    io_uring_cqe cqe = recv_one();
    ASSERT_GT(cqe.res, 0);
    (*buffers)->Append(&chain, ProvidedBufferRing::BufferId(cqe.flags),
                       cqe.res);
  }
  EXPECT_EQ(chain.count, 2);
  EXPECT_EQ(chain.bytes, 11u);
  auto front = [&] {
    std::span<const uint8_t> f = (*buffers)->Front(chain);
    return std::string(reinterpret_cast<const char*>(f.data()), f.size());
  };
  EXPECT_EQ(front(), "hello ");
  iovec iov[4];
  ASSERT_EQ((*buffers)->Gather(chain, iov, 4), 2u);
  EXPECT_EQ(
      std::string(static_cast<const char*>(iov[0].iov_base), iov[0].iov_len) +
          std::string(static_cast<const char*>(iov[1].iov_base),
                      iov[1].iov_len),
      "hello world");
  EXPECT_EQ((*buffers)->Gather(chain, iov, 1), 1u);  // at most `max`
  (*buffers)->Consume(&chain, 4);                    // a short send: "hell"
  EXPECT_EQ(front(), "o ");
  ASSERT_EQ((*buffers)->Gather(chain, iov, 4), 2u);
  EXPECT_EQ(iov[0].iov_len, 2u);  // the rest of the first buffer
  // Both buffers are still held: a receive now finds none.
  ASSERT_EQ(write(fds[0], "x", 1), 1);
  EXPECT_EQ(recv_one().res, -ENOBUFS);
  (*buffers)->Consume(&chain, 4);  // "o " and "wo": the first buffer is free
  EXPECT_EQ(front(), "rld");
  EXPECT_EQ(chain.count, 1);
  io_uring_cqe cqe = recv_one();
  ASSERT_EQ(cqe.res, 1);
  (*buffers)->Append(&chain, ProvidedBufferRing::BufferId(cqe.flags), 1);
  (*buffers)->Consume(&chain, 3);
  EXPECT_EQ(front(), "x");
  (*buffers)->Release(&chain);
  EXPECT_TRUE(chain.empty());
  EXPECT_EQ(chain.bytes, 0u);
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace ringway::buffer
