// Waits, bounded, for a condition that settles shortly after what a test
// observed (counters the shard updates after the client saw its last byte).

#ifndef RINGWAY_TEST_SUPPORT_EVENTUALLY_H_
#define RINGWAY_TEST_SUPPORT_EVENTUALLY_H_

#include <chrono>
#include <thread>

namespace ringway::test {

template <typename Predicate>
bool Eventually(Predicate predicate, int timeout_ms = 5000) {
  for (int waited = 0; waited < timeout_ms; waited += 5) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return predicate();
}

}  // namespace ringway::test

#endif  // RINGWAY_TEST_SUPPORT_EVENTUALLY_H_
