#include "dataplane/shard/mailbox.h"

#include <memory>
#include <thread>

#include "gtest/gtest.h"

namespace ringway::shard {
namespace {

TEST(SpscQueueTest, FullQueueRefusesAndKeepsOrder) {
  SpscQueue<int, 4> queue;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(queue.TryPush(int{i}));
  EXPECT_FALSE(queue.TryPush(99));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(queue.TryPop(), i);
  EXPECT_FALSE(queue.TryPop().has_value());
}

TEST(SpscQueueTest, PopDropsTheSlotsReference) {
  SpscQueue<std::shared_ptr<int>, 2> queue;
  auto value = std::make_shared<int>(7);
  std::weak_ptr<int> watch = value;
  queue.TryPush(std::move(value));
  { auto taken = queue.TryPop(); }
  EXPECT_TRUE(watch.expired());  // no copy left behind in the ring
}

// Run under --config=tsan: the handoff must be race-free.
TEST(MailboxTest, DeliversEveryMessageAcrossThreadsInOrder) {
  Mailbox<std::shared_ptr<const int>, 8> mailbox;
  constexpr int kMessages = 100000;
  std::thread producer([&] {
    for (int i = 0; i < kMessages; ++i) {
      mailbox.Post(std::make_shared<const int>(i));
    }
  });
  int expected = 0;
  while (expected < kMessages) {
    if (auto m = mailbox.TryTake()) {
      ASSERT_EQ(**m, expected);
      ++expected;
    }
  }
  producer.join();
  uint64_t wakes = 0;
  ASSERT_EQ(read(mailbox.wake_fd(), &wakes, sizeof(wakes)), 8);
  EXPECT_GT(wakes, 0u);
}

}  // namespace
}  // namespace ringway::shard
