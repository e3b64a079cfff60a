// The admin socket's commands as ringwayctl uses them
// (control/admin_protocol.h): one serialized admin::Request per
// connection, then EOF; the answer is a serialized admin::Reply. Routes
// show/apply/diff/rollback and stats, each reply checked.

#include <string>

#include "control/admin_server_test_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringway::control::admin_test {
namespace {

using stats::Counter;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

TEST_F(AdminServerTest, RoutesShowDescribesTheRunningTable) {
  auto current = server_->routes().current();
  admin::Reply reply = Exchange(Show());
  EXPECT_EQ(reply.status(), admin::Reply::OK);
  const admin::RouteTable& table = reply.route_table();
  EXPECT_EQ(table.version(), 1u);
  EXPECT_EQ(table.content_hash(), current->content_hash);
  EXPECT_EQ(table.source(), "test");
  EXPECT_THAT(table.applied_at(),
              testing::MatchesRegex("20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9]"
                                    "[0-9]:[0-9][0-9]:[0-9][0-9]\\+00:00"));
  EXPECT_EQ(table.listeners(), 1u);
  EXPECT_EQ(table.upstream_groups(), 1u);
  EXPECT_EQ(table.config(), current->config_text);
  // ringwayctl's text of it.
  EXPECT_THAT(RouteTableText(table),
              StartsWith("version: 1\ncontent_hash: " + current->content_hash +
                         "\nsource: test\napplied_at: "));
  EXPECT_THAT(RouteTableText(table),
              HasSubstr("\nlisteners: 1\nupstream_groups: 1\n---\n" +
                        current->config_text));
}

TEST_F(AdminServerTest, ApplyOfAValidTablePublishesANewVersion) {
  admin::Reply reply =
      Exchange(Apply(Table(second_.address()), "next.textproto"));
  auto current = server_->routes().current();
  EXPECT_EQ(reply.status(), admin::Reply::OK);
  EXPECT_EQ(reply.message(),
            "applied: version 2, content hash " + current->content_hash);
  EXPECT_TRUE(reply.errors().empty());
  EXPECT_EQ(reply.route_table().version(), 2u);
  EXPECT_EQ(current->version, 2u);
  EXPECT_EQ(current->source, "next.textproto");
  EXPECT_THAT(current->config_text, HasSubstr(second_.address()));
  // Published: the shard serves new connections from it.
  EXPECT_EQ(shard_version(), 2u);
  const admin::RouteTable shown = Exchange(Show()).route_table();
  EXPECT_EQ(shown.version(), 2u);
  EXPECT_EQ(shown.content_hash(), current->content_hash);
  EXPECT_EQ(shown.source(), "next.textproto");
}

TEST_F(AdminServerTest, ApplyWithoutASourceNamesRingwayctl) {
  admin::Reply reply = Exchange(Apply(Table(second_.address()), ""));
  EXPECT_THAT(reply.message(), StartsWith("applied: version 2, "));
  EXPECT_EQ(server_->routes().current()->source, "ringwayctl");
}

TEST_F(AdminServerTest, ApplyOfAnInvalidTableIsRejectedWithItsErrors) {
  auto before = server_->routes().current();
  admin::Reply reply = Exchange(Apply(kBadTable, "bad.textproto"));
  EXPECT_EQ(reply.status(), admin::Reply::REJECTED);
  EXPECT_EQ(reply.message(),
            "rejected: 2 error(s); the running route table is unchanged");
  EXPECT_THAT(
      std::vector<std::string>(reply.errors().begin(), reply.errors().end()),
      UnorderedElementsAre(
          "listeners[0].tcp_proxy.upstream_group: unknown upstream group "
          "\"nope\"",
          StartsWith("upstream_groups[0].servers[0].address: bad port")));
  EXPECT_EQ(server_->routes().current(), before);
  EXPECT_EQ(version(), 1u);
  EXPECT_EQ(shard_version(), 1u);
  // A rejected table does not use up a version number either.
  EXPECT_THAT(Exchange(Apply(Table(second_.address()), "")).message(),
              StartsWith("applied: version 2, "));
}

TEST_F(AdminServerTest, ApplyThatMovesAListenerIsRejected) {
  std::string moved = Table(second_.address());
  moved.replace(moved.find("127.0.0.1:0"), 11, "127.0.0.1:1");
  admin::Reply reply = Exchange(Apply(moved, "moved"));
  EXPECT_EQ(reply.status(), admin::Reply::REJECTED);
  EXPECT_EQ(reply.message(),
            "rejected: 1 error(s); the running route table is unchanged");
  ASSERT_EQ(reply.errors_size(), 1);
  EXPECT_THAT(reply.errors(0), HasSubstr("needs a restart"));
  EXPECT_EQ(version(), 1u);
  EXPECT_EQ(shard_version(), 1u);
}

TEST_F(AdminServerTest, DiffShowsTheChangeAndAppliesNothing) {
  auto before = server_->routes().current();
  admin::Reply reply = Exchange(Diff(Table(second_.address())));
  EXPECT_EQ(reply.status(), admin::Reply::OK);
  EXPECT_EQ(reply.message(), "changes");
  std::vector<std::string> removed, added;
  for (const std::string& line : Lines(reply.diff())) {
    if (line.rfind("- ", 0) == 0) removed.push_back(line);
    if (line.rfind("+ ", 0) == 0) added.push_back(line);
  }
  EXPECT_THAT(removed, ElementsAre(HasSubstr(first_.address())));
  EXPECT_THAT(added, ElementsAre(HasSubstr(second_.address())));
  EXPECT_EQ(server_->routes().current(), before);
}

TEST_F(AdminServerTest, DiffOfTheRunningTableHasNoChanges) {
  admin::Reply reply = Exchange(Diff(Table(first_.address())));
  EXPECT_EQ(reply.status(), admin::Reply::OK);
  EXPECT_EQ(reply.message(), "no changes");
  EXPECT_EQ(reply.diff(), "");
}

TEST_F(AdminServerTest, DiffOfAnInvalidTableIsRejected) {
  admin::Reply reply = Exchange(Diff(kBadTable));
  EXPECT_EQ(reply.status(), admin::Reply::REJECTED);
  EXPECT_EQ(reply.message(),
            "rejected: 2 error(s); the running route table is unchanged");
  EXPECT_EQ(reply.errors_size(), 2);
  EXPECT_EQ(version(), 1u);
}

TEST_F(AdminServerTest, RollbackReturnsToThePreviousTableAsANewVersion) {
  auto first = server_->routes().current();
  ASSERT_THAT(Exchange(Apply(Table(second_.address()), "next")).message(),
              StartsWith("applied: version 2, "));
  ASSERT_EQ(shard_version(), 2u);
  admin::Reply reply = Exchange(Rollback());
  EXPECT_EQ(reply.status(), admin::Reply::OK);
  EXPECT_EQ(reply.message(),
            "rolled back: now version 3 (rollback to version 1 (test)), "
            "content hash " +
                first->content_hash);
  auto current = server_->routes().current();
  EXPECT_EQ(current->version, 3u);
  EXPECT_EQ(current->config_text, first->config_text);
  EXPECT_EQ(shard_version(), 3u);
  // Version 2 is not kept for a second rollback: history is exhausted.
  admin::Reply again = Exchange(Rollback());
  EXPECT_EQ(again.status(), admin::Reply::REJECTED);
  EXPECT_THAT(
      std::vector<std::string>(again.errors().begin(), again.errors().end()),
      ElementsAre("no earlier route table to roll back to"));
  EXPECT_EQ(version(), 3u);
}

TEST_F(AdminServerTest, RollbackWithoutHistoryIsRejected) {
  admin::Reply reply = Exchange(Rollback());
  EXPECT_EQ(reply.status(), admin::Reply::REJECTED);
  EXPECT_EQ(reply.message(),
            "rejected: 1 error(s); the running route table is unchanged");
  EXPECT_THAT(
      std::vector<std::string>(reply.errors().begin(), reply.errors().end()),
      ElementsAre("no earlier route table to roll back to"));
  EXPECT_EQ(version(), 1u);
}

// One client through "l4", whose only upstream refuses: the proxy closes
// it, and three counters move (total, refused, unavailable).
void OneRefusedConnection(const RingwayServer& server) {
  int fd = ConnectTcp(server.listener_address("l4"));
  ASSERT_GE(fd, 0);
  EXPECT_EQ(ReadReply(fd), "");  // closed by the proxy, nothing relayed
  close(fd);
  ASSERT_TRUE(WaitFor([&] {
    return server.Total(Counter::kUpstreamUnavailable) == 1 &&
           server.Total(Counter::kConnectionsOpen) == 0;
  }));
  ASSERT_EQ(server.Total(Counter::kConnectionsTotal), 1u);
  ASSERT_EQ(server.Total(Counter::kUpstreamConnectRefused), 1u);
}

TEST_F(AdminServerTest, StatsCountEveryCounterPerShardAndInTotal) {
  ASSERT_NO_FATAL_FAILURE(OneRefusedConnection(*server_));
  admin::Reply reply = Exchange(GetStats());
  EXPECT_EQ(reply.status(), admin::Reply::OK);
  const admin::Stats& stats = reply.stats();
  ASSERT_EQ(stats.shards_size(), 1);
  EXPECT_EQ(stats.shards(0).shard(), 0u);
  EXPECT_EQ(stats.shards(0).snapshot_version(), 1u);
  for (int c = 0; c < static_cast<int>(Counter::kNumCounters); ++c) {
    const Counter counter = static_cast<Counter>(c);
    const std::string name(stats::CounterName(counter));
    ASSERT_TRUE(stats.total().contains(name)) << name;
    EXPECT_EQ(stats.total().at(name), server_->Total(counter)) << name;
    EXPECT_EQ(stats.shards(0).counters().at(name), server_->Total(counter))
        << name;
  }
  EXPECT_EQ(stats.total().at("connections_total"), 1u);
  EXPECT_EQ(stats.total().at("upstream_connect_refused"), 1u);
  EXPECT_EQ(stats.total().at("upstream_unavailable"), 1u);
  // The refused server, out of rotation.
  ASSERT_EQ(stats.upstreams_size(), 1);
  const admin::UpstreamServer& server = stats.upstreams(0);
  EXPECT_EQ(server.group(), "g");
  EXPECT_EQ(server.server(), first_.address());
  EXPECT_FALSE(server.tls());
  EXPECT_THAT(server.state(), StartsWith("down"));
  EXPECT_EQ(server.connects_ok(), 0u);
  EXPECT_EQ(server.connect_failures(), 1u);
  EXPECT_EQ(server.marked_down(), 1u);
  EXPECT_EQ(server.check(), "");
  EXPECT_EQ(server.ktls_connections(), 0u);
  ASSERT_EQ(stats.listeners_size(), 1);
  EXPECT_EQ(stats.listeners(0).listener(), "l4");
  EXPECT_EQ(stats.listeners(0).ktls_connections(), 0u);
}

// ringwayctl's tables of the same stats: a row per counter in ringway's
// order, the servers, kTLS by listener.
TEST_F(AdminServerTest, StatsTextListsEveryCounter) {
  ASSERT_NO_FATAL_FAILURE(OneRefusedConnection(*server_));
  const std::string text = StatsText(Exchange(GetStats()).stats());
  std::vector<std::string> lines = Lines(text);
  // Counters (header + one per counter), upstream servers (header + the
  // one server), then kTLS by listener (header + the one listener).
  ASSERT_EQ(lines.size(), 5u + static_cast<int>(Counter::kNumCounters));
  std::vector<std::string> header =
      absl::StrSplit(lines[0], ' ', absl::SkipEmpty());
  EXPECT_THAT(header,
              ElementsAre("counter", StartsWith("shard0/cpu"), "total"));
  for (int c = 0; c < static_cast<int>(Counter::kNumCounters); ++c) {
    Counter counter = static_cast<Counter>(c);
    std::vector<std::string> row =
        absl::StrSplit(lines[1 + c], ' ', absl::SkipEmpty());
    std::string value = std::to_string(server_->Total(counter));
    // name, shard 0, total: one shard, so both are the total.
    EXPECT_THAT(row, ElementsAre(std::string(stats::CounterName(counter)),
                                 value, value));
  }
  const size_t servers = 1 + static_cast<int>(Counter::kNumCounters);
  EXPECT_THAT(lines[servers], StartsWith("group "));
  std::vector<std::string> row =
      absl::StrSplit(lines[servers + 1], ' ', absl::SkipEmpty());
  // group server tls state(2 words) active idle connects failures downs
  // reuses tls_full resumed tls_err check chk_ok chk_fail ktls ktls_fb.
  ASSERT_EQ(row.size(), 19u) << lines[servers + 1];
  EXPECT_EQ(row[0], "g");
  EXPECT_EQ(row[2], "no");
  EXPECT_EQ(row[3], "down");
  EXPECT_EQ(row[7], "0");   // connects
  EXPECT_EQ(row[8], "1");   // failures
  EXPECT_EQ(row[9], "1");   // times taken out
  EXPECT_EQ(row[14], "-");  // no active health checks
  EXPECT_EQ(row[17], "0");  // kTLS
  EXPECT_THAT(lines[servers + 2], StartsWith("listener "));
  std::vector<std::string> listener =
      absl::StrSplit(lines[servers + 3], ' ', absl::SkipEmpty());
  EXPECT_THAT(listener, ElementsAre("l4", "0", "0", "-"));
}

// Nobody else on the host drives ringway: the socket is mode 0600 in a
// directory of mode 0700, and even with both loosened a client of another
// uid is refused (by SO_PEERCRED) without an answer, while ringway's own
// user is served.

}  // namespace
}  // namespace ringway::control::admin_test
