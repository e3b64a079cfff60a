#include "dataplane/address/socket_address.h"

#include "gtest/gtest.h"

namespace ringway::address {
namespace {

TEST(SocketAddressTest, ParsesAndPrintsBothFamilies) {
  auto v4 = SocketAddress::Parse("127.0.0.1:8080");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->family(), AF_INET);
  EXPECT_EQ(v4->port(), 8080);
  EXPECT_EQ(v4->ToString(), "127.0.0.1:8080");
  auto v6 = SocketAddress::Parse("[::1]:443");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->family(), AF_INET6);
  EXPECT_EQ(v6->ToString(), "[::1]:443");
}

TEST(SocketAddressTest, RejectsWithSpecificReasons) {
  EXPECT_NE(SocketAddress::Parse("localhost:80")
                .status()
                .message()
                .find("host names are not resolved"),
            std::string::npos);
  EXPECT_NE(
      SocketAddress::Parse("1.2.3.4:70000").status().message().find("bad port"),
      std::string::npos);
  EXPECT_NE(SocketAddress::Parse("1.2.3.4").status().message().find(
                "want \"IPv4:port\""),
            std::string::npos);
  EXPECT_FALSE(SocketAddress::Parse("[::1]443").ok());
  EXPECT_FALSE(SocketAddress::Parse("[zz::1]:443").ok());
  EXPECT_FALSE(SocketAddress::Parse("1.2.3.4:").ok());
  EXPECT_FALSE(SocketAddress::Parse("1.2.3.4:-1").ok());
}

}  // namespace
}  // namespace ringway::address
