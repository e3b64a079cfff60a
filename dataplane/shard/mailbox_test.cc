#include "dataplane/shard/mailbox.h"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
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

// Reads (and so resets) the wake-up count; 0 when none is pending.
uint64_t TakeWakes(int wake_fd) {
  uint64_t count = 0;
  return read(wake_fd, &count, sizeof(count)) == sizeof(count) ? count : 0;
}

TEST(MailboxTest, EveryPostAddsOneWakeUp) {
  Mailbox<int, 4> mailbox;
  EXPECT_EQ(TakeWakes(mailbox.wake_fd()), 0u);
  mailbox.Post(1);
  mailbox.Post(2);
  mailbox.Post(3);
  EXPECT_EQ(TakeWakes(mailbox.wake_fd()), 3u);
  EXPECT_EQ(TakeWakes(mailbox.wake_fd()), 0u);  // the read consumed them
  EXPECT_EQ(mailbox.TryTake(), 1);
  EXPECT_EQ(mailbox.TryTake(), 2);
  EXPECT_EQ(mailbox.TryTake(), 3);
  EXPECT_FALSE(mailbox.TryTake().has_value());
}

// Run under --config=tsan: the handoff must be race-free.
TEST(MailboxTest, DeliversEveryMessageAcrossThreadsInOrder) {
  Mailbox<std::shared_ptr<const int>, 8> mailbox;
  constexpr int kMessages = 100000;
  std::atomic<bool> producer_done{false};
  std::thread producer([&] {
    for (int i = 0; i < kMessages; ++i) {
      mailbox.Post(std::make_shared<const int>(i));
    }
    producer_done = true;
  });
  // Consumes as a shard does: takes what is queued, then sleeps on the
  // eventfd until a Post wakes it. A message posted without its wake-up
  // leaves the consumer asleep: that fails after 5 s instead of hanging.
  int taken = 0;
  int first_out_of_order = -1;
  uint64_t wakes = 0;
  bool stalled = false;
  while (taken < kMessages) {
    if (auto m = mailbox.TryTake()) {
      if (**m != taken && first_out_of_order < 0) first_out_of_order = taken;
      ++taken;
      continue;
    }
    pollfd wake{mailbox.wake_fd(), POLLIN, 0};
    int ready = poll(&wake, 1, 5000);
    if (ready < 0 && errno == EINTR) continue;
    if (ready != 1) {
      stalled = true;
      break;
    }
    wakes += TakeWakes(mailbox.wake_fd());
  }
  // On failure, keep draining so a producer blocked on a full queue ends.
  while (stalled && !producer_done.load()) {
    if (!mailbox.TryTake().has_value()) std::this_thread::yield();
  }
  producer.join();
  wakes += TakeWakes(mailbox.wake_fd());
  EXPECT_FALSE(stalled) << "no wake-up for 5 s with " << kMessages - taken
                        << " messages still to come";
  EXPECT_EQ(taken, kMessages);
  EXPECT_EQ(first_out_of_order, -1) << "message " << first_out_of_order;
  EXPECT_FALSE(mailbox.TryTake().has_value());
  // One wake-up per Post, whether the consumer was asleep or not.
  EXPECT_EQ(wakes, static_cast<uint64_t>(kMessages));
}

}  // namespace
}  // namespace ringway::shard
