#include "dataplane/timer/timer_wheel.h"

#include <bit>
#include <cstdio>
#include <cstdlib>

namespace ringway::timer {
namespace {

// Checked before anything divides by the tick.
uint64_t ValidTick(uint64_t tick_ns, uint32_t slots) {
  // The bound keeps the list indices (up to slots + 1) below kUnscheduled.
  if (tick_ns == 0 || !std::has_single_bit(slots) || slots > (1u << 30)) {
    std::fprintf(stderr,
                 "TimerWheel: tick_ns %llu must be > 0 and slots %u a power "
                 "of two <= 2^30\n",
                 static_cast<unsigned long long>(tick_ns), slots);
    std::abort();
  }
  return tick_ns;
}

}  // namespace

TimerWheel::TimerWheel(uint64_t tick_ns, uint32_t slots, uint64_t start_ns)
    : tick_ns_(ValidTick(tick_ns, slots)),
      mask_(slots - 1),
      overdue_(slots),
      visiting_(slots + 1),
      occupied_words_((slots + 63) / 64),
      now_ns_(start_ns),
      next_tick_(start_ns / tick_ns_ + 1),
      lists_(std::make_unique<TimerEntry[]>(slots + 2)),
      occupied_(std::make_unique<uint64_t[]>(occupied_words_)) {
  for (uint32_t i = 0; i < slots + 2; ++i) {
    lists_[i].prev = &lists_[i];
    lists_[i].next = &lists_[i];
  }
}

void TimerWheel::Schedule(TimerEntry* e, uint64_t deadline_ns) {
  if (e->scheduled()) {
    Unlink(e);
  } else {
    ++size_;
  }
  e->deadline_ns = deadline_ns;
  if (deadline_ns <= now_ns_) {
    Link(overdue_, e);
    return;
  }
  // The tick whose end the deadline rounds up to; deadline_ns > now_ns_
  // makes it >= next_tick_.
  const uint64_t tick =
      deadline_ns / tick_ns_ + (deadline_ns % tick_ns_ != 0 ? 1 : 0);
  Link(static_cast<uint32_t>(tick & mask_), e);
}

void TimerWheel::Cancel(TimerEntry* e) {
  if (!e->scheduled()) return;
  Unlink(e);
  e->bucket = TimerEntry::kUnscheduled;
  --size_;
}

uint64_t TimerWheel::NextWakeNs() const {
  if (size_ == 0) return UINT64_MAX;
  if (!Empty(lists_[overdue_])) return 0;
  // First set bit at or after the slot of next_tick_, wrapping once round.
  const uint32_t start = static_cast<uint32_t>(next_tick_ & mask_);
  uint32_t word = start / 64;
  uint64_t bits = occupied_[word] & (~uint64_t{0} << (start % 64));
  for (uint32_t i = 0; i <= occupied_words_; ++i) {
    if (bits != 0) {
      const uint32_t slot = word * 64 + std::countr_zero(bits);
      return (next_tick_ + ((slot - start) & mask_)) * tick_ns_;
    }
    // occupied_words_ is a power of two (slots are): no division here,
    // which runs once per shard loop.
    word = (word + 1) & (occupied_words_ - 1);
    bits = occupied_[word];
  }
  return 0;  // only inside Advance, with the entries on the visiting list
}

bool TimerWheel::SpliceToVisiting(uint32_t list) {
  TimerEntry* from = &lists_[list];
  if (Empty(*from)) return false;
  TimerEntry* to = &lists_[visiting_];
  to->next = from->next;
  to->prev = from->prev;
  to->next->prev = to;
  to->prev->next = to;
  from->next = from;
  from->prev = from;
  if (list <= mask_) occupied_[list / 64] &= ~(uint64_t{1} << (list % 64));
  return true;
}

void TimerWheel::AbortNestedAdvance() {
  std::fprintf(stderr, "TimerWheel: Advance called from on_expired\n");
  std::abort();
}

}  // namespace ringway::timer
