#include "dataplane/upstream/server_health.h"

#include "gtest/gtest.h"

namespace ringway::upstream {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;

route::HealthCheck Check(uint32_t rise, uint32_t fall) {
  route::HealthCheck check;
  check.kind = route::HealthCheckKind::kTcp;
  check.rise = rise;
  check.fall = fall;
  return check;
}

TEST(ServerHealthTest, FallFailuresInARowTakeAServerOut) {
  ServerState server;
  const route::HealthCheck check = Check(2, 3);
  EXPECT_EQ(RecordCheckResult(server, check, false), CheckTransition::kNone);
  EXPECT_EQ(RecordCheckResult(server, check, false), CheckTransition::kNone);
  // A pass breaks the run.
  EXPECT_EQ(RecordCheckResult(server, check, true), CheckTransition::kNone);
  EXPECT_EQ(RecordCheckResult(server, check, false), CheckTransition::kNone);
  EXPECT_EQ(RecordCheckResult(server, check, false), CheckTransition::kNone);
  EXPECT_TRUE(Available(server, 0));
  EXPECT_EQ(RecordCheckResult(server, check, false),
            CheckTransition::kWentDown);
  EXPECT_FALSE(Available(server, 0));
  EXPECT_FALSE(Available(server, 1000 * kSecond));  // no timer brings it back
  // Further failures change nothing.
  EXPECT_EQ(RecordCheckResult(server, check, false), CheckTransition::kNone);
  EXPECT_EQ(server.checks_failed, 6u);
  EXPECT_EQ(server.checks_passed, 1u);
  EXPECT_EQ(server.marked_down, 1u);
}

TEST(ServerHealthTest, RisePassesInARowBringItBack) {
  ServerState server;
  const route::HealthCheck check = Check(2, 1);
  ASSERT_EQ(RecordCheckResult(server, check, false),
            CheckTransition::kWentDown);
  EXPECT_EQ(RecordCheckResult(server, check, true), CheckTransition::kNone);
  EXPECT_EQ(RecordCheckResult(server, check, false), CheckTransition::kNone);
  EXPECT_EQ(RecordCheckResult(server, check, true), CheckTransition::kNone);
  EXPECT_FALSE(Available(server, 0));
  EXPECT_EQ(RecordCheckResult(server, check, true), CheckTransition::kCameBack);
  EXPECT_TRUE(Available(server, 0));
}

TEST(ServerHealthTest, WithChecksPassiveFailuresWaitForRiseNotATimer) {
  ServerState server;
  route::UpstreamGroup group;
  group.max_fails = 2;
  group.fail_timeout_ns = 10 * kSecond;
  group.health_check = Check(2, 3);
  server.checked = true;
  EXPECT_FALSE(RecordFailure(server, group, 0));
  EXPECT_TRUE(RecordFailure(server, group, kSecond));
  EXPECT_FALSE(Available(server, kSecond));
  EXPECT_FALSE(Available(server, 100 * kSecond));  // fail_timeout is moot
  EXPECT_EQ(RecordCheckResult(server, group.health_check, true),
            CheckTransition::kNone);
  EXPECT_EQ(RecordCheckResult(server, group.health_check, true),
            CheckTransition::kCameBack);
  EXPECT_TRUE(Available(server, 100 * kSecond));
}

TEST(ServerHealthTest, WithoutChecksPassiveFailuresLastFailTimeout) {
  ServerState server;
  route::UpstreamGroup group;
  group.max_fails = 1;
  group.fail_timeout_ns = 10 * kSecond;
  // The group (of an older table) has checks, but the shard's current
  // table no longer checks the server: nothing would bring it back.
  group.health_check = Check(2, 3);
  EXPECT_TRUE(RecordFailure(server, group, kSecond));
  EXPECT_FALSE(server.check_down);
  EXPECT_FALSE(Available(server, 5 * kSecond));
  EXPECT_TRUE(Available(server, 11 * kSecond));
}

TEST(ServerHealthTest, APassBringingAServerBackClearsPassiveHealth) {
  ServerState server;
  route::UpstreamGroup group;
  group.max_fails = 1;
  group.fail_timeout_ns = 10 * kSecond;
  ASSERT_TRUE(RecordFailure(server, group, kSecond));  // down until 11 s
  const route::HealthCheck check = Check(1, 1);
  ASSERT_EQ(RecordCheckResult(server, check, false),
            CheckTransition::kWentDown);
  ASSERT_EQ(RecordCheckResult(server, check, true), CheckTransition::kCameBack);
  EXPECT_TRUE(Available(server, 2 * kSecond));
}

TEST(ServerHealthTest, AForgottenVerdictPutsTheServerBack) {
  ServerState server;
  ASSERT_EQ(RecordCheckResult(server, Check(2, 1), false),
            CheckTransition::kWentDown);
  ForgetCheckVerdict(server);
  EXPECT_TRUE(Available(server, 0));
}

}  // namespace
}  // namespace ringway::upstream
