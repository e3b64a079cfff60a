#include "dataplane/tls/ticket_keys.h"

#include "gtest/gtest.h"

namespace ringway::tls {
namespace {

const absl::Time kNoon = absl::FromUnixSeconds(1'800'000'000);

TEST(TicketKeysTest, SameSecretSameKeysEverywhere) {
  auto a = TicketKeySource::FromSecret(std::string(32, 's'), absl::Hours(1));
  auto b = TicketKeySource::FromSecret(std::string(32, 's'), absl::Hours(1));
  ASSERT_TRUE(a.ok() && b.ok());
  TicketKeyCache shard0(*a), shard1(*b);
  EXPECT_EQ(shard0.Current(kNoon).name, shard1.Current(kNoon).name);
  EXPECT_EQ(shard0.Current(kNoon).aes_key, shard1.Current(kNoon).aes_key);
  EXPECT_EQ(shard0.Current(kNoon).hmac_key, shard1.Current(kNoon).hmac_key);
}

TEST(TicketKeysTest, DifferentSecretsDifferentKeys) {
  auto a = TicketKeySource::FromSecret(std::string(32, 's'), absl::Hours(1));
  auto b = TicketKeySource::FromSecret(std::string(32, 't'), absl::Hours(1));
  TicketKeyCache shard0(*a), shard1(*b);
  EXPECT_NE(shard0.Current(kNoon).aes_key, shard1.Current(kNoon).aes_key);
}

TEST(TicketKeysTest, RotatesEachPeriodAndAcceptsThePreviousKeyForRenewal) {
  auto source =
      TicketKeySource::FromSecret(std::string(40, 'x'), absl::Hours(1));
  ASSERT_TRUE(source.ok());
  TicketKeyCache cache(*source);
  const TicketKey first = cache.Current(kNoon);
  const absl::Time next_hour = kNoon + absl::Hours(1);
  const TicketKey second = cache.Current(next_hour);
  EXPECT_NE(first.name, second.name);
  EXPECT_NE(first.aes_key, second.aes_key);
  bool renew = true;
  EXPECT_NE(cache.Find(second.name.data(), next_hour, &renew), nullptr);
  EXPECT_FALSE(renew);
  const TicketKey* previous = cache.Find(first.name.data(), next_hour, &renew);
  ASSERT_NE(previous, nullptr);
  EXPECT_TRUE(renew);
  EXPECT_EQ(previous->aes_key, first.aes_key);
  // Two periods on, the first key no longer opens anything.
  EXPECT_EQ(cache.Find(first.name.data(), kNoon + absl::Hours(2), &renew),
            nullptr);
}

TEST(TicketKeysTest, ShortSecretIsRefused) {
  auto source = TicketKeySource::FromSecret("short", absl::Hours(1));
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find("needs 32"), std::string::npos);
}

TEST(TicketKeysTest, RandomSourcesDiffer) {
  TicketKeyCache a(TicketKeySource::Random(absl::Hours(1)));
  TicketKeyCache b(TicketKeySource::Random(absl::Hours(1)));
  EXPECT_NE(a.Current(kNoon).aes_key, b.Current(kNoon).aes_key);
}

}  // namespace
}  // namespace ringway::tls
