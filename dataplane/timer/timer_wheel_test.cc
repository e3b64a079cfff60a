#include "dataplane/timer/timer_wheel.h"

#include <array>
#include <cstdint>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace ringway::timer {
namespace {

// Small numbers keep the arithmetic readable: ticks of 10, a span of 80.
constexpr uint64_t kTick = 10;
constexpr uint32_t kSlots = 8;
constexpr uint64_t kSpan = kTick * kSlots;

// A fixed pool of entries, so tests can name them by index.
class TimerWheelTest : public ::testing::Test {
 protected:
  int Index(const TimerEntry* e) const {
    return static_cast<int>(e - entries_.data());
  }

  // Advances to now_ns and returns the indices that expired, in order.
  std::vector<int> AdvanceTo(TimerWheel& wheel, uint64_t now_ns) {
    std::vector<int> fired;
    wheel.Advance(now_ns, [&](TimerEntry* e) {
      EXPECT_FALSE(e->scheduled());
      EXPECT_LE(e->deadline_ns, now_ns);
      fired.push_back(Index(e));
    });
    return fired;
  }

  std::array<TimerEntry, 64> entries_;
};

using Fired = std::vector<int>;

TEST_F(TimerWheelTest, ExpiresAtTheFirstTickBoundaryAtOrAfterTheDeadline) {
  TimerWheel wheel(kTick, kSlots, 0);
  wheel.Schedule(&entries_[0], 25);  // rounds up to 30
  wheel.Schedule(&entries_[1], 40);  // on a boundary: exact
  EXPECT_EQ(AdvanceTo(wheel, 24), Fired{});
  EXPECT_EQ(AdvanceTo(wheel, 25), Fired{});
  EXPECT_EQ(AdvanceTo(wheel, 29), Fired{});
  EXPECT_EQ(AdvanceTo(wheel, 30), Fired{0});
  EXPECT_FALSE(entries_[0].scheduled());
  EXPECT_EQ(AdvanceTo(wheel, 39), Fired{});
  EXPECT_EQ(AdvanceTo(wheel, 40), Fired{1});
  EXPECT_EQ(wheel.size(), 0u);
}

TEST_F(TimerWheelTest, ExpiresByDeadlineTickThenInScheduleOrder) {
  TimerWheel wheel(kTick, kSlots, 0);
  wheel.Schedule(&entries_[0], 55);
  wheel.Schedule(&entries_[1], 12);  // tick ending at 20
  wheel.Schedule(&entries_[2], 31);
  wheel.Schedule(&entries_[3], 18);  // same tick as 1, scheduled after it
  wheel.Schedule(&entries_[4], 20);  // same tick again
  EXPECT_EQ(AdvanceTo(wheel, 60), (Fired{1, 3, 4, 2, 0}));
}

TEST_F(TimerWheelTest, CancelledEntryNeverExpires) {
  TimerWheel wheel(kTick, kSlots, 0);
  wheel.Schedule(&entries_[0], 25);
  wheel.Schedule(&entries_[1], 25);
  EXPECT_EQ(wheel.size(), 2u);
  wheel.Cancel(&entries_[0]);
  EXPECT_FALSE(entries_[0].scheduled());
  EXPECT_EQ(wheel.size(), 1u);
  wheel.Cancel(&entries_[0]);  // already cancelled: no-op
  wheel.Cancel(&entries_[5]);  // never scheduled: no-op
  EXPECT_EQ(wheel.size(), 1u);
  EXPECT_EQ(AdvanceTo(wheel, 100), Fired{1});
  wheel.Cancel(&entries_[1]);  // expired: no-op
  EXPECT_EQ(wheel.size(), 0u);
}

TEST_F(TimerWheelTest, RescheduleMovesTheEntry) {
  TimerWheel wheel(kTick, kSlots, 0);
  wheel.Schedule(&entries_[0], 50);
  wheel.Schedule(&entries_[0], 20);  // earlier
  wheel.Schedule(&entries_[1], 20);
  wheel.Schedule(&entries_[1], 70);  // later
  EXPECT_EQ(wheel.size(), 2u);
  EXPECT_EQ(AdvanceTo(wheel, 20), Fired{0});
  EXPECT_EQ(AdvanceTo(wheel, 60), Fired{});
  EXPECT_EQ(AdvanceTo(wheel, 70), Fired{1});
  EXPECT_EQ(wheel.size(), 0u);
}

TEST_F(TimerWheelTest, CallbackReschedulesItsEntryIntoTheSlotBeingVisited) {
  TimerWheel wheel(kTick, kSlots, 0);
  wheel.Schedule(&entries_[0], 30);
  int calls = 0;
  auto rearm = [&](TimerEntry* e) {
    ++calls;
    wheel.Schedule(e, e->deadline_ns + kSpan);  // one rotation on: same slot
  };
  wheel.Advance(30, rearm);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(entries_[0].scheduled());
  wheel.Advance(100, rearm);
  EXPECT_EQ(calls, 1);
  wheel.Advance(110, rearm);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(entries_[0].deadline_ns, 190u);
}

TEST_F(TimerWheelTest, CallbackRearmingAtNowDoesNotLoop) {
  TimerWheel wheel(kTick, kSlots, 0);
  wheel.Schedule(&entries_[0], 30);
  int calls = 0;
  auto rearm_now = [&](TimerEntry* e) {
    ++calls;
    wheel.Schedule(e, 30);
  };
  wheel.Advance(30, rearm_now);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(wheel.NextWakeNs(), 0u);  // due again at once
  wheel.Advance(30, rearm_now);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(wheel.size(), 1u);
}

TEST_F(TimerWheelTest, CallbackCancelsOrMovesEntriesNotYetVisited) {
  TimerWheel wheel(kTick, kSlots, 0);
  wheel.Schedule(&entries_[0], 25);
  wheel.Schedule(&entries_[1], 25);  // same slot, after 0
  wheel.Schedule(&entries_[2], 26);  // same slot, after 1
  wheel.Schedule(&entries_[3], 45);  // a later slot in the same Advance
  wheel.Schedule(&entries_[4], 47);  // ditto
  Fired fired;
  wheel.Advance(50, [&](TimerEntry* e) {
    fired.push_back(Index(e));
    if (e == &entries_[0]) {
      wheel.Cancel(&entries_[1]);
      wheel.Schedule(&entries_[2], 75);
      wheel.Cancel(&entries_[3]);
      wheel.Schedule(&entries_[4], 90);
    }
  });
  EXPECT_EQ(fired, Fired{0});
  EXPECT_EQ(wheel.size(), 2u);
  EXPECT_EQ(AdvanceTo(wheel, 90), (Fired{2, 4}));
}

TEST_F(TimerWheelTest,
       CallbackSchedulingSomethingAlreadyDueWaitsForNextAdvance) {
  TimerWheel wheel(kTick, kSlots, 0);
  wheel.Schedule(&entries_[0], 15);
  wheel.Advance(60, [&](TimerEntry*) {
    wheel.Schedule(&entries_[1], 35);  // due, in a tick this Advance visits
    wheel.Schedule(&entries_[2], 75);  // not due yet
  });
  EXPECT_TRUE(entries_[1].scheduled());
  EXPECT_EQ(wheel.NextWakeNs(), 0u);
  EXPECT_EQ(AdvanceTo(wheel, 60), Fired{1});
  EXPECT_EQ(AdvanceTo(wheel, 79), Fired{});
  EXPECT_EQ(AdvanceTo(wheel, 80), Fired{2});
}

TEST_F(TimerWheelTest, DeadlineBeyondTheSpanWaitsInItsSlotUntilDue) {
  TimerWheel wheel(kTick, kSlots, 0);
  const uint64_t deadline = 3 * kSpan + 15;  // 255: slot 2, 3 rotations on
  wheel.Schedule(&entries_[0], deadline);
  for (uint64_t now = kTick; now < deadline + 5; now += kTick) {
    EXPECT_LE(wheel.NextWakeNs(), 260u);
    EXPECT_EQ(AdvanceTo(wheel, now), Fired{}) << now;
  }
  EXPECT_EQ(wheel.NextWakeNs(), 260u);  // the final rotation: exact
  EXPECT_EQ(AdvanceTo(wheel, 260), Fired{0});
}

TEST_F(TimerWheelTest, PastDeadlineExpiresAtTheNextAdvance) {
  TimerWheel wheel(kTick, kSlots, 1000);
  wheel.Schedule(&entries_[0], 5);     // before the wheel started
  wheel.Schedule(&entries_[1], 995);   // in the current tick, but past
  wheel.Schedule(&entries_[2], 1000);  // exactly now
  wheel.Schedule(&entries_[3], 1001);  // future: rounds up to 1010
  EXPECT_EQ(wheel.NextWakeNs(), 0u);
  EXPECT_EQ(AdvanceTo(wheel, 1000), (Fired{0, 1, 2}));
  EXPECT_EQ(AdvanceTo(wheel, 1009), Fired{});
  EXPECT_EQ(AdvanceTo(wheel, 1010), Fired{3});
}

TEST_F(TimerWheelTest, LargeJumpExpiresEverythingDueExactlyOnce) {
  TimerWheel wheel(kTick, kSlots, 0);
  // 40 deadlines over five rotations, and one far beyond the jump.
  for (int i = 0; i < 40; ++i) wheel.Schedule(&entries_[i], 10 * i + 5);
  wheel.Schedule(&entries_[40], 10'000);
  Fired fired = AdvanceTo(wheel, 1'000);  // 100 ticks in one call
  std::set<int> unique(fired.begin(), fired.end());
  EXPECT_EQ(fired.size(), 40u);
  EXPECT_EQ(unique.size(), 40u);
  EXPECT_EQ(*unique.rbegin(), 39);
  EXPECT_EQ(wheel.size(), 1u);
  // Ordinary ticks go on from there.
  wheel.Schedule(&entries_[41], 1'015);
  EXPECT_EQ(wheel.NextWakeNs(), 1'020u);
  EXPECT_EQ(AdvanceTo(wheel, 1'019), Fired{});
  EXPECT_EQ(AdvanceTo(wheel, 1'020), Fired{41});
  EXPECT_EQ(AdvanceTo(wheel, 9'999), Fired{});
  EXPECT_EQ(AdvanceTo(wheel, 10'000), Fired{40});
}

TEST_F(TimerWheelTest, NextWakeNsIsTheEndOfTheNextNonEmptyTick) {
  TimerWheel wheel(kTick, kSlots, 1005);
  EXPECT_EQ(wheel.NextWakeNs(), UINT64_MAX);
  wheel.Schedule(&entries_[0], 1025);
  EXPECT_EQ(wheel.NextWakeNs(), 1030u);
  wheel.Schedule(&entries_[1], 1040);
  EXPECT_EQ(wheel.NextWakeNs(), 1030u);
  EXPECT_EQ(AdvanceTo(wheel, 1030), Fired{0});
  EXPECT_EQ(wheel.NextWakeNs(), 1040u);
  wheel.Cancel(&entries_[1]);
  EXPECT_EQ(wheel.NextWakeNs(), UINT64_MAX);
  wheel.Schedule(&entries_[2], 1031);
  EXPECT_EQ(wheel.NextWakeNs(), 1040u);
  wheel.Schedule(&entries_[3], 1000);  // past
  EXPECT_EQ(wheel.NextWakeNs(), 0u);
}

TEST_F(TimerWheelTest, NextWakeNsWrapsAroundAManyWordBitmap) {
  constexpr uint32_t kManySlots = 4096;  // 64 bitmap words
  TimerWheel wheel(kTick, kManySlots, 0);
  EXPECT_EQ(AdvanceTo(wheel, 4000 * kTick), Fired{});
  wheel.Schedule(&entries_[0], 4200 * kTick - 3);  // slot 104, wrapped
  EXPECT_EQ(wheel.NextWakeNs(), 4200 * kTick);
  wheel.Schedule(&entries_[1], 4095 * kTick);  // last slot, last word
  EXPECT_EQ(wheel.NextWakeNs(), 4095 * kTick);
  wheel.Schedule(&entries_[2], 4001 * kTick);  // the very next tick
  EXPECT_EQ(wheel.NextWakeNs(), 4001 * kTick);
}

TEST_F(TimerWheelTest, SizeCountsScheduledEntries) {
  TimerWheel wheel(kTick, kSlots, 0);
  EXPECT_EQ(wheel.size(), 0u);
  for (int i = 0; i < 10; ++i) wheel.Schedule(&entries_[i], 10 * i + 1);
  EXPECT_EQ(wheel.size(), 10u);
  wheel.Schedule(&entries_[0], 500);  // a move, not a new entry
  EXPECT_EQ(wheel.size(), 10u);
  wheel.Cancel(&entries_[1]);
  EXPECT_EQ(wheel.size(), 9u);
  EXPECT_EQ(AdvanceTo(wheel, 50), (Fired{2, 3, 4}));  // 21, 31, 41
  EXPECT_EQ(wheel.size(), 6u);
}

TEST_F(TimerWheelTest, EarlierNowCountsAsTheLatest) {
  TimerWheel wheel(kTick, kSlots, 0);
  EXPECT_EQ(AdvanceTo(wheel, 100), Fired{});
  wheel.Schedule(&entries_[0], 105);
  Fired fired;
  auto record = [&](TimerEntry* e) { fired.push_back(Index(e)); };
  wheel.Advance(50, record);
  EXPECT_EQ(fired, Fired{});
  wheel.Schedule(&entries_[1], 95);  // past for the wheel, which is at 100
  wheel.Advance(60, record);
  EXPECT_EQ(fired, Fired{1});
  EXPECT_EQ(wheel.NextWakeNs(), 110u);
  EXPECT_EQ(AdvanceTo(wheel, 110), Fired{0});
}

TEST_F(TimerWheelTest, RealisticClockAndTimeouts) {
  constexpr uint64_t kMs = 1'000'000;
  const uint64_t start = 123'456'789'012'345;          // an arbitrary uptime
  TimerWheel wheel(10 * kMs, 512, start);              // span 5.12 s
  wheel.Schedule(&entries_[0], start + 3'000 * kMs);   // connect timeout
  wheel.Schedule(&entries_[1], start + 60'000 * kMs);  // idle: 11 rotations
  for (uint64_t now = start; now < start + 70'000 * kMs; now += 3 * kMs) {
    for (int i : AdvanceTo(wheel, now)) {
      const uint64_t deadline =
          i == 0 ? start + 3'000 * kMs : start + 60'000 * kMs;
      EXPECT_GE(now, deadline);
      EXPECT_LT(now, deadline + 10 * kMs + 3 * kMs);
    }
  }
  EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheelDeathTest, RejectsBadGeometryAndNestedAdvance) {
  EXPECT_DEATH(TimerWheel(0, 8, 0), "tick_ns");
  EXPECT_DEATH(TimerWheel(10, 12, 0), "power of two");
  EXPECT_DEATH(
      {
        TimerWheel wheel(kTick, kSlots, 0);
        TimerEntry entry;
        wheel.Schedule(&entry, 10);
        wheel.Advance(10, [&](TimerEntry*) { wheel.Advance(20, [](auto) {}); });
      },
      "from on_expired");
}

// 100k random operations against a reference model. The model keeps, for
// each scheduled entry, the time by which it must have expired: its
// deadline rounded up to the tick, or 0 (the next Advance) when the
// deadline was already past for the wheel. Checked: an entry expires at the
// first Advance reaching that time, never before its deadline, only while
// scheduled, and once; size() and NextWakeNs() agree with the model.
TEST(TimerWheelModelTest, MatchesAReferenceModelUnderRandomOperations) {
  constexpr uint64_t kTickNs = 10;
  constexpr uint32_t kWheelSlots = 16;
  constexpr uint64_t kWheelSpan = kTickNs * kWheelSlots;
  constexpr int kEntries = 512;
  constexpr int kOperations = 100'000;
  std::mt19937_64 rng(20240607);
  uint64_t now = 1'000'003;  // the wheel's latest Advance time
  TimerWheel wheel(kTickNs, kWheelSlots, now);
  std::vector<TimerEntry> entries(kEntries);

  std::multimap<uint64_t, int> must_by;  // must-expire-by time -> entry
  std::vector<std::multimap<uint64_t, int>::iterator> where(kEntries,
                                                            must_by.end());
  std::vector<uint64_t> deadline(kEntries);
  auto round_up = [](uint64_t t) {
    return (t + kTickNs - 1) / kTickNs * kTickNs;
  };
  auto model_cancel = [&](int id) {
    if (where[id] != must_by.end()) must_by.erase(where[id]);
    where[id] = must_by.end();
  };
  auto model_schedule = [&](int id, uint64_t d) {
    model_cancel(id);
    deadline[id] = d;
    where[id] = must_by.emplace(d <= now ? 0 : round_up(d), id);
  };
  auto random_deadline = [&]() -> uint64_t {
    switch (rng() % 6) {
      case 0:  // past, or exactly now
        return now - rng() % 300;
      case 1:  // on a tick boundary
        return round_up(now) + (rng() % 20) * kTickNs;
      case 2:  // within the current tick
        return now + 1 + rng() % kTickNs;
      case 3:  // far beyond the span
        return now + rng() % (10 * kWheelSpan);
      default:  // within the span
        return now + rng() % kWheelSpan;
    }
  };
  auto schedule = [&](int id, uint64_t d) {
    wheel.Schedule(&entries[id], d);
    model_schedule(id, d);
  };
  auto cancel = [&](int id) {
    wheel.Cancel(&entries[id]);
    model_cancel(id);
  };

  int fired = 0;
  for (int op = 0; op < kOperations && !HasFailure(); ++op) {
    const int id = static_cast<int>(rng() % kEntries);
    const uint64_t kind = rng() % 20;
    if (kind < 9) {
      schedule(id, random_deadline());
    } else if (kind < 13) {
      cancel(id);
    } else {
      uint64_t step = rng() % (3 * kTickNs);
      if (kind == 13) step = 0;
      if (kind == 14 && rng() % 8 == 0) step = rng() % (4 * kWheelSpan);
      uint64_t asked = now + step;
      if (kind == 15 && rng() % 8 == 0) asked = now - rng() % 50;  // earlier
      now = std::max(now, asked);
      // This Advance's duty: everything whose time has come. Callbacks that
      // cancel or move an entry change its duty, so they take it off.
      std::set<int> must_fire;
      for (auto it = must_by.begin(); it != must_by.end() && it->first <= now;
           ++it) {
        must_fire.insert(it->second);
      }
      wheel.Advance(asked, [&](TimerEntry* e) {
        const int i = static_cast<int>(e - entries.data());
        ASSERT_NE(where[i], must_by.end()) << "expired while not scheduled";
        EXPECT_FALSE(e->scheduled());
        EXPECT_EQ(e->deadline_ns, deadline[i]);
        EXPECT_LE(deadline[i], now) << "expired before its deadline";
        model_cancel(i);
        must_fire.erase(i);
        ++fired;
        const int other = static_cast<int>(rng() % kEntries);
        switch (rng() % 6) {
          case 0:
            schedule(i, random_deadline());  // re-arm itself
            break;
          case 1:
            cancel(other);
            must_fire.erase(other);
            break;
          case 2:
            schedule(other, random_deadline());
            must_fire.erase(other);
            break;
          default:
            break;
        }
      });
      EXPECT_TRUE(must_fire.empty())
          << must_fire.size() << " entries late at " << now;
    }
    ASSERT_EQ(wheel.size(), must_by.size());
    EXPECT_EQ(entries[id].scheduled(), where[id] != must_by.end());
    const uint64_t wake = wheel.NextWakeNs();
    if (must_by.empty()) {
      ASSERT_EQ(wake, UINT64_MAX);
    } else if (must_by.begin()->first == 0) {
      ASSERT_EQ(wake, 0u);
    } else {
      ASSERT_LE(wake, must_by.begin()->first);  // never late
      ASSERT_GT(wake, now);                     // and a tick boundary ahead
      ASSERT_EQ(wake % kTickNs, 0u);
    }
  }
  EXPECT_GT(fired, 10'000);
}

}  // namespace
}  // namespace ringway::timer
