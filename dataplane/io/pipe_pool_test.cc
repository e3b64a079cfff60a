#include "dataplane/io/pipe_pool.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace ringway::io {
namespace {

// The kernel rounds a pipe's size up to a power-of-two number of pages; the
// pipe must report what was granted, not what was asked.
TEST(PipePoolTest, PipesCarryTheSizeTheKernelGranted) {
  PipePool pool(100'000, 4);
  Pipe pipe = pool.Acquire();
  ASSERT_TRUE(pipe.valid());
  EXPECT_EQ(pipe.capacity,
            static_cast<uint32_t>(fcntl(pipe.write_fd, F_GETPIPE_SZ)));
  EXPECT_GE(pipe.capacity, 100'000u);
  pool.Release(pipe, true);
}

TEST(PipePoolTest, OnlyEmptyPipesAreReused) {
  PipePool pool(65536, 4);
  Pipe first = pool.Acquire();
  ASSERT_TRUE(first.valid());
  pool.Release(first, true);
  EXPECT_EQ(pool.idle(), 1u);
  Pipe again = pool.Acquire();
  EXPECT_EQ(again.read_fd, first.read_fd);
  ASSERT_EQ(write(again.write_fd, "x", 1), 1);
  int queued = 0;
  ASSERT_EQ(ioctl(again.read_fd, FIONREAD, &queued), 0);
  EXPECT_EQ(queued, 1);
  pool.Release(again, false);  // closed, not pooled
  EXPECT_EQ(pool.idle(), 0u);
  EXPECT_EQ(fcntl(again.read_fd, F_GETFD), -1);
}

}  // namespace
}  // namespace ringway::io
