#include "dataplane/address/ip_text.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace ringway::address {
namespace {

sockaddr_storage V4(uint32_t host_order, uint16_t port) {
  sockaddr_storage storage{};
  auto& v4 = reinterpret_cast<sockaddr_in&>(storage);
  v4.sin_family = AF_INET;
  v4.sin_addr.s_addr = htonl(host_order);
  v4.sin_port = htons(port);
  return storage;
}

sockaddr_storage V6(const char* text, uint16_t port) {
  sockaddr_storage storage{};
  auto& v6 = reinterpret_cast<sockaddr_in6&>(storage);
  v6.sin6_family = AF_INET6;
  EXPECT_EQ(inet_pton(AF_INET6, text, &v6.sin6_addr), 1) << text;
  v6.sin6_port = htons(port);
  return storage;
}

std::string Ntop(uint32_t host_order) {
  in_addr address{htonl(host_order)};
  char text[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, &address, text, sizeof(text));
}

TEST(IpTextTest, Ipv4LikeInetNtop) {
  // Every digit count in every position, and the edges.
  const uint32_t cases[] = {0x00000000, 0xffffffff, 0x7f000001, 0xcb007107,
                            0x0a09630a, 0x64636409, 0x01020304, 0xc0a80001,
                            0x090a6364, 0xc8c9fafb};
  for (uint32_t value : cases) {
    EXPECT_EQ(IpText(V4(value, 80)).view(), Ntop(value));
  }
  // And a sweep of one byte through all its values in each position.
  for (int shift = 0; shift < 32; shift += 8) {
    for (uint32_t byte = 0; byte < 256; ++byte) {
      const uint32_t value = 0x0a141e28 ^ (byte << shift);
      ASSERT_EQ(IpText(V4(value, 1)).view(), Ntop(value));
    }
  }
}

TEST(IpTextTest, Ipv6AndMappedIpv4) {
  EXPECT_EQ(IpText(V6("2001:db8::1", 443)).view(), "2001:db8::1");
  EXPECT_EQ(IpText(V6("::1", 443)).view(), "::1");
  EXPECT_EQ(IpText(V6("::ffff:192.0.2.33", 443)).view(), "192.0.2.33");
  EXPECT_EQ(IpText(V6("fe80::aaaa:bbbb:cccc:dddd", 1)).view(),
            "fe80::aaaa:bbbb:cccc:dddd");
}

TEST(IpTextTest, OtherFamiliesAreEmpty) {
  sockaddr_storage storage{};
  storage.ss_family = AF_UNIX;
  EXPECT_EQ(IpText(storage).view(), "");
  EXPECT_EQ(PortOf(storage), 0);
}

TEST(IpTextTest, PortOf) {
  EXPECT_EQ(PortOf(V4(0x7f000001, 51234)), 51234);
  EXPECT_EQ(PortOf(V6("::1", 65535)), 65535);
}

}  // namespace
}  // namespace ringway::address
