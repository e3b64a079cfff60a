#include "dataplane/common/log_limiter.h"

#include "gtest/gtest.h"

namespace ringway {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;

// A flood: the burst is written, the rest held back and counted, and the
// first line after the refill says how many were.
TEST(LogLimiterTest, BurstThenHeldBackThenCounted) {
  LogLimiter limiter(/*burst=*/3, /*interval_ns=*/kSecond);
  uint64_t held = 99;
  int written = 0;
  for (int i = 0; i < 100; ++i) {
    if (limiter.Allow(LogReason::kProxyHeader, 1000, &held)) {
      EXPECT_EQ(held, 0u);
      ++written;
    }
  }
  EXPECT_EQ(written, 3);
  EXPECT_EQ(limiter.suppressed(LogReason::kProxyHeader), 97u);
  // A third of the interval later: one token back.
  ASSERT_TRUE(
      limiter.Allow(LogReason::kProxyHeader, 1000 + kSecond / 3 + 1, &held));
  EXPECT_EQ(held, 97u);
  EXPECT_EQ(SuppressedNote(held), " (97 similar lines suppressed)");
  EXPECT_FALSE(
      limiter.Allow(LogReason::kProxyHeader, 1000 + kSecond / 3 + 2, &held));
}

// Reasons are limited apart: a flood of one leaves the others' lines.
TEST(LogLimiterTest, ReasonsAreIndependent) {
  LogLimiter limiter(/*burst=*/2, kSecond);
  uint64_t held = 0;
  for (int i = 0; i < 10; ++i) limiter.Allow(LogReason::kHttpRequest, 5, &held);
  EXPECT_TRUE(limiter.Allow(LogReason::kClientHello, 5, &held));
  EXPECT_EQ(held, 0u);
  EXPECT_EQ(limiter.suppressed(LogReason::kClientHello), 0u);
  EXPECT_EQ(limiter.suppressed(LogReason::kHttpRequest), 8u);
}

// A quiet reason refills to the burst, not beyond.
TEST(LogLimiterTest, RefillStopsAtTheBurst) {
  LogLimiter limiter(/*burst=*/2, kSecond);
  uint64_t held = 0;
  EXPECT_TRUE(limiter.Allow(LogReason::kTlsHandshake, 0, &held));
  int written = 0;
  for (int i = 0; i < 10; ++i) {
    written += limiter.Allow(LogReason::kTlsHandshake, 100 * kSecond, &held);
  }
  EXPECT_EQ(written, 2);
  EXPECT_EQ(SuppressedNote(0), "");
  EXPECT_EQ(SuppressedNote(1), " (1 similar line suppressed)");
}

}  // namespace
}  // namespace ringway
