#include "dataplane/stats/ktls_counts.h"

#include "gtest/gtest.h"

namespace ringway::stats {
namespace {

// Summing shards for `ringwayctl stats`: counts add up, and the reason
// shown is the latest fallback's, whichever shard saw it.
TEST(KtlsCountsTest, MergeAddsAndKeepsTheLatestReason) {
  KtlsCounts shard0;
  shard0.connections = 3;
  shard0.Fallback("cipher ECDHE-RSA-AES128-SHA has no kernel TLS", 100);
  KtlsCounts shard1;
  shard1.connections = 2;
  shard1.Fallback("kernel: TCP_ULP tls: No such file or directory", 200);

  KtlsCounts sum;
  sum.Merge(shard0);
  sum.Merge(shard1);
  EXPECT_EQ(sum.connections, 5u);
  EXPECT_EQ(sum.fallbacks, 2u);
  EXPECT_EQ(sum.last_fallback,
            "kernel: TCP_ULP tls: No such file or directory");

  KtlsCounts reversed;
  reversed.Merge(shard1);
  reversed.Merge(shard0);
  EXPECT_EQ(reversed.last_fallback, sum.last_fallback);
}

TEST(KtlsCountsTest, AShardWithoutFallbacksKeepsTheReason) {
  KtlsCounts shard0;
  shard0.Fallback("cipher refused by the kernel", 100);
  KtlsCounts shard1;
  shard1.connections = 7;  // no fallback, clock 0
  KtlsCounts sum;
  sum.Merge(shard0);
  sum.Merge(shard1);
  EXPECT_EQ(sum.last_fallback, "cipher refused by the kernel");
  EXPECT_EQ(sum.connections, 7u);
}

}  // namespace
}  // namespace ringway::stats
