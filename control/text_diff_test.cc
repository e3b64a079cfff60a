#include "control/text_diff.h"

#include "gtest/gtest.h"

namespace ringway::control {
namespace {

TEST(LineDiffTest, EqualTextsHaveNoDiff) {
  EXPECT_EQ(LineDiff("a\nb\n", "a\nb\n"), "");
}

TEST(LineDiffTest, MarksRemovedAndAddedLinesInOrder) {
  EXPECT_EQ(LineDiff("a\nb\nc\n", "a\nc\nd\n"), "  a\n- b\n  c\n+ d\n");
}

TEST(LineDiffTest, ReplacedLine) {
  EXPECT_EQ(LineDiff("x: 1\n", "x: 2\n"), "- x: 1\n+ x: 2\n");
}

}  // namespace
}  // namespace ringway::control
