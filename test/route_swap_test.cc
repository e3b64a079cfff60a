// Live route-table swaps: a connection keeps the table it started with, an
// old table is freed when its last connection closes, a bad table changes
// nothing, and forty applies in a row under traffic fail no connection.
// Run under --config=tsan too: this is the control-to-shard handoff.

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "dataplane/stats/shard_stats.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/support/eventually.h"
#include "test/support/proxy_fixture.h"
#include "test/support/tcp_client.h"
#include "test/support/test_backend.h"

namespace ringway::test {
namespace {

using stats::Counter;

int OpenTagged(const control::RingwayServer& proxy, std::string* tag) {
  int fd = ConnectTo(proxy.listener_address("l4"));
  *tag = fd < 0 ? "" : ReadLine(fd);
  return fd;
}

TEST(RouteSwapTest, ConnectionKeepsItsTableAndOldTableDiesWithIt) {
  TestBackend a("A"), b("B");
  auto proxy = StartProxy(TcpTable({a.address()}));
  ASSERT_NE(proxy, nullptr);
  std::weak_ptr<const route::RouteSnapshot> first = proxy->routes().current();
  std::string tag;
  int old_connection = OpenTagged(*proxy, &tag);
  ASSERT_EQ(tag, "A");

  auto applied = proxy->routes().Apply(TcpTable({b.address()}), "test");
  ASSERT_TRUE(applied.applied);
  int new_connection = OpenTagged(*proxy, &tag);
  EXPECT_EQ(tag, "B");
  // The old connection still relays, to the server its table chose.
  ASSERT_TRUE(SendAll(old_connection, "still A\n"));
  EXPECT_EQ(ReadLine(old_connection), "still A");
  // Its shard still holds table 1 for it.
  EXPECT_FALSE(first.expired());
  close(old_connection);
  EXPECT_TRUE(Eventually([&] { return first.expired(); }))
      << "table 1 outlived its last connection";
  close(new_connection);
}

TEST(RouteSwapTest, RejectedTableChangesNothing) {
  TestBackend a("A");
  auto proxy = StartProxy(TcpTable({a.address()}));
  ASSERT_NE(proxy, nullptr);
  auto before = proxy->routes().current();
  auto outcome = proxy->routes().Apply(
      TcpTable({"127.0.0.1:notaport"}) + "upstream_groups { name: \"g\" }",
      "test");
  EXPECT_FALSE(outcome.applied);
  EXPECT_EQ(outcome.errors.size(), 3u);
  EXPECT_EQ(proxy->routes().current(), before);
  std::string tag;
  close(OpenTagged(*proxy, &tag));
  EXPECT_EQ(tag, "A");
}

TEST(RouteSwapTest, ChangingTheListenerSetIsRejected) {
  TestBackend a("A");
  auto proxy = StartProxy(TcpTable({a.address()}));
  ASSERT_NE(proxy, nullptr);
  std::string moved = TcpTable({a.address()});
  moved.replace(moved.find("127.0.0.1:0"), 11, "127.0.0.1:1");
  auto outcome = proxy->routes().Apply(moved, "test");
  ASSERT_FALSE(outcome.applied);
  EXPECT_NE(outcome.errors[0].find("needs a restart"), std::string::npos);
}

// The listening sockets stay open across an apply, so their options cannot
// follow it: the table is refused rather than shown but not in force.
TEST(RouteSwapTest, ChangingListeningSocketOptionsIsRejected) {
  TestBackend a("A");
  auto proxy = StartProxy(TcpTable({a.address()}));
  ASSERT_NE(proxy, nullptr);
  auto before = proxy->routes().current();
  for (const char* fields : {"defer_accept: true", "backlog: 16"}) {
    auto outcome = proxy->routes().Apply(TcpTable({a.address()}, fields), "t");
    ASSERT_FALSE(outcome.applied) << fields;
    EXPECT_NE(outcome.errors[0].find("changing backlog or defer_accept needs "
                                     "a restart"),
              std::string::npos)
        << outcome.errors[0];
  }
  EXPECT_EQ(proxy->routes().current(), before);
}

TEST(RouteSwapTest, RollbackRestoresThePreviousRouting) {
  TestBackend a("A"), b("B");
  auto proxy = StartProxy(TcpTable({a.address()}));
  ASSERT_NE(proxy, nullptr);
  ASSERT_TRUE(proxy->routes().Apply(TcpTable({b.address()}), "t").applied);
  std::string tag;
  close(OpenTagged(*proxy, &tag));
  EXPECT_EQ(tag, "B");
  auto rolled = proxy->routes().Rollback();
  ASSERT_TRUE(rolled.applied);
  EXPECT_EQ(rolled.snapshot->version, 3u);
  close(OpenTagged(*proxy, &tag));
  EXPECT_EQ(tag, "A");
  EXPECT_FALSE(proxy->routes().Rollback().applied);  // history exhausted
}

// Which backend each table sends to, and when it was live, on a logical
// clock that the applier and the clients tick (no wall-clock time).
struct TableWindow {
  std::string tag;
  uint64_t live_from = 0;                                      // apply started
  uint64_t live_until = std::numeric_limits<uint64_t>::max();  // next applied
  int served_while_sole = 0;  // connections run while it was the only one
};

TEST(RouteSwapTest, FortyAppliesUnderTrafficFailNoConnection) {
  TestBackend a("A"), b("B");
  auto proxy = StartProxy(TcpTable({a.address()}));
  ASSERT_NE(proxy, nullptr);
  constexpr int kApplies = 40;
  // Before the next apply, each table serves this many connections that
  // began and ended while it was the only live table: traffic runs through
  // every table, however fast or slow the machine.
  constexpr int kConnectionsPerTable = 3;
  std::atomic<uint64_t> ticks{1};  // the logical clock
  std::mutex mu;
  std::vector<TableWindow> windows = {{"A", 0}};
  // Index of the table whose apply has returned and no later apply has
  // begun; -1 while an apply is running.
  std::atomic<int> sole_table{0};
  std::atomic<bool> done{false};
  std::vector<std::string> applier_failures;  // read after join
  std::thread applier([&] {
    for (int i = 1; i <= kApplies; ++i) {
      std::string tag = i % 2 ? "B" : "A";
      size_t previous;
      {
        // Recorded before Apply: a shard may serve from it at once.
        std::lock_guard<std::mutex> lock(mu);
        previous = windows.size() - 1;
        sole_table = -1;
        windows.push_back({tag, ticks.fetch_add(1)});
      }
      auto outcome =
          proxy->routes().Apply(TcpTable({(i % 2 ? b : a).address()}), "swap");
      if (!outcome.applied) {
        applier_failures.push_back(absl::StrCat(
            "apply ", i, " rejected: ", absl::StrJoin(outcome.errors, "; ")));
        break;
      }
      {
        // Every shard has swapped: the previous table takes no new
        // connections from here on.
        std::lock_guard<std::mutex> lock(mu);
        windows[previous].live_until = ticks.fetch_add(1);
        sole_table = i;
      }
      // Let traffic run on this table before replacing it, instead of a
      // fixed pause: bounded, so a stalled proxy fails the test.
      bool served = Eventually([&] {
        std::lock_guard<std::mutex> lock(mu);
        return windows[i].served_while_sole >= kConnectionsPerTable;
      });
      if (!served) {
        applier_failures.push_back(
            absl::StrCat("table ", i, " served no traffic within 5 s"));
        break;
      }
    }
    done = true;
  });
  std::atomic<int> served{0}, failed{0}, wrong_table{0};
  auto client = [&] {
    while (!done) {
      int sole_at_start = sole_table.load();
      uint64_t start = ticks.fetch_add(1);
      std::string tag;
      int fd = OpenTagged(*proxy, &tag);
      bool ok = fd >= 0 && SendAll(fd, "x\n") && ReadLine(fd) == "x";
      uint64_t end = ticks.fetch_add(1);
      if (fd >= 0) close(fd);
      if (!ok || tag.empty()) {
        ++failed;
        continue;
      }
      ++served;
      // The table that served it must have been live at some instant
      // between the client's connect and its answer.
      std::lock_guard<std::mutex> lock(mu);
      bool possible = false;
      for (const TableWindow& w : windows) {
        if (w.tag == tag && w.live_from <= end && w.live_until >= start) {
          possible = true;
        }
      }
      if (!possible) ++wrong_table;
      // Begun and ended while one table was the only one live: it served.
      if (sole_at_start >= 0 && sole_table.load() == sole_at_start) {
        ++windows[sole_at_start].served_while_sole;
      }
    }
  };
  std::thread c1(client), c2(client);
  applier.join();
  c1.join();
  c2.join();
  EXPECT_THAT(applier_failures, testing::IsEmpty());
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(wrong_table.load(), 0);
  EXPECT_GE(served.load(), kApplies * kConnectionsPerTable);
  EXPECT_GT(a.accepted(), 0);
  EXPECT_GT(b.accepted(), 0);
  EXPECT_EQ(proxy->routes().current()->version, 1u + kApplies);
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kConnectionsOpen) == 0; }));
}

}  // namespace
}  // namespace ringway::test
