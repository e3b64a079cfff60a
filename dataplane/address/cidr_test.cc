#include "dataplane/address/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "gtest/gtest.h"

namespace ringway::address {
namespace {

sockaddr_storage Address(const char* text) {
  sockaddr_storage s{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&s);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&s);
  if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
  } else {
    EXPECT_EQ(inet_pton(AF_INET6, text, &v6->sin6_addr), 1);
    v6->sin6_family = AF_INET6;
  }
  return s;
}

TEST(CidrTest, MatchesInsideAndNotOutside) {
  auto net = Cidr::Parse("10.1.0.0/16");
  ASSERT_TRUE(net.ok());
  EXPECT_TRUE(net->Contains(Address("10.1.255.3")));
  EXPECT_FALSE(net->Contains(Address("10.2.0.1")));
  EXPECT_FALSE(net->Contains(Address("::1")));
  EXPECT_EQ(net->ToString(), "10.1.0.0/16");
}

TEST(CidrTest, BareAddressIsOneHostAndHostBitsAreMasked) {
  auto host = Cidr::Parse("127.0.0.1");
  ASSERT_TRUE(host.ok());
  EXPECT_TRUE(host->Contains(Address("127.0.0.1")));
  EXPECT_FALSE(host->Contains(Address("127.0.0.2")));
  EXPECT_EQ(Cidr::Parse("192.168.7.9/24")->ToString(), "192.168.7.0/24");
}

TEST(CidrTest, Ipv6AndMappedIpv4) {
  auto v6 = Cidr::Parse("2001:db8::/32");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->Contains(Address("2001:db8:1::5")));
  EXPECT_FALSE(v6->Contains(Address("2001:db9::5")));
  EXPECT_TRUE(
      Cidr::Parse("127.0.0.0/8")->Contains(Address("::ffff:127.0.0.2")));
  EXPECT_TRUE(Cidr::Parse("0.0.0.0/0")->Contains(Address("8.8.8.8")));
}

TEST(CidrTest, RejectsBadInputWithReasons) {
  EXPECT_NE(Cidr::Parse("10.0.0.0/33").status().message().find("0-32"),
            std::string::npos);
  EXPECT_NE(Cidr::Parse("::/129").status().message().find("0-128"),
            std::string::npos);
  EXPECT_FALSE(Cidr::Parse("10.0.0.0/").ok());
  EXPECT_FALSE(Cidr::Parse("10.0.0.0/8x").ok());
  EXPECT_FALSE(Cidr::Parse("example.org/8").ok());
}

}  // namespace
}  // namespace ringway::address
