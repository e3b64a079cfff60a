#include "dataplane/codec/proxy_protocol_parser.h"

#include <string>
#include <vector>

#include "dataplane/codec/proxy_protocol_test_util.h"
#include "gtest/gtest.h"

namespace ringway::codec {
namespace {

using Status = ProxyHeaderStatus;

// TCP4 address block: 192.0.2.1:56324 -> 198.51.100.2:443.
const Bytes kTcp4Addresses = {192, 0, 2,    1,    198,  51,
                              100, 2, 0xdc, 0x04, 0x01, 0xbb};

Bytes Tcp6Addresses() {
  Bytes out = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const Bytes dst = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                     0,    0,    0,    0,    0, 0, 0, 2};
  out.insert(out.end(), dst.begin(), dst.end());
  out.insert(out.end(), {0x30, 0x39, 0x01, 0xbb});  // 12345, 443
  return out;
}

Bytes Concat(std::vector<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

class ProxyProtocolParserTest : public ::testing::Test {
 protected:
  Status Parse(const Bytes& data) { return ParseProxyHeader(data, &header_); }
  Status Parse(const std::string& text) { return Parse(ToBytes(text)); }

  ProxyHeader header_;
};

TEST_F(ProxyProtocolParserTest, V1Tcp4) {
  const std::string text = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n";
  ASSERT_EQ(Parse(text), Status::kComplete);
  EXPECT_EQ(header_.version(), 1);
  EXPECT_FALSE(header_.local());
  EXPECT_EQ(EndpointText(header_.source()), "192.0.2.1:56324");
  EXPECT_EQ(EndpointText(header_.destination()), "198.51.100.2:443");
  EXPECT_EQ(header_.header_length(), text.size());
  EXPECT_EQ(header_.alpn(), "");
  EXPECT_EQ(header_.authority(), "");
}

TEST_F(ProxyProtocolParserTest, V1Tcp6) {
  ASSERT_EQ(Parse("PROXY TCP6 2001:db8::1 ::ffff:192.0.2.9 0 65535\r\n"),
            Status::kComplete);
  EXPECT_EQ(EndpointText(header_.source()), "[2001:db8::1]:0");
  EXPECT_EQ(EndpointText(header_.destination()), "[::ffff:192.0.2.9]:65535");
}

TEST_F(ProxyProtocolParserTest, V1Unknown) {
  for (const std::string text :
       {"PROXY UNKNOWN\r\n", "PROXY UNKNOWN ffff:: ffff:: 1 2\r\n",
        "PROXY UNKNOWN anything at all\r\n"}) {
    ASSERT_EQ(Parse(text), Status::kComplete) << text;
    EXPECT_EQ(header_.version(), 1);
    EXPECT_TRUE(header_.local());
    EXPECT_EQ(header_.source().ss_family, AF_UNSPEC);
    EXPECT_EQ(header_.header_length(), text.size());
  }
}

TEST_F(ProxyProtocolParserTest, V1LengthLimit) {
  // 107 bytes with the CRLF is the longest header.
  std::string longest = "PROXY UNKNOWN ";
  longest += std::string(107 - longest.size() - 2, 'x') + "\r\n";
  ASSERT_EQ(longest.size(), 107u);
  EXPECT_EQ(Parse(longest), Status::kComplete);
  std::string too_long = "PROXY UNKNOWN ";
  too_long += std::string(107 - too_long.size() - 1, 'x') + "\r\n";
  EXPECT_EQ(Parse(too_long.substr(0, 106)), Status::kNeedMoreData);
  EXPECT_EQ(Parse(too_long.substr(0, 107)), Status::kMalformed);
  EXPECT_EQ(Parse(too_long), Status::kMalformed);
}

TEST_F(ProxyProtocolParserTest, V1Malformed) {
  const std::vector<std::string> cases = {
      "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\n",      // LF without CR
      "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\r\n",  // stray CR
      "PROXY TCP5 192.0.2.1 198.51.100.2 56324 443\r\n",
      "PROXY tcp4 192.0.2.1 198.51.100.2 56324 443\r\n",
      "PROXY TCP4  192.0.2.1 198.51.100.2 56324 443\r\n",    // double space
      "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443 \r\n",    // trailing space
      "PROXY TCP4 192.0.2.1 198.51.100.2 56324\r\n",         // missing port
      "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443 80\r\n",  // extra field
      "PROXY TCP4 192.0.2.1 198.51.100.2 65536 443\r\n",
      "PROXY TCP4 192.0.2.1 198.51.100.2 +1 443\r\n",
      "PROXY TCP4 192.0.2.1 198.51.100.2 -1 443\r\n",
      "PROXY TCP4 192.0.2.1 198.51.100.2 0443 443\r\n",
      "PROXY TCP4 192.0.2.1 198.51.100.2 44a 443\r\n",
      "PROXY TCP4 192.0.2.1 198.51.100.2 100000 443\r\n",
      "PROXY TCP4 192.0.2.1 198.51.100.2 1 \r\n",
      "PROXY TCP4 192.0.2 198.51.100.2 1 2\r\n",
      "PROXY TCP4 192.0.2.01 198.51.100.2 1 2\r\n",
      "PROXY TCP4 2001:db8::1 198.51.100.2 1 2\r\n",  // v6 in TCP4
      "PROXY TCP6 192.0.2.1 2001:db8::1 1 2\r\n",     // v4 in TCP6
      "PROXY TCP6 2001:db8::1%eth0 2001:db8::2 1 2\r\n",
      "PROXY TCP4 example.com 198.51.100.2 1 2\r\n",
      "PROXY UNKNOWNX\r\n",
      "PROXY \r\n",
      "PROXY TCP4\r\n",
  };
  for (const std::string& text : cases) {
    EXPECT_EQ(Parse(text), Status::kMalformed) << text;
    EXPECT_EQ(header_.version(), 0);
    EXPECT_EQ(header_.header_length(), 0u);
  }
}

TEST_F(ProxyProtocolParserTest, NotProxyIsDecidedEarly) {
  EXPECT_EQ(Parse(Bytes{0x16}), Status::kNotProxy);  // TLS handshake
  EXPECT_EQ(Parse("G"), Status::kNotProxy);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\n\r\n"), Status::kNotProxy);
  EXPECT_EQ(Parse("PROXX"), Status::kNotProxy);
  EXPECT_EQ(Parse("proxy "), Status::kNotProxy);
  EXPECT_EQ(Parse("PROXY\r\n"), Status::kNotProxy);
  EXPECT_EQ(Parse("\r\n\r\nGET"), Status::kNotProxy);
  EXPECT_EQ(Parse(Bytes{0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55,
                        0x49, 0x54, 0x0b}),
            Status::kNotProxy);
  EXPECT_EQ(Parse(Bytes{}), Status::kNeedMoreData);
  EXPECT_EQ(Parse("PROX"), Status::kNeedMoreData);
  EXPECT_EQ(Parse("\r\n\r\n"), Status::kNeedMoreData);
}

TEST_F(ProxyProtocolParserTest, V2Tcp4WithTlvs) {
  const Bytes header =
      V2Header(0x21, 0x11,
               Concat({kTcp4Addresses, V2Tlv(0x01, "h2"), V2Tlv(0x04, "noop"),
                       V2Tlv(0x02, "api.example.com"), V2Tlv(0x20, "ssl")}));
  ASSERT_EQ(Parse(header), Status::kComplete);
  EXPECT_EQ(header_.version(), 2);
  EXPECT_FALSE(header_.local());
  EXPECT_EQ(EndpointText(header_.source()), "192.0.2.1:56324");
  EXPECT_EQ(EndpointText(header_.destination()), "198.51.100.2:443");
  EXPECT_EQ(header_.alpn(), "h2");
  EXPECT_EQ(header_.authority(), "api.example.com");
  EXPECT_EQ(header_.header_length(), header.size());
}

TEST_F(ProxyProtocolParserTest, V2Tcp6) {
  const Bytes header = V2Header(0x21, 0x21, Tcp6Addresses());
  ASSERT_EQ(Parse(header), Status::kComplete);
  EXPECT_EQ(EndpointText(header_.source()), "[2001:db8::1]:12345");
  EXPECT_EQ(EndpointText(header_.destination()), "[2001:db8::2]:443");
  EXPECT_EQ(header_.header_length(), 16u + 36);
}

TEST_F(ProxyProtocolParserTest, V2LocalIgnoresTheRest) {
  EXPECT_EQ(Parse(V2Header(0x20, 0x00, {})), Status::kComplete);
  EXPECT_TRUE(header_.local());
  EXPECT_EQ(header_.version(), 2);
  EXPECT_EQ(header_.header_length(), 16u);
  // "Receivers MUST ignore" the family and the address block of LOCAL.
  const Bytes odd = V2Header(0x20, 0x77, {1, 2, 3});
  EXPECT_EQ(Parse(odd), Status::kComplete);
  EXPECT_TRUE(header_.local());
  EXPECT_EQ(header_.header_length(), odd.size());
}

TEST_F(ProxyProtocolParserTest, V2FamiliesWithoutUsableAddresses) {
  const std::vector<std::pair<uint8_t, size_t>> families = {
      {0x00, 0}, {0x12, 12}, {0x22, 36}, {0x31, 216}, {0x32, 216}};
  for (const auto& [fam, address_bytes] : families) {
    const Bytes header = V2Header(
        0x21, fam, Concat({Bytes(address_bytes, 7), V2Tlv(0x02, "a.example")}));
    ASSERT_EQ(Parse(header), Status::kComplete) << int{fam};
    EXPECT_TRUE(header_.local());
    EXPECT_EQ(header_.source().ss_family, AF_UNSPEC);
    EXPECT_EQ(header_.authority(), "a.example");
    EXPECT_EQ(header_.header_length(), header.size());
  }
}

TEST_F(ProxyProtocolParserTest, V2Malformed) {
  const Bytes tcp4 = kTcp4Addresses;
  const std::vector<Bytes> cases = {
      V2Header(0x11, 0x11, tcp4),  // version 1
      V2Header(0x31, 0x11, tcp4),  // version 3
      V2Header(0x22, 0x11, tcp4),  // command 2
      V2Header(0x2f, 0x11, tcp4),
      V2Header(0x21, 0x13, tcp4),  // transport 3
      V2Header(0x21, 0x10, tcp4),  // INET, UNSPEC transport
      V2Header(0x21, 0x41, tcp4),  // family 4
      V2Header(0x21, 0x01, tcp4),
      V2Header(0x21, 0x11, Bytes(tcp4.begin(), tcp4.end() - 1)),
      V2Header(0x21, 0x21, tcp4),                    // too short for TCP6
      V2Header(0x21, 0x11, Concat({tcp4, {0x01}})),  // TLV header cut
      V2Header(0x21, 0x11, Concat({tcp4, {0x01, 0x00}})),
      V2Header(0x21, 0x11, Concat({tcp4, {0x01, 0x00, 0x03, 'h', '2'}})),
      V2Header(0x21, 0x11, Concat({tcp4, V2Tlv(0x01, std::string(256, 'a'))})),
      V2Header(0x21, 0x11, Concat({tcp4, V2Tlv(0x02, std::string(256, 'a'))})),
      V2Header(0x21, 0x11,
               Concat({tcp4, V2Tlv(0x01, "h2"), V2Tlv(0x01, "http/1.1")})),
      V2Header(0x21, 0x11,
               Concat({tcp4, V2Tlv(0x02, "a.example"), V2Tlv(0x02, "b")})),
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(Parse(cases[i]), Status::kMalformed) << i;
    EXPECT_EQ(header_.header_length(), 0u);
    EXPECT_EQ(header_.alpn(), "");
  }
}

TEST_F(ProxyProtocolParserTest, V2MalformedIsDecidedBeforeTheBody) {
  const Bytes bad_command = V2Header(0x23, 0x11, kTcp4Addresses);
  EXPECT_EQ(Parse(Bytes(bad_command.begin(), bad_command.begin() + 12)),
            Status::kNeedMoreData);
  EXPECT_EQ(Parse(Bytes(bad_command.begin(), bad_command.begin() + 13)),
            Status::kMalformed);
  const Bytes bad_family = V2Header(0x21, 0x15, kTcp4Addresses);
  EXPECT_EQ(Parse(Bytes(bad_family.begin(), bad_family.begin() + 14)),
            Status::kMalformed);
  const Bytes short_length = V2Header(0x21, 0x21, kTcp4Addresses);
  EXPECT_EQ(Parse(Bytes(short_length.begin(), short_length.begin() + 16)),
            Status::kMalformed);
}

TEST_F(ProxyProtocolParserTest, V2LongestHeader) {
  // 65535 bytes after the fixed part: addresses and one big unknown TLV.
  const Bytes header = V2Header(
      0x21, 0x11,
      Concat({kTcp4Addresses, V2Tlv(0x04, std::string(65535 - 12 - 3, 'n'))}));
  ASSERT_EQ(header.size(), 16u + 65535);
  ASSERT_EQ(Parse(header), Status::kComplete);
  EXPECT_EQ(header_.header_length(), 16u + 65535);
  EXPECT_EQ(Parse(Bytes(header.begin(), header.end() - 1)),
            Status::kNeedMoreData);
}

TEST_F(ProxyProtocolParserTest, ByteByByte) {
  const std::vector<Bytes> headers = {
      ToBytes("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"),
      ToBytes("PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n"),
      ToBytes("PROXY UNKNOWN\r\n"),
      V2Header(0x21, 0x11, Concat({kTcp4Addresses, V2Tlv(0x01, "h2")})),
      V2Header(0x21, 0x21, Tcp6Addresses()),
      V2Header(0x20, 0x00, {}),
  };
  for (const Bytes& header : headers) {
    for (size_t n = 0; n < header.size(); ++n) {
      ASSERT_EQ(Parse(Bytes(header.begin(), header.begin() + n)),
                Status::kNeedMoreData)
          << n;
    }
    ASSERT_EQ(Parse(header), Status::kComplete);
    EXPECT_EQ(header_.header_length(), header.size());
  }
}

TEST_F(ProxyProtocolParserTest, PayloadAfterTheHeaderIsNotConsumed) {
  const std::string v1 = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n";
  ASSERT_EQ(Parse(v1 + "GET / HTTP/1.1\r\n\r\n"), Status::kComplete);
  EXPECT_EQ(header_.header_length(), v1.size());

  const Bytes v2 = V2Header(0x21, 0x11, kTcp4Addresses);
  const Bytes with_hello = Concat({v2, {0x16, 0x03, 0x01, 0x02, 0x00, 0x01}});
  ASSERT_EQ(Parse(with_hello), Status::kComplete);
  EXPECT_EQ(header_.header_length(), v2.size());
  EXPECT_EQ(header_.alpn(), "");

  const Bytes local = Concat({V2Header(0x20, 0x00, {}), {1, 2, 3}});
  ASSERT_EQ(Parse(local), Status::kComplete);
  EXPECT_EQ(header_.header_length(), 16u);
}

TEST_F(ProxyProtocolParserTest, HeaderIsClearedOnEveryCall) {
  ASSERT_EQ(
      Parse(V2Header(0x21, 0x11, Concat({kTcp4Addresses, V2Tlv(0x01, "h2")}))),
      Status::kComplete);
  ASSERT_EQ(Parse("PROXY UNKNOWN\r\n"), Status::kComplete);
  EXPECT_EQ(header_.alpn(), "");
  EXPECT_EQ(header_.source().ss_family, AF_UNSPEC);
}

TEST(ProxyHeaderStatusNameTest, Names) {
  EXPECT_EQ(ProxyHeaderStatusName(Status::kNeedMoreData), "need_more_data");
  EXPECT_EQ(ProxyHeaderStatusName(Status::kComplete), "complete");
  EXPECT_EQ(ProxyHeaderStatusName(Status::kNotProxy), "not_proxy");
  EXPECT_EQ(ProxyHeaderStatusName(Status::kMalformed), "malformed");
}

}  // namespace
}  // namespace ringway::codec
