#include "dataplane/buffer/byte_queue.h"

#include <string>

#include "gtest/gtest.h"

namespace ringway::buffer {
namespace {

std::string Text(const ByteQueue& q) {
  return {reinterpret_cast<const char*>(q.readable().data()), q.size()};
}

void Put(ByteQueue& q, const std::string& s) { q.Append(s.data(), s.size()); }

TEST(ByteQueueTest, FifoAcrossCompactionAndGrowth) {
  ByteQueue q;
  std::string expected;
  // Appends and partial consumes of uneven sizes: whatever the queue does
  // with its storage, the readable bytes stay in order.
  for (int i = 0; i < 2000; ++i) {
    std::string chunk(static_cast<size_t>(1 + (i * 37) % 700),
                      static_cast<char>('a' + i % 26));
    Put(q, chunk);
    expected += chunk;
    size_t consume = static_cast<size_t>((i * 53) % 900);
    if (consume > q.size()) consume = q.size();
    q.Consume(consume);
    expected.erase(0, consume);
    ASSERT_EQ(Text(q), expected) << "step " << i;
  }
}

TEST(ByteQueueTest, CompactsWhenTheMoveIsSmall) {
  ByteQueue q;
  Put(q, std::string(1000, 'x'));
  q.Consume(990);  // 10 bytes left behind 990 free ones
  const uint8_t* before = q.readable().data();
  uint8_t* tail = q.PrepareTail(100);
  EXPECT_NE(q.readable().data(), before);  // moved down, not grown
  EXPECT_EQ(tail, q.readable().data() + 10);
  EXPECT_EQ(Text(q), std::string(10, 'x'));
}

TEST(ByteQueueTest, GrowsRatherThanMovingMostOfItsBytes) {
  ByteQueue q;
  Put(q, std::string(1000, 'y'));
  q.Consume(10);  // 990 bytes would move to win 10
  q.PrepareTail(100);
  EXPECT_GE(q.tail_room(), 100u);
  EXPECT_EQ(Text(q), std::string(990, 'y'));
}

}  // namespace
}  // namespace ringway::buffer
