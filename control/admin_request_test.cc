#include "control/admin_request.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringway::control {
namespace {

using ::testing::HasSubstr;

std::string Error(std::string_view bytes) {
  absl::StatusOr<admin::Request> request = ParseAdminRequest(bytes);
  return request.ok() ? "<accepted>" : std::string(request.status().message());
}

TEST(AdminRequestTest, CommandsAsRingwayctlSendsThem) {
  admin::Request stats;
  stats.mutable_get_stats();
  auto parsed_stats = ParseAdminRequest(FormatAdminRequest(stats));
  ASSERT_TRUE(parsed_stats.ok()) << parsed_stats.status();
  EXPECT_EQ(parsed_stats->command_case(), admin::Request::kGetStats);

  admin::Request apply;
  apply.mutable_apply_routes()->set_table("listeners {}\n");
  apply.mutable_apply_routes()->set_source("/etc/ringway/routes.textproto");
  auto parsed = ParseAdminRequest(FormatAdminRequest(apply));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->apply_routes().source(), "/etc/ringway/routes.textproto");
  EXPECT_EQ(parsed->apply_routes().table(), "listeners {}\n");

  apply.mutable_apply_routes()->clear_source();
  auto unnamed = ParseAdminRequest(FormatAdminRequest(apply));
  ASSERT_TRUE(unnamed.ok());
  EXPECT_EQ(unnamed->apply_routes().source(), "ringwayctl");

  admin::Request rollback;
  rollback.mutable_rollback_routes();
  auto parsed_rollback = ParseAdminRequest(FormatAdminRequest(rollback));
  ASSERT_TRUE(parsed_rollback.ok());
  EXPECT_EQ(parsed_rollback->command_case(), admin::Request::kRollbackRoutes);
}

TEST(AdminRequestTest, BadRequestsSayWhatIsWrong) {
  EXPECT_THAT(Error(""), HasSubstr("empty request"));
  // Bytes that are not a Request; the old text protocol happens to parse
  // as fields this version does not know, so it names no command.
  EXPECT_THAT(Error(std::string("\xff\xff\xff", 3)),
              HasSubstr("not an admin request"));
  EXPECT_THAT(Error("routes.show\n"), HasSubstr("not an admin request"));
  EXPECT_THAT(Error("stats json\n"), HasSubstr("names no command"));
  // A valid message with no command: a field this version does not know.
  EXPECT_THAT(Error(std::string("\xa0\x06\x01", 3)),
              HasSubstr("names no command"));
  admin::Request apply;
  apply.mutable_apply_routes();
  EXPECT_THAT(Error(FormatAdminRequest(apply)),
              HasSubstr("apply_routes.table: required"));
  apply.mutable_apply_routes()->set_table("x");
  apply.mutable_apply_routes()->set_source("a\x01z");
  EXPECT_THAT(Error(FormatAdminRequest(apply)),
              HasSubstr("apply_routes.source: printable"));
  apply.mutable_apply_routes()->set_source(
      std::string(kMaxAdminSourceBytes + 1, 's'));
  EXPECT_THAT(Error(FormatAdminRequest(apply)),
              HasSubstr("apply_routes.source: printable"));
  admin::Request diff;
  diff.mutable_diff_routes();
  EXPECT_THAT(Error(FormatAdminRequest(diff)),
              HasSubstr("diff_routes.table: required"));
  EXPECT_THAT(Error(std::string(17 << 20, 'x')),
              HasSubstr("request too large"));
}

}  // namespace
}  // namespace ringway::control
