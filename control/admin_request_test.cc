#include "control/admin_request.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringway::control {
namespace {

using ::testing::HasSubstr;

TEST(AdminRequestTest, CommandsAsRingwayctlSendsThem) {
  auto stats = ParseAdminRequest("stats json\n");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->command, AdminCommand::kStats);
  EXPECT_TRUE(stats->json);

  const std::string apply =
      "routes.apply /etc/ringway/routes.textproto\nlisteners {}\n";
  auto parsed = ParseAdminRequest(apply);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->command, AdminCommand::kRoutesApply);
  EXPECT_EQ(parsed->source, "/etc/ringway/routes.textproto");
  EXPECT_EQ(parsed->body, "listeners {}\n");
  EXPECT_EQ(FormatAdminRequest(*parsed), apply);

  auto unnamed = ParseAdminRequest("routes.apply\nx\n");
  ASSERT_TRUE(unnamed.ok());
  EXPECT_EQ(unnamed->source, "ringwayctl");
  auto rollback = ParseAdminRequest("routes.rollback");
  ASSERT_TRUE(rollback.ok());
  EXPECT_EQ(rollback->command, AdminCommand::kRoutesRollback);
}

TEST(AdminRequestTest, BadRequestsSayWhatIsWrong) {
  EXPECT_THAT(ParseAdminRequest("").status().message(),
              HasSubstr("empty request"));
  EXPECT_THAT(ParseAdminRequest("\nbody").status().message(),
              HasSubstr("empty request"));
  EXPECT_THAT(ParseAdminRequest("routes.nope\n").status().message(),
              HasSubstr("unknown command \"routes.nope\""));
  EXPECT_THAT(ParseAdminRequest("stats please\n").status().message(),
              HasSubstr("stats: unexpected \"please\""));
  EXPECT_THAT(ParseAdminRequest("routes.show\nbody\n").status().message(),
              HasSubstr("routes.show takes no route table"));
  EXPECT_THAT(ParseAdminRequest("routes.apply a\x01z\n").status().message(),
              HasSubstr("unprintable source"));
  EXPECT_THAT(ParseAdminRequest(std::string(17 << 20, 'x')).status().message(),
              HasSubstr("request too large"));
}

}  // namespace
}  // namespace ringway::control
