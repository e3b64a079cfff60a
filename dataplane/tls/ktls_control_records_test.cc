#include "dataplane/tls/ktls_control_records.h"

#include <vector>

#include "gtest/gtest.h"

namespace ringway::tls {
namespace {

TEST(KtlsControlRecordsTest, SplitsAndClassifiesHandshakeMessages) {
  // A NewSessionTicket (5-byte body) and a KeyUpdate (1-byte body) in one
  // record.
  const std::vector<uint8_t> record = {4, 0, 0,  5, 1, 2, 3,
                                       4, 5, 24, 0, 0, 1, 0};
  std::vector<HandshakeMessage> messages;
  ASSERT_TRUE(SplitHandshakeMessages(record, &messages));
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].bytes.size(), 9u);
  EXPECT_EQ(ClassifyHandshakeMessage(messages[0]),
            KtlsControl::kNewSessionTicket);
  EXPECT_EQ(ClassifyHandshakeMessage(messages[1]), KtlsControl::kKeyUpdate);
  // A ClientHello after the handshake is not something to act on.
  EXPECT_EQ(ClassifyHandshakeMessage({1, {}}), KtlsControl::kUnexpected);
}

TEST(KtlsControlRecordsTest, RefusesMessagesRunningPastTheRecord) {
  std::vector<HandshakeMessage> messages;
  EXPECT_FALSE(
      SplitHandshakeMessages(std::vector<uint8_t>{4, 0, 0, 9, 1}, &messages));
  EXPECT_FALSE(
      SplitHandshakeMessages(std::vector<uint8_t>{4, 0, 0}, &messages));
  EXPECT_TRUE(SplitHandshakeMessages(std::vector<uint8_t>{}, &messages));
  EXPECT_TRUE(messages.empty());
}

TEST(KtlsControlRecordsTest, ClassifiesAlerts) {
  EXPECT_EQ(ClassifyAlert(std::vector<uint8_t>{1, 0}),
            KtlsControl::kCloseNotify);
  EXPECT_EQ(ClassifyAlert(std::vector<uint8_t>{2, 40}),
            KtlsControl::kFatalAlert);  // handshake_failure
  EXPECT_EQ(ClassifyAlert(std::vector<uint8_t>{1, 90}),
            KtlsControl::kFatalAlert);  // user_canceled: ends it too
  EXPECT_EQ(ClassifyAlert(std::vector<uint8_t>{1}), KtlsControl::kUnexpected);
}

}  // namespace
}  // namespace ringway::tls
