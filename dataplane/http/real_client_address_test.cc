#include "dataplane/http/real_client_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

#include "dataplane/address/cidr.h"
#include "dataplane/http/http_test_util.h"
#include "gtest/gtest.h"

namespace ringway::http {
namespace {

// A socket address (port 1234) from an IPv4 or IPv6 literal.
sockaddr_storage Peer(const char* ip) {
  sockaddr_storage out{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(1234);
  } else if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(1234);
  } else {
    ADD_FAILURE() << "not an IP: " << ip;
  }
  return out;
}

route::RealIpFromHeader Trusting(const char* network) {
  route::RealIpFromHeader config;
  config.enabled = true;
  config.trusted = {*address::Cidr::Parse(network)};
  return config;
}

// Parses a GET with `fields` ("Name: value\r\n" lines) added.
std::string RealIp(const route::RealIpFromHeader& config, const char* peer,
                   const std::string& fields) {
  ParsedRequest parsed("GET / HTTP/1.1\r\nHost: a.test\r\n" + fields + "\r\n");
  EXPECT_EQ(parsed.status(), codec::HttpParseStatus::kComplete);
  return RealClientIp(config, Peer(peer), parsed.request().headers);
}

TEST(IpTextTest, PrintsAddressWithoutPort) {
  EXPECT_EQ(IpText(Peer("192.0.2.1")), "192.0.2.1");
  EXPECT_EQ(IpText(Peer("2001:DB8:0::1")), "2001:db8::1");
  EXPECT_EQ(IpText(Peer("::ffff:192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(IpText(Peer("::1")), "::1");
  EXPECT_EQ(IpText(sockaddr_storage{}), "");
}

TEST(RealClientIpTest, DisabledOrUntrustedPeerIsTheClient) {
  const std::string xff = "X-Forwarded-For: 198.51.100.1\r\n";
  route::RealIpFromHeader disabled = Trusting("10.0.0.0/8");
  disabled.enabled = false;
  EXPECT_EQ(RealIp(disabled, "10.0.0.9", xff), "10.0.0.9");
  EXPECT_EQ(RealIp(Trusting("10.0.0.0/8"), "192.0.2.1", xff), "192.0.2.1");
  EXPECT_EQ(RealIp(Trusting("10.0.0.0/8"), "::ffff:192.0.2.1", xff),
            "192.0.2.1");
}

TEST(RealClientIpTest, TrustedPeerWithoutHeaderIsTheClient) {
  EXPECT_EQ(RealIp(Trusting("10.0.0.0/8"), "10.0.0.9", ""), "10.0.0.9");
  EXPECT_EQ(RealIp(Trusting("10.0.0.0/8"), "10.0.0.9",
                   "X-Forwarded-For: \r\nX-Forwarded-For: ,,\r\n"),
            "10.0.0.9");
}

TEST(RealClientIpTest, RightmostOfAllInstances) {
  const std::string fields =
      "X-Forwarded-For: 198.51.100.1, 10.0.0.2\r\n"
      "Accept: */*\r\n"
      "x-forwarded-for: 10.0.0.3 ,\r\n";
  EXPECT_EQ(RealIp(Trusting("10.0.0.0/8"), "10.0.0.9", fields), "10.0.0.3");
  EXPECT_EQ(RealIp(Trusting("10.0.0.0/8"), "::ffff:10.0.0.9", fields),
            "10.0.0.3");
}

TEST(RealClientIpTest, RecursiveSkipsTrustedFromTheRight) {
  route::RealIpFromHeader config = Trusting("10.0.0.0/8");
  config.recursive = true;
  EXPECT_EQ(RealIp(config, "10.0.0.9",
                   "X-Forwarded-For: 203.0.113.5, 198.51.100.1, 10.0.0.2\r\n"
                   "X-Forwarded-For: 10.0.0.3\r\n"),
            "198.51.100.1");
  // All trusted: the leftmost.
  EXPECT_EQ(
      RealIp(config, "10.0.0.9", "X-Forwarded-For: 10.1.1.1, 10.0.0.2\r\n"),
      "10.1.1.1");
  EXPECT_EQ(
      RealIp(config, "10.0.0.9", "X-Forwarded-For: 2001:db8::5, 10.0.0.2\r\n"),
      "2001:db8::5");
}

TEST(RealClientIpTest, InvalidElementKeepsThePeer) {
  route::RealIpFromHeader config = Trusting("10.0.0.0/8");
  EXPECT_EQ(RealIp(config, "10.0.0.9", "X-Forwarded-For: 1.2.3.4, unknown\r\n"),
            "10.0.0.9");
  EXPECT_EQ(RealIp(config, "10.0.0.9", "X-Forwarded-For: 192.0.2.1:80\r\n"),
            "10.0.0.9");
  EXPECT_EQ(RealIp(config, "10.0.0.9", "X-Forwarded-For: [2001:db8::1]\r\n"),
            "10.0.0.9");
  EXPECT_EQ(RealIp(config, "10.0.0.9",
                   "X-Forwarded-For: "
                   "1111:2222:3333:4444:5555:6666:123.123.123.123.1\r\n"),
            "10.0.0.9");
  // Non-recursive: only the rightmost is read.
  EXPECT_EQ(RealIp(config, "10.0.0.9", "X-Forwarded-For: junk, 1.2.3.4\r\n"),
            "1.2.3.4");
  // Recursive: an invalid element walked over stops the walk.
  config.recursive = true;
  EXPECT_EQ(RealIp(config, "10.0.0.9",
                   "X-Forwarded-For: 1.2.3.4, junk, 10.0.0.2\r\n"),
            "10.0.0.9");
}

TEST(RealClientIpTest, OtherHeaderAndPrintedBackClean) {
  route::RealIpFromHeader config = Trusting("10.0.0.0/8");
  config.header = "x-real-ip";
  EXPECT_EQ(
      RealIp(config, "10.0.0.9",
             "X-Forwarded-For: 1.2.3.4\r\nX-Real-IP: 2001:DB8:0:0::7\r\n"),
      "2001:db8::7");
  EXPECT_EQ(RealIp(config, "10.0.0.9", "X-Forwarded-For: 1.2.3.4\r\n"),
            "10.0.0.9");
}

}  // namespace
}  // namespace ringway::http
