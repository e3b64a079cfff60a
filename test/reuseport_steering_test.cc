// The reuseport cBPF program sends a connection to the shard pinned to the
// CPU that received it. On loopback the SYN is processed on the connecting
// thread's CPU, so a client pinned to CPU c must be accepted by c's shard.

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <thread>

#include "control/ringway_server.h"
#include "dataplane/stats/shard_stats.h"
#include "gtest/gtest.h"
#include "test/support/proxy_fixture.h"
#include "test/support/tcp_client.h"
#include "test/support/test_backend.h"

namespace ringway::test {
namespace {

using stats::Counter;

TEST(ReusePortSteeringTest, ShardOnTheClientsCpuAcceptsIt) {
  std::vector<int> cpus = control::AllowedCpus();
  if (cpus.size() < 2) GTEST_SKIP() << "needs two CPUs";
  TestBackend echo;
  auto proxy = StartProxy(TcpTable({echo.address()}), /*shards=*/2);
  ASSERT_NE(proxy, nullptr);
  constexpr int kPerCpu = 20;
  for (int s = 0; s < 2; ++s) {
    std::thread client([&] {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(proxy->shard_cpu(s), &set);
      ASSERT_EQ(pthread_setaffinity_np(pthread_self(), sizeof(set), &set), 0);
      for (int i = 0; i < kPerCpu; ++i) {
        int fd = ConnectTo(proxy->listener_address("l4"));
        ASSERT_GE(fd, 0);
        ASSERT_TRUE(SendAll(fd, "hi\n"));
        ASSERT_EQ(ReadLine(fd), "hi");
        close(fd);
      }
    });
    client.join();
    EXPECT_EQ(proxy->shard(s).stats().Get(Counter::kConnectionsTotal),
              static_cast<uint64_t>(kPerCpu))
        << "shard " << s << " on cpu " << proxy->shard_cpu(s);
  }
}

}  // namespace
}  // namespace ringway::test
