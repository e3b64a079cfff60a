#include "dataplane/tls/record_boundary.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace ringway::tls {
namespace {

// An application-data record with `length` bytes of body.
std::vector<uint8_t> Record(size_t length) {
  std::vector<uint8_t> r = {23, 3, 3, static_cast<uint8_t>(length >> 8),
                            static_cast<uint8_t>(length)};
  r.resize(kRecordHeaderBytes + length, 0xab);
  return r;
}

std::vector<uint8_t> Concat(std::vector<uint8_t> a,
                            const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(RecordBoundaryTest, EmptyIsABoundary) {
  EXPECT_EQ(WholeRecordsLength({}), 0u);
  EXPECT_EQ(BytesToRecordEnd({}), 0u);
}

TEST(RecordBoundaryTest, WholeRecordsEndAtABoundary) {
  std::vector<uint8_t> two = Concat(Record(100), Record(16401));
  EXPECT_EQ(WholeRecordsLength(two), two.size());
  EXPECT_EQ(BytesToRecordEnd(two), 0u);
  std::vector<uint8_t> empty_body = Record(0);
  EXPECT_EQ(WholeRecordsLength(empty_body), 5u);
}

TEST(RecordBoundaryTest, APartialBodyNeedsItsRest) {
  std::vector<uint8_t> bytes = Concat(Record(100), Record(300));
  bytes.resize(105 + 5 + 120);
  EXPECT_EQ(WholeRecordsLength(bytes), 105u);
  EXPECT_EQ(BytesToRecordEnd(bytes), 180u);
}

TEST(RecordBoundaryTest, APartialHeaderNeedsTheRestOfTheHeaderFirst) {
  std::vector<uint8_t> bytes = Concat(Record(10), Record(300));
  for (size_t cut = 1; cut < kRecordHeaderBytes; ++cut) {
    std::vector<uint8_t> partial(bytes.begin(), bytes.begin() + 15 + cut);
    EXPECT_EQ(WholeRecordsLength(partial), 15u) << cut;
    EXPECT_EQ(BytesToRecordEnd(partial), kRecordHeaderBytes - cut) << cut;
  }
  // With the header whole, the body's length counts.
  std::vector<uint8_t> header(bytes.begin(), bytes.begin() + 20);
  EXPECT_EQ(BytesToRecordEnd(header), 300u);
}

}  // namespace
}  // namespace ringway::tls
