#include "dataplane/codec/proxy_protocol_writer.h"

#include <sys/un.h>

#include <array>
#include <string>
#include <vector>

#include "dataplane/codec/proxy_protocol_parser.h"
#include "dataplane/codec/proxy_protocol_test_util.h"
#include "gtest/gtest.h"

namespace ringway::codec {
namespace {

std::string AsText(std::span<const uint8_t> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

sockaddr_storage UnixEndpoint() {
  sockaddr_storage storage = {};
  storage.ss_family = AF_UNIX;
  return storage;
}

TEST(ProxyProtocolWriterTest, V1Tcp4IsByteExact) {
  std::array<uint8_t, kProxyV1MaxHeaderBytes> out;
  const size_t n = WriteProxyV1(Endpoint("192.0.2.1", 56324),
                                Endpoint("198.51.100.2", 443), out);
  EXPECT_EQ(AsText(std::span(out).first(n)),
            "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n");
}

TEST(ProxyProtocolWriterTest, V1Tcp6AndMixedFamilies) {
  std::array<uint8_t, kProxyV1MaxHeaderBytes> out;
  size_t n = WriteProxyV1(Endpoint("2001:db8::1", 0),
                          Endpoint("2001:db8::2", 65535), out);
  EXPECT_EQ(AsText(std::span(out).first(n)),
            "PROXY TCP6 2001:db8::1 2001:db8::2 0 65535\r\n");
  n = WriteProxyV1(Endpoint("192.0.2.1", 1000), Endpoint("2001:db8::2", 443),
                   out);
  EXPECT_EQ(AsText(std::span(out).first(n)),
            "PROXY TCP6 ::ffff:192.0.2.1 2001:db8::2 1000 443\r\n");
}

// A dual-stack listener sees an IPv4 client as ::ffff:a.b.c.d on both ends:
// that is an IPv4 connection, written TCP4 (v1) and AF_INET (v2).
TEST(ProxyProtocolWriterTest, V4MappedEndpointsAreWrittenAsIpv4) {
  std::array<uint8_t, kProxyV1MaxHeaderBytes> out;
  size_t n = WriteProxyV1(Endpoint("::ffff:192.0.2.1", 1000),
                          Endpoint("::ffff:198.51.100.2", 443), out);
  EXPECT_EQ(AsText(std::span(out).first(n)),
            "PROXY TCP4 192.0.2.1 198.51.100.2 1000 443\r\n");
  std::array<uint8_t, 256> v2;
  n = WriteProxyV2(Endpoint("::ffff:192.0.2.1", 1000),
                   Endpoint("::ffff:198.51.100.2", 443), "", "", v2);
  ProxyHeader header;
  ASSERT_EQ(ParseProxyHeader(std::span(v2).first(n), &header),
            ProxyHeaderStatus::kComplete);
  EXPECT_EQ(header.source().ss_family, AF_INET);
  EXPECT_EQ(header.destination().ss_family, AF_INET);
  // A mapped address beside a real IPv6 one stays IPv6.
  n = WriteProxyV1(Endpoint("::ffff:192.0.2.1", 1000),
                   Endpoint("2001:db8::2", 443), out);
  EXPECT_EQ(AsText(std::span(out).first(n)),
            "PROXY TCP6 ::ffff:192.0.2.1 2001:db8::2 1000 443\r\n");
}

TEST(ProxyProtocolWriterTest, V1UnknownFamily) {
  std::array<uint8_t, kProxyV1MaxHeaderBytes> out;
  const size_t n = WriteProxyV1(UnixEndpoint(), Endpoint("192.0.2.1", 1), out);
  EXPECT_EQ(AsText(std::span(out).first(n)), "PROXY UNKNOWN\r\n");
}

TEST(ProxyProtocolWriterTest, V1LongestFitsAndShortBufferGivesZero) {
  const sockaddr_storage source =
      Endpoint("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 65535);
  const sockaddr_storage destination =
      Endpoint("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65534);
  std::array<uint8_t, kProxyV1MaxHeaderBytes> out;
  const size_t n = WriteProxyV1(source, destination, out);
  ASSERT_GT(n, 0u);
  ASSERT_LE(n, kProxyV1MaxHeaderBytes);
  for (size_t size = 0; size < n; ++size) {
    EXPECT_EQ(WriteProxyV1(source, destination, std::span(out).first(size)),
              0u);
  }
  EXPECT_EQ(WriteProxyV1(source, destination, std::span(out).first(n)), n);
}

TEST(ProxyProtocolWriterTest, V2Layout) {
  std::array<uint8_t, kProxyV2MaxHeaderBytes> out;
  const size_t n =
      WriteProxyV2(Endpoint("192.0.2.1", 56324), Endpoint("198.51.100.2", 443),
                   "h2", "a.example", out);
  const Bytes expected_body = {192,  0,    2,    1,    198,  51,   100,  2,
                               0xdc, 0x04, 0x01, 0xbb, 0x01, 0x00, 0x02, 'h',
                               '2',  0x02, 0x00, 0x09, 'a',  '.',  'e',  'x',
                               'a',  'm',  'p',  'l',  'e'};
  EXPECT_EQ(Bytes(out.begin(), out.begin() + n),
            V2Header(0x21, 0x11, expected_body));
  EXPECT_EQ(n, 16u + 12 + (3 + 2) + (3 + 9));
}

TEST(ProxyProtocolWriterTest, V2EmptyTlvsAreOmitted) {
  std::array<uint8_t, kProxyV2MaxHeaderBytes> out;
  EXPECT_EQ(
      WriteProxyV2(Endpoint("2001:db8::1", 1), Endpoint("::1", 2), "", "", out),
      16u + 36);
  EXPECT_EQ(out[13], 0x21);
}

TEST(ProxyProtocolWriterTest, V2UnknownFamilyIsLocal) {
  std::array<uint8_t, kProxyV2MaxHeaderBytes> out;
  const size_t n = WriteProxyV2(UnixEndpoint(), UnixEndpoint(), "", "", out);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + n), V2Header(0x20, 0x00, {}));
}

TEST(ProxyProtocolWriterTest, V2LimitsAndShortBuffers) {
  const sockaddr_storage source = Endpoint("2001:db8::1", 1);
  const sockaddr_storage destination = Endpoint("2001:db8::2", 2);
  const std::string longest(kProxyTlvMaxValueBytes, 'a');
  std::array<uint8_t, kProxyV2MaxHeaderBytes + 1> out;
  const size_t n = WriteProxyV2(source, destination, longest, longest, out);
  EXPECT_EQ(n, kProxyV2MaxHeaderBytes);
  EXPECT_EQ(WriteProxyV2(source, destination, longest + "a", "", out), 0u);
  EXPECT_EQ(WriteProxyV2(source, destination, "", longest + "a", out), 0u);
  for (size_t size = 0; size < n; ++size) {
    EXPECT_EQ(WriteProxyV2(source, destination, longest, longest,
                           std::span(out).first(size)),
              0u);
  }
}

struct RoundTripCase {
  std::string source;
  std::string destination;
  std::string alpn;
  std::string authority;
  // Expected after parsing (mixed families come back as IPv6).
  std::string parsed_source;
  std::string parsed_destination;
};

class ProxyProtocolRoundTripTest
    : public ::testing::TestWithParam<RoundTripCase> {
 protected:
  // Writes with `write`, appends a payload, parses, and checks both.
  void CheckRoundTrip(size_t written, std::span<uint8_t> out, int version) {
    const RoundTripCase& c = GetParam();
    ASSERT_GT(written, 0u);
    Bytes data(out.begin(), out.begin() + written);
    data.insert(data.end(), {0x16, 0x03, 0x01});  // payload must stay
    ProxyHeader header;
    ASSERT_EQ(ParseProxyHeader(data, &header), ProxyHeaderStatus::kComplete);
    EXPECT_EQ(header.version(), version);
    EXPECT_FALSE(header.local());
    EXPECT_EQ(header.header_length(), written);
    EXPECT_EQ(EndpointText(header.source()), c.parsed_source);
    EXPECT_EQ(EndpointText(header.destination()), c.parsed_destination);
    EXPECT_EQ(header.alpn(), version == 2 ? c.alpn : "");
    EXPECT_EQ(header.authority(), version == 2 ? c.authority : "");
  }

  static sockaddr_storage Parse(const std::string& host_port) {
    const size_t colon = host_port.rfind(':');
    std::string host = host_port.substr(0, colon);
    if (host.front() == '[') host = host.substr(1, host.size() - 2);
    return Endpoint(host, uint16_t(std::stoi(host_port.substr(colon + 1))));
  }
};

TEST_P(ProxyProtocolRoundTripTest, V1) {
  const RoundTripCase& c = GetParam();
  std::array<uint8_t, kProxyV1MaxHeaderBytes> out;
  CheckRoundTrip(WriteProxyV1(Parse(c.source), Parse(c.destination), out), out,
                 1);
}

TEST_P(ProxyProtocolRoundTripTest, V2) {
  const RoundTripCase& c = GetParam();
  std::array<uint8_t, kProxyV2MaxHeaderBytes> out;
  CheckRoundTrip(WriteProxyV2(Parse(c.source), Parse(c.destination), c.alpn,
                              c.authority, out),
                 out, 2);
}

INSTANTIATE_TEST_SUITE_P(
    Families, ProxyProtocolRoundTripTest,
    ::testing::Values(
        RoundTripCase{"192.0.2.1:56324", "198.51.100.2:443", "", "",
                      "192.0.2.1:56324", "198.51.100.2:443"},
        RoundTripCase{"10.0.0.1:1", "10.0.0.2:65535", "h2", "api.example.com",
                      "10.0.0.1:1", "10.0.0.2:65535"},
        RoundTripCase{"[2001:db8::1]:12345", "[2001:db8::2]:443", "http/1.1",
                      "", "[2001:db8::1]:12345", "[2001:db8::2]:443"},
        RoundTripCase{"[::1]:0", "[fe80::1]:8443", "", "b.example", "[::1]:0",
                      "[fe80::1]:8443"},
        RoundTripCase{"192.0.2.1:1000", "[2001:db8::2]:443", "h2", "c.example",
                      "[::ffff:192.0.2.1]:1000", "[2001:db8::2]:443"},
        RoundTripCase{"[2001:db8::1]:1000", "198.51.100.2:80", "", "",
                      "[2001:db8::1]:1000", "[::ffff:198.51.100.2]:80"}));

}  // namespace
}  // namespace ringway::codec
