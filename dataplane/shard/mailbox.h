// Control-to-shard message queue: single producer (the control thread),
// single consumer (one shard), bounded, lock-free.
//
// The producer writes an eventfd after pushing so a shard blocked in
// io_uring_enter wakes up; the shard drains the queue between loop
// iterations, never in the middle of handling completions.

#ifndef RINGWAY_DATAPLANE_SHARD_MAILBOX_H_
#define RINGWAY_DATAPLANE_SHARD_MAILBOX_H_

#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

namespace ringway::shard {

template <typename T, size_t kCapacity>
class SpscQueue {
  static_assert((kCapacity & (kCapacity - 1)) == 0, "power of two");

 public:
  // Producer only. False when full (the producer retries).
  bool TryPush(T&& value) {
    uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_.load(std::memory_order_acquire) == kCapacity) {
      return false;
    }
    slots_[tail & (kCapacity - 1)] = std::move(value);
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Consumer only.
  std::optional<T> TryPop() {
    uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_.load(std::memory_order_acquire)) return std::nullopt;
    T value = std::move(slots_[head & (kCapacity - 1)]);
    slots_[head & (kCapacity - 1)] = T();  // drop references now
    head_.store(head + 1, std::memory_order_release);
    return value;
  }

 private:
  // Head and tail on separate lines: each is written by one side only.
  alignas(64) std::atomic<uint64_t> head_{0};
  alignas(64) std::atomic<uint64_t> tail_{0};
  alignas(64) std::array<T, kCapacity> slots_{};
};

// SpscQueue plus the eventfd that wakes the consumer's ring.
template <typename T, size_t kCapacity = 64>
class Mailbox {
 public:
  Mailbox() : wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
  ~Mailbox() { close(wake_fd_); }
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  // Producer only. Spins (with a yield) while the queue is full, which only
  // a stalled shard can cause.
  void Post(T value) {
    while (!queue_.TryPush(std::move(value))) usleep(100);
    uint64_t one = 1;
    ssize_t ignored = write(wake_fd_, &one, sizeof(one));
    (void)ignored;
  }

  std::optional<T> TryTake() { return queue_.TryPop(); }

  // The consumer keeps a read of this fd armed on its ring.
  int wake_fd() const { return wake_fd_; }

 private:
  int wake_fd_;
  SpscQueue<T, kCapacity> queue_;
};

}  // namespace ringway::shard

#endif  // RINGWAY_DATAPLANE_SHARD_MAILBOX_H_
