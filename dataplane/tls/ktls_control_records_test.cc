#include "dataplane/tls/ktls_control_records.h"

#include <span>
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

TEST(KtlsControlRecordsTest, PostHandshakeTicketsFromTheServerAreKept) {
  // Two NewSessionTickets (3- and 1-byte bodies) in one record.
  const std::vector<uint8_t> record = {4, 0, 0, 3, 7, 8, 9, 4, 0, 0, 1, 6};
  std::vector<std::span<const uint8_t>> tickets;
  ASSERT_EQ(ReadPostHandshakeRecord(record, /*from_server=*/true, &tickets),
            PostHandshakeRecord::kTickets);
  ASSERT_EQ(tickets.size(), 2u);
  EXPECT_EQ(std::vector<uint8_t>(tickets[0].begin(), tickets[0].end()),
            (std::vector<uint8_t>{4, 0, 0, 3, 7, 8, 9}));
  EXPECT_EQ(std::vector<uint8_t>(tickets[1].begin(), tickets[1].end()),
            (std::vector<uint8_t>{4, 0, 0, 1, 6}));
  // A client sends no tickets (RFC 8446 4.6.1).
  EXPECT_EQ(ReadPostHandshakeRecord(record, /*from_server=*/false, &tickets),
            PostHandshakeRecord::kUnexpected);
}

TEST(KtlsControlRecordsTest, PostHandshakeKeyUpdateAndTheRest) {
  std::vector<std::span<const uint8_t>> tickets;
  // A ticket, then a KeyUpdate: the connection must end.
  EXPECT_EQ(ReadPostHandshakeRecord(
                std::vector<uint8_t>{4, 0, 0, 1, 6, 24, 0, 0, 1, 0},
                /*from_server=*/true, &tickets),
            PostHandshakeRecord::kKeyUpdate);
  EXPECT_EQ(ReadPostHandshakeRecord(std::vector<uint8_t>{24, 0, 0, 1, 1},
                                    /*from_server=*/false, &tickets),
            PostHandshakeRecord::kKeyUpdate);
  // A Finished, an empty record, a message running past the record.
  for (const std::vector<uint8_t>& record :
       {std::vector<uint8_t>{20, 0, 0, 1, 0}, std::vector<uint8_t>{},
        std::vector<uint8_t>{4, 0, 0, 9, 1}}) {
    EXPECT_EQ(ReadPostHandshakeRecord(record, /*from_server=*/true, &tickets),
              PostHandshakeRecord::kUnexpected);
  }
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
