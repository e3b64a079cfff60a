// The reuseport cBPF program sends a connection to the shard pinned to the
// CPU that received it. On loopback the SYN is processed on the connecting
// thread's CPU, so a client pinned to CPU c must be accepted by c's shard.

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

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
    const int cpu = proxy->shard_cpu(s);
    // The client thread reports back; the assertions run here, so a
    // failure there cannot be lost or leave this loop half done.
    int pinned = -1;
    int ran_on = -1;
    int echoed = 0;
    std::string failure;
    std::thread client([&] {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      pinned = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
      if (pinned != 0) return;
      ran_on = sched_getcpu();
      for (int i = 0; i < kPerCpu; ++i) {
        int fd = ConnectTo(proxy->listener_address("l4"));
        if (fd < 0) {
          failure = "connect " + std::to_string(i) + " failed";
          return;
        }
        bool ok = SendAll(fd, "hi\n") && ReadLine(fd) == "hi";
        close(fd);
        if (!ok) {
          failure = "connection " + std::to_string(i) + " was not echoed";
          return;
        }
        ++echoed;
      }
    });
    client.join();
    ASSERT_EQ(pinned, 0) << "cannot pin a thread to cpu " << cpu;
    ASSERT_EQ(ran_on, cpu);
    ASSERT_EQ(failure, "");
    ASSERT_EQ(echoed, kPerCpu);
    // Every connection was accepted (and so counted) before its echo came
    // back: the count is final here.
    EXPECT_EQ(proxy->shard(s).stats().Get(Counter::kConnectionsTotal),
              static_cast<uint64_t>(kPerCpu))
        << "shard " << s << " on cpu " << cpu;
  }
}

}  // namespace
}  // namespace ringway::test
