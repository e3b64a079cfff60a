// The example tables in test/configs (which the README points at) compile:
// they name certificate files that exist only on a real host, so every
// error must be such a file that cannot be read.

#include <fstream>
#include <sstream>
#include <string>

#include "control/config_compiler.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringway {
namespace {

using ::testing::HasSubstr;

TEST(ConfigExamplesTest, CompileExceptForTheirFiles) {
  for (const char* path :
       {"test/configs/https_edge.textproto", "test/configs/reencrypt.textproto",
        "test/configs/seed_scenario.textproto"}) {
    std::ifstream in(path);
    ASSERT_TRUE(in) << path;
    std::stringstream text;
    text << in.rdbuf();
    control::CompileResult result = control::CompileConfigText(text.str());
    ASSERT_FALSE(result.errors.empty()) << path;
    for (const std::string& error : result.errors) {
      EXPECT_THAT(error, HasSubstr("cannot read \"/etc/ringway/")) << path;
    }
  }
}

}  // namespace
}  // namespace ringway
