// Costs on a shard's hot path: arming and disarming a connection deadline,
// moving one (an idle timeout pushed back), expiring a batch, and the
// per-iteration NextWakeNs, with a wheel already holding many entries.
//
//   tools/bazel run -c opt //dataplane/timer:timer_wheel_benchmark

#include <cstdint>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "dataplane/timer/timer_wheel.h"

namespace ringway::timer {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kTickNs = 10 * kMs;
constexpr uint32_t kSlots = 512;
constexpr uint64_t kSpanNs = kTickNs * kSlots;  // 5.12 s
constexpr uint64_t kStartNs = 1'000'000 * kMs;

// Schedules every entry within the span, as live connections with pending
// timeouts would be.
void Populate(TimerWheel& wheel, std::vector<TimerEntry>& entries) {
  std::mt19937_64 rng(1);
  for (TimerEntry& e : entries) wheel.Schedule(&e, kStartNs + rng() % kSpanNs);
}

// Arm then disarm: a connect that completes before its timeout.
void BM_ScheduleCancel(benchmark::State& state) {
  TimerWheel wheel(kTickNs, kSlots, kStartNs);
  std::vector<TimerEntry> background(state.range(0));
  Populate(wheel, background);
  TimerEntry entry;
  uint64_t deadline = kStartNs + 3'000 * kMs;
  for (auto _ : state) {
    wheel.Schedule(&entry, deadline);
    wheel.Cancel(&entry);
    deadline += 7 * kMs;  // a different slot each time
    if (deadline > kStartNs + kSpanNs) deadline -= kSpanNs / 2;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ScheduleCancel)->Arg(0)->Arg(10'000);

// Moving a scheduled entry to a later slot.
void BM_Reschedule(benchmark::State& state) {
  TimerWheel wheel(kTickNs, kSlots, kStartNs);
  std::vector<TimerEntry> background(state.range(0));
  Populate(wheel, background);
  TimerEntry entry;
  uint64_t deadline = kStartNs + 3'000 * kMs;
  wheel.Schedule(&entry, deadline);
  for (auto _ : state) {
    deadline += 7 * kMs;
    if (deadline > kStartNs + kSpanNs) deadline -= kSpanNs / 2;
    wheel.Schedule(&entry, deadline);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Reschedule)->Arg(10'000);

// N entries spread over one rotation, all expired by ticking through it one
// tick per Advance; includes scheduling them. Items: entries expired.
void BM_AdvanceExpiresN(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::vector<TimerEntry> entries(n);
  std::vector<uint64_t> offsets(n);
  std::mt19937_64 rng(2);
  for (uint64_t& offset : offsets) offset = 1 + rng() % kSpanNs;
  uint64_t now = kStartNs;
  TimerWheel wheel(kTickNs, kSlots, now);
  uint64_t expired = 0;
  for (auto _ : state) {
    for (int64_t i = 0; i < n; ++i)
      wheel.Schedule(&entries[i], now + offsets[i]);
    const uint64_t end = now + kSpanNs;
    while (now < end) {
      now += kTickNs;
      wheel.Advance(now, [&](TimerEntry*) { ++expired; });
    }
  }
  if (expired != static_cast<uint64_t>(n) * state.iterations()) {
    state.SkipWithError("not every entry expired");
  }
  state.SetItemsProcessed(expired);
}
BENCHMARK(BM_AdvanceExpiresN)->Arg(1'000)->Arg(100'000);

// One tick's Advance over N deadlines beyond the span (idle timeouts):
// nothing expires, but each slot's entries are looked at once per rotation.
void BM_AdvanceTickOverFarEntries(benchmark::State& state) {
  uint64_t now = kStartNs;
  TimerWheel wheel(kTickNs, kSlots, now);
  std::vector<TimerEntry> entries(state.range(0));
  std::mt19937_64 rng(3);
  for (TimerEntry& e : entries) {
    wheel.Schedule(&e, now + 1'000 * kSpanNs + rng() % kSpanNs);
  }
  for (auto _ : state) {
    now += kTickNs;
    wheel.Advance(now, [](TimerEntry*) {});
  }
}
BENCHMARK(BM_AdvanceTickOverFarEntries)->Arg(1'000)->Arg(100'000);

// The loop's wait timeout: a lone deadline half a span ahead (a long bitmap
// scan) versus a busy wheel (found in the first word).
void BM_NextWakeNs(benchmark::State& state) {
  TimerWheel wheel(kTickNs, kSlots, kStartNs);
  std::vector<TimerEntry> entries(state.range(0));
  Populate(wheel, entries);
  TimerEntry lone;
  wheel.Schedule(&lone, kStartNs + kSpanNs / 2);
  for (auto _ : state) benchmark::DoNotOptimize(wheel.NextWakeNs());
}
BENCHMARK(BM_NextWakeNs)->Arg(0)->Arg(10'000);

}  // namespace
}  // namespace ringway::timer
