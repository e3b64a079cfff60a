// Control → shard handoff cost: posting a route snapshot (a shared_ptr)
// through the SPSC mailbox to a consumer spinning on another thread, as a
// shard drains it between loop iterations.
//
//   tools/bazel run -c opt //dataplane/shard:mailbox_benchmark

#include <atomic>
#include <memory>
#include <thread>

#include "benchmark/benchmark.h"
#include "dataplane/shard/mailbox.h"

namespace ringway::shard {
namespace {

struct FakeSnapshot {
  uint64_t version;
};

// One message there and its acknowledgement back: the latency of a swap.
void BM_MailboxRoundTrip(benchmark::State& state) {
  Mailbox<std::shared_ptr<const FakeSnapshot>> to_shard;
  std::atomic<uint64_t> acked{0};
  std::atomic<bool> stop{false};
  std::thread shard([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      if (auto message = to_shard.TryTake()) {
        acked.store((*message)->version, std::memory_order_release);
      }
    }
  });
  uint64_t version = 0;
  for (auto _ : state) {
    to_shard.Post(
        std::make_shared<const FakeSnapshot>(FakeSnapshot{++version}));
    while (acked.load(std::memory_order_acquire) != version) {
    }
  }
  stop = true;
  shard.join();
}
BENCHMARK(BM_MailboxRoundTrip)->UseRealTime();

// Queue operations alone, on one thread (no wake-up eventfd).
void BM_SpscPushPop(benchmark::State& state) {
  SpscQueue<std::shared_ptr<const FakeSnapshot>, 64> queue;
  auto snapshot = std::make_shared<const FakeSnapshot>(FakeSnapshot{1});
  for (auto _ : state) {
    queue.TryPush(std::shared_ptr<const FakeSnapshot>(snapshot));
    benchmark::DoNotOptimize(queue.TryPop());
  }
}
BENCHMARK(BM_SpscPushPop);

}  // namespace
}  // namespace ringway::shard
