// A hashed timer wheel for one shard's deadlines (connect, idle and peek
// timeouts, the drain deadline). Entries live inside their owners, so
// scheduling allocates nothing, and resolution is one tick. Shard-local.
//
//   TimerWheel wheel(10 * kNsPerMs, 512, MonotonicNowNs());
//   wheel.Schedule(&conn->deadline, now_ns + connect_timeout_ns);
//   wait_for_completions(wheel.NextWakeNs());  // UINT64_MAX: no deadline
//   wheel.Advance(MonotonicNowNs(), [](TimerEntry* e) { OnDeadline(e); });

#ifndef RINGWAY_DATAPLANE_TIMER_TIMER_WHEEL_H_
#define RINGWAY_DATAPLANE_TIMER_TIMER_WHEEL_H_

#include <cstddef>
#include <cstdint>
#include <memory>

namespace ringway::timer {

// One deadline, embedded in the object it belongs to (a connection, a
// listener); the owner finds itself again from the pointer Advance hands
// back. While scheduled the wheel's lists own prev, next and bucket: change
// the entry only through the wheel.
// NOTE: Cancel a scheduled entry before its owner is destroyed, moved or
// overwritten: its neighbours on the list point at it.
struct TimerEntry {
  static constexpr uint32_t kUnscheduled = UINT32_MAX;

  uint64_t deadline_ns = 0;  // monotonic; valid while scheduled
  TimerEntry* prev = nullptr;
  TimerEntry* next = nullptr;
  uint32_t bucket = kUnscheduled;  // the list it is on (the wheel's business)

  bool scheduled() const { return bucket != kUnscheduled; }
};

// Deadlines at tick resolution: an entry expires at the first Advance whose
// now_ns reaches its deadline rounded up to a multiple of tick_ns -- never
// before the deadline, at most one tick after it. Ticks are multiples of
// tick_ns on the monotonic clock, so deadlines on a boundary are exact. A
// deadline that is already past when scheduled (not after the latest
// Advance's now_ns) expires at the very next Advance.
//
// Slot i holds the entries whose rounded deadline is a tick t with
// t % slots == i. Visiting a slot compares deadlines, so a deadline beyond
// the span (slots * tick_ns) waits in its slot, skipped once per rotation,
// until due. Pick the span to cover the common timeouts (connect, peek);
// longer ones (idle) cost one look per rotation.
//
// Shard-local: not thread-safe, no locks, no allocation after construction.
class TimerWheel {
 public:
  // tick_ns: resolution (e.g. 10 ms); slots: a power of two (e.g. 512);
  // start_ns: now, on the clock every later call uses. Aborts on a zero tick
  // or slots not a power of two: a programming error, not input.
  TimerWheel(uint64_t tick_ns, uint32_t slots, uint64_t start_ns);
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // O(1). Re-scheduling a scheduled entry moves it.
  void Schedule(TimerEntry* e, uint64_t deadline_ns);

  // O(1); a no-op if e is not scheduled.
  void Cancel(TimerEntry* e);

  // Calls on_expired(TimerEntry*) once for each due entry, after unlinking
  // it (so it is unscheduled when the callback runs). Visits every tick
  // since the previous Advance, in order, so entries expire by deadline tick
  // and, within a tick, in the order scheduled. After a gap longer than a
  // rotation each slot is visited just once: everything due still expires,
  // in slot order.
  //
  // on_expired may Schedule or Cancel any entry: the one given, and others
  // not yet visited (a cancelled one will not be reported). An entry it
  // schedules with a deadline <= now_ns expires at the next Advance, not this
  // one, so a callback that re-arms "now" cannot loop. It must not call
  // Advance. A now_ns earlier than a previous one counts as that one.
  template <typename Fn>
  void Advance(uint64_t now_ns, Fn&& on_expired);

  // The earliest monotonic time the owner must call Advance again, for the
  // io_uring wait timeout: the end of the next tick whose slot is non-empty,
  // which is never later than the earliest deadline rounded up to the tick.
  // 0 when an entry is already due (scheduled in the past); UINT64_MAX when
  // nothing is scheduled. A slot holding only deadlines beyond the span
  // gives one early wake-up per rotation, which Advance handles as a no-op.
  // Cost: O(1) with a count of scheduled entries, then a scan of a bitmap of
  // non-empty slots -- at most slots / 64 + 1 words, and one word when a
  // deadline is near. Meaningful outside Advance.
  uint64_t NextWakeNs() const;

  // Scheduled entries.
  size_t size() const { return size_; }

 private:
  static bool Empty(const TimerEntry& head) { return head.next == &head; }

  static void UnlinkFromList(TimerEntry* e) {
    e->prev->next = e->next;
    e->next->prev = e->prev;
    e->prev = nullptr;
    e->next = nullptr;
  }

  // Appends e to list `list` (a slot or overdue_) and records
  // the list as e's home.
  void Link(uint32_t list, TimerEntry* e) {
    TimerEntry* head = &lists_[list];
    e->bucket = list;
    e->prev = head->prev;
    e->next = head;
    head->prev->next = e;
    head->prev = e;
    if (list <= mask_) occupied_[list / 64] |= uint64_t{1} << (list % 64);
  }

  // Takes e off whichever list it is on. e->bucket still names its home
  // slot while Advance visits it, so the slot's bit stays right either way.
  void Unlink(TimerEntry* e) {
    UnlinkFromList(e);
    const uint32_t list = e->bucket;
    if (list <= mask_ && Empty(lists_[list])) {
      occupied_[list / 64] &= ~(uint64_t{1} << (list % 64));
    }
  }

  // Moves all of list `list` onto the (empty) visiting list in O(1); false
  // if there was nothing to move.
  bool SpliceToVisiting(uint32_t list);

  // Expires the due entries of list `list` and puts the rest back. The list
  // is spliced out first, so entries that callbacks add to it meanwhile are
  // not visited in this pass, and an entry a callback cancels or moves is
  // simply no longer on the visiting list.
  template <typename Fn>
  void Visit(uint32_t list, uint64_t now_ns, Fn& on_expired);

  static void AbortNestedAdvance();

  const uint64_t tick_ns_;
  const uint32_t mask_;      // slots - 1
  const uint32_t overdue_;   // list index: scheduled in the past
  const uint32_t visiting_;  // list index: spliced out by Advance
  const uint32_t occupied_words_;

  // Latest Advance time (or start_ns): deadlines not after it are overdue.
  uint64_t now_ns_;
  // First tick not yet visited; every slot entry's rounded tick is >= it.
  uint64_t next_tick_;
  size_t size_ = 0;
  bool advancing_ = false;

  // slots list heads (circular, sentinel), then overdue_, then visiting_.
  std::unique_ptr<TimerEntry[]> lists_;
  // Bit i set iff slot i is non-empty; keeps NextWakeNs off the lists.
  std::unique_ptr<uint64_t[]> occupied_;
};

template <typename Fn>
void TimerWheel::Advance(uint64_t now_ns, Fn&& on_expired) {
  if (advancing_) AbortNestedAdvance();
  advancing_ = true;
  if (now_ns > now_ns_) now_ns_ = now_ns;
  now_ns = now_ns_;
  Visit(overdue_, now_ns, on_expired);
  const uint64_t now_tick = now_ns / tick_ns_;  // the latest tick now reaches
  if (now_tick >= next_tick_) {
    uint64_t tick = next_tick_;
    // More than a rotation behind: each slot once is enough, since a visit
    // expires everything due in the slot whatever its rotation.
    if (now_tick - tick > mask_) tick = now_tick - mask_;
    next_tick_ = now_tick + 1;  // before callbacks, which may Schedule
    for (; tick <= now_tick; ++tick) {
      Visit(static_cast<uint32_t>(tick & mask_), now_ns, on_expired);
    }
  }
  advancing_ = false;
}

template <typename Fn>
void TimerWheel::Visit(uint32_t list, uint64_t now_ns, Fn& on_expired) {
  if (!SpliceToVisiting(list)) return;
  TimerEntry* visiting = &lists_[visiting_];
  while (!Empty(*visiting)) {
    TimerEntry* e = visiting->next;
    UnlinkFromList(e);
    if (e->deadline_ns > now_ns) {
      Link(list, e);  // a later rotation
      continue;
    }
    e->bucket = TimerEntry::kUnscheduled;
    --size_;
    on_expired(e);
  }
}

}  // namespace ringway::timer

#endif  // RINGWAY_DATAPLANE_TIMER_TIMER_WHEEL_H_
