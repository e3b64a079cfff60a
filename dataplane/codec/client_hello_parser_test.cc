#include "dataplane/codec/client_hello_parser.h"

#include <string>
#include <vector>

#include "dataplane/codec/client_hello_test_util.h"
#include "gtest/gtest.h"

namespace ringway::codec {
namespace {

using Status = ClientHelloStatus;

constexpr size_t kLimit = kDefaultClientHelloMaxBytes;

// Parses with a scratch buffer as large as the limit, as callers should.
class ClientHelloParserTest : public ::testing::Test {
 protected:
  Status Parse(std::span<const uint8_t> data, size_t max_bytes = kLimit) {
    scratch_.assign(max_bytes, 0);
    return ParseClientHello(data, max_bytes, scratch_, &info_);
  }
  Status Parse(const std::string& text) {
    return Parse(
        std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  }
  Status ParseHand(const HandBuiltHello& hello) {
    return Parse(hello.Records());
  }
  // A hello whose only extension is server_name with this raw host name.
  Status ParseSni(const std::string& host_name) {
    HandBuiltHello hello;
    hello.extensions = {{0, ServerNameExtensionBody(host_name)}};
    return ParseHand(hello);
  }

  Bytes scratch_;
  ClientHelloInfo info_;
};

TEST_F(ClientHelloParserTest, BoringSslTls13WithSniAndAlpn) {
  const Bytes hello = CaptureClientHello(
      {.server_name = "www.example.com", .alpn = {"h2", "http/1.1"}});
  ASSERT_EQ(Parse(hello), Status::kComplete);
  EXPECT_EQ(info_.server_name(), "www.example.com");
  ASSERT_EQ(info_.alpn_count(), 2u);
  EXPECT_EQ(info_.alpn(0), "h2");
  EXPECT_EQ(info_.alpn(1), "http/1.1");
  EXPECT_EQ(info_.alpn(2), "");
  EXPECT_TRUE(info_.HasAlpn("h2"));
  EXPECT_TRUE(info_.HasAlpn("http/1.1"));
  EXPECT_FALSE(info_.HasAlpn("h3"));
  EXPECT_EQ(info_.alpn_dropped(), 0u);
  EXPECT_EQ(info_.legacy_version(), 0x0303);
  EXPECT_EQ(info_.record_version(), 0x0301);
  EXPECT_TRUE(info_.offers_tls13());
  EXPECT_FALSE(info_.has_ech_extension());
  EXPECT_EQ(info_.bytes_needed(), hello.size());
}

TEST_F(ClientHelloParserTest, BoringSslTls12Only) {
  const Bytes hello = CaptureClientHello({.server_name = "legacy.example",
                                          .alpn = {"http/1.1"},
                                          .tls12_only = true});
  ASSERT_EQ(Parse(hello), Status::kComplete);
  EXPECT_EQ(info_.server_name(), "legacy.example");
  EXPECT_EQ(info_.alpn_count(), 1u);
  EXPECT_FALSE(info_.offers_tls13());
  EXPECT_EQ(info_.legacy_version(), 0x0303);
}

TEST_F(ClientHelloParserTest, BoringSslWithoutSniOrAlpn) {
  ASSERT_EQ(Parse(CaptureClientHello({})), Status::kComplete);
  EXPECT_EQ(info_.server_name(), "");
  EXPECT_EQ(info_.alpn_count(), 0u);
}

TEST_F(ClientHelloParserTest, EchGreaseIsNotedAndOuterSniUsed) {
  const Bytes hello =
      CaptureClientHello({.server_name = "public.example", .ech_grease = true});
  ASSERT_EQ(Parse(hello), Status::kComplete);
  EXPECT_TRUE(info_.has_ech_extension());
  EXPECT_EQ(info_.server_name(), "public.example");
}

TEST_F(ClientHelloParserTest, ByteByByteNeedsMoreDataUntilComplete) {
  const std::vector<Bytes> hellos = {
      CaptureClientHello({.server_name = "a.example", .alpn = {"h2"}}),
      CaptureClientHello({.tls12_only = true}),
      HandBuiltHello().Records(),
  };
  for (const Bytes& hello : hellos) {
    for (size_t n = 0; n < hello.size(); ++n) {
      ASSERT_EQ(Parse(std::span(hello).first(n)), Status::kNeedMoreData) << n;
      ASSERT_GT(info_.bytes_needed(), n);
      ASSERT_LE(info_.bytes_needed(), hello.size());
    }
    ASSERT_EQ(Parse(hello), Status::kComplete);
  }
  EXPECT_EQ(info_.server_name(), "");
}

TEST_F(ClientHelloParserTest, BytesAfterTheHelloAreIgnored) {
  Bytes data = CaptureClientHello({.server_name = "a.example"});
  const size_t hello_size = data.size();
  data.insert(data.end(), {23, 3, 3, 0, 2, 0xde, 0xad});
  ASSERT_EQ(Parse(data), Status::kComplete);
  EXPECT_EQ(info_.server_name(), "a.example");
  EXPECT_EQ(info_.bytes_needed(), hello_size);
}

// Post-quantum key shares push ClientHellos past one MTU; some clients (and
// middleboxes) then split the handshake message across TLS records.
TEST_F(ClientHelloParserTest, LargeHelloSplitAcrossTwoRecords) {
  std::vector<std::string> alpn = {"h2", "http/1.1"};
  for (int i = 0; i < 20; ++i) alpn.push_back("proto-" + std::to_string(i));
  const Bytes one_record = CaptureClientHello({.server_name = "pq.example",
                                               .alpn = alpn,
                                               .post_quantum = true,
                                               .ech_grease = true});
  ASSERT_GT(one_record.size(), 1800u);
  const Bytes two_records = ReframeClientHello(one_record, {1000});
  ASSERT_EQ(two_records.size(), one_record.size() + 5);

  ASSERT_EQ(Parse(two_records), Status::kComplete);
  EXPECT_EQ(info_.server_name(), "pq.example");
  EXPECT_EQ(info_.alpn_count(), 16u);
  EXPECT_EQ(info_.alpn_dropped(), 6u);
  EXPECT_EQ(info_.alpn(15), "proto-13");
  EXPECT_TRUE(info_.has_ech_extension());
  EXPECT_EQ(info_.bytes_needed(), two_records.size());

  for (size_t n = 0; n < two_records.size(); ++n) {
    ASSERT_EQ(Parse(std::span(two_records).first(n)), Status::kNeedMoreData)
        << n;
  }
}

TEST_F(ClientHelloParserTest, ManyTinyRecordsAndSplitHandshakeHeader) {
  const Bytes hello = CaptureClientHello({.server_name = "tiny.example"});
  const Bytes split_header = ReframeClientHello(hello, {1, 2, 1});
  ASSERT_EQ(Parse(split_header), Status::kComplete);
  EXPECT_EQ(info_.server_name(), "tiny.example");

  const Bytes tiny = ReframeClientHello(hello, std::vector<size_t>(100, 7));
  ASSERT_EQ(Parse(tiny), Status::kComplete);
  EXPECT_EQ(info_.server_name(), "tiny.example");
  EXPECT_EQ(info_.bytes_needed(), tiny.size());
}

TEST_F(ClientHelloParserTest, SpanningHelloNeedsScratch) {
  const Bytes hello = CaptureClientHello({.server_name = "s.example"});
  const Bytes two_records = ReframeClientHello(hello, {100});
  EXPECT_EQ(ParseClientHello(two_records, kLimit, {}, &info_),
            Status::kTooLarge);
  std::vector<uint8_t> small(hello.size() - 10);
  EXPECT_EQ(ParseClientHello(two_records, kLimit, small, &info_),
            Status::kTooLarge);
  // A single-record hello is parsed in place: no scratch needed.
  ASSERT_EQ(ParseClientHello(hello, kLimit, {}, &info_), Status::kComplete);
  EXPECT_EQ(info_.server_name(), "s.example");
}

TEST_F(ClientHelloParserTest, NoExtensionsBlockIsValid) {
  ASSERT_EQ(ParseHand(HandBuiltHello()), Status::kComplete);
  EXPECT_EQ(info_.server_name(), "");
  EXPECT_EQ(info_.alpn_count(), 0u);
  HandBuiltHello empty_block;
  empty_block.extensions.emplace();
  EXPECT_EQ(ParseHand(empty_block), Status::kComplete);
}

TEST_F(ClientHelloParserTest, NotTlsIsDecidedFromTheFirstBytes) {
  EXPECT_EQ(Parse(std::string("G")), Status::kNotTls);
  EXPECT_EQ(Parse(std::string("GET / HTTP/1.1\r\nHost: a\r\n\r\n")),
            Status::kNotTls);
  EXPECT_EQ(Parse(Bytes{0x80, 0x2e, 0x01}), Status::kNotTls);       // SSLv2
  EXPECT_EQ(Parse(Bytes{21, 3, 3, 0, 2, 2, 40}), Status::kNotTls);  // alert
  EXPECT_EQ(Parse(Bytes{22, 2}), Status::kNotTls);
  EXPECT_EQ(Parse(Bytes{22, 3, 0}), Status::kNotTls);  // SSL 3.0
  EXPECT_EQ(Parse(Bytes{22, 3, 5}), Status::kNotTls);
  EXPECT_EQ(Parse(Bytes{}), Status::kNeedMoreData);
  EXPECT_EQ(Parse(Bytes{22, 3, 4}), Status::kNeedMoreData);
}

TEST_F(ClientHelloParserTest, MalformedFraming) {
  EXPECT_EQ(Parse(Bytes{22, 3, 1, 0, 0}), Status::kMalformed);  // empty record
  EXPECT_EQ(Parse(Bytes{22, 3, 1, 0x41, 0x01}), Status::kMalformed);  // 16641
  EXPECT_EQ(Parse(Bytes{22, 3, 1, 0, 4, 2}), Status::kMalformed);     // not CH
  const Bytes hello = HandBuiltHello().Message();
  Bytes bad_second = FrameRecords(hello, {10});
  bad_second[5 + 10] = 23;  // application data inside the handshake
  EXPECT_EQ(Parse(bad_second), Status::kMalformed);
  Bytes bad_version = FrameRecords(hello, {10});
  bad_version[5 + 10 + 2] = 9;
  EXPECT_EQ(Parse(bad_version), Status::kMalformed);
  EXPECT_EQ(Parse(FrameRecords(hello, {10, 0})), Status::kMalformed);
}

TEST_F(ClientHelloParserTest, MalformedFixedFields) {
  HandBuiltHello hello;
  hello.session_id.assign(33, 1);
  EXPECT_EQ(ParseHand(hello), Status::kMalformed);
  hello.session_id.assign(32, 1);
  EXPECT_EQ(ParseHand(hello), Status::kComplete);

  hello = HandBuiltHello();
  hello.cipher_suites = {0x13, 0x01, 0xc0};
  EXPECT_EQ(ParseHand(hello), Status::kMalformed);
  hello.cipher_suites = {};
  EXPECT_EQ(ParseHand(hello), Status::kMalformed);

  hello = HandBuiltHello();
  hello.compression_methods = {};
  EXPECT_EQ(ParseHand(hello), Status::kMalformed);

  // Handshake length shorter than the fixed fields.
  Bytes truncated = HandBuiltHello().Message();
  truncated.resize(30);
  truncated[3] = 26;
  EXPECT_EQ(Parse(FrameRecords(truncated)), Status::kMalformed);
}

TEST_F(ClientHelloParserTest, MalformedExtensionsBlock) {
  HandBuiltHello base;
  base.extensions = {{0, ServerNameExtensionBody("a.example")}};
  const Bytes message = base.Message();

  Bytes trailing = message;  // one byte after the extensions block
  trailing.push_back(0);
  trailing[3] += 1;
  EXPECT_EQ(Parse(FrameRecords(trailing)), Status::kMalformed);

  Bytes lone_byte = HandBuiltHello().Message();  // 1 byte: no u16 length
  lone_byte.push_back(0);
  lone_byte[3] += 1;
  EXPECT_EQ(Parse(FrameRecords(lone_byte)), Status::kMalformed);

  Bytes overrun = message;  // extensions length one past the message
  // The block is: u16 length, then type, length and body of server_name.
  const size_t block_length_at =
      message.size() - 2 - 4 - ServerNameExtensionBody("a.example").size();
  overrun[block_length_at + 1] += 1;
  EXPECT_EQ(Parse(FrameRecords(overrun)), Status::kMalformed);

  Bytes ext_overrun = message;  // server_name's length one past the block
  ext_overrun[block_length_at + 2 + 3] += 1;
  EXPECT_EQ(Parse(FrameRecords(ext_overrun)), Status::kMalformed);

  HandBuiltHello duplicate;
  duplicate.extensions = {{0x1234, {}}, {0x00ff, {}}, {0x1234, {}}};
  EXPECT_EQ(ParseHand(duplicate), Status::kMalformed);
  duplicate.extensions = {{0x1234, {}}, {0x00ff, {}}, {0x1235, {}}};
  EXPECT_EQ(ParseHand(duplicate), Status::kComplete);

  HandBuiltHello two_sni;
  two_sni.extensions = {{0, ServerNameExtensionBody("a.example")},
                        {0, ServerNameExtensionBody("b.example")}};
  EXPECT_EQ(ParseHand(two_sni), Status::kMalformed);
}

TEST_F(ClientHelloParserTest, MalformedServerName) {
  auto parse_body = [this](Bytes body) {
    HandBuiltHello hello;
    hello.extensions = {{0, std::move(body)}};
    return ParseHand(hello);
  };
  EXPECT_EQ(parse_body({}), Status::kMalformed);
  EXPECT_EQ(parse_body({0, 0}), Status::kMalformed);  // empty list
  EXPECT_EQ(parse_body({0, 5, 0, 0, 1, 'a'}), Status::kMalformed);  // list
  EXPECT_EQ(parse_body({0, 4, 0, 0, 2, 'a'}), Status::kMalformed);  // name
  EXPECT_EQ(parse_body({0, 4, 0, 0, 1, 'a', 0}), Status::kMalformed);
  EXPECT_EQ(parse_body({0, 3, 0, 0, 0}), Status::kMalformed);  // empty name
  Bytes two_names = {0, 8, 0, 0, 1, 'a', 0, 0, 1, 'b'};
  EXPECT_EQ(parse_body(two_names), Status::kMalformed);

  EXPECT_EQ(ParseSni(std::string("a\0b", 3)), Status::kMalformed);
  EXPECT_EQ(ParseSni("a b.example"), Status::kMalformed);
  EXPECT_EQ(ParseSni("tab\t.example"), Status::kMalformed);
  EXPECT_EQ(ParseSni("caf\xc3\xa9.example"), Status::kMalformed);
  EXPECT_EQ(ParseSni("."), Status::kMalformed);
  EXPECT_EQ(ParseSni(std::string(256, 'a')), Status::kMalformed);
  EXPECT_EQ(ParseSni(std::string(255, 'a')), Status::kComplete);
  EXPECT_EQ(info_.server_name(), std::string(255, 'a'));
}

TEST_F(ClientHelloParserTest, ServerNameIsNormalised) {
  ASSERT_EQ(ParseSni("WWW.Example.COM."), Status::kComplete);
  EXPECT_EQ(info_.server_name(), "www.example.com");
  ASSERT_EQ(ParseSni("a.example.."), Status::kComplete);  // only one dot
  EXPECT_EQ(info_.server_name(), "a.example.");
  // BoringSSL sends the name as given; we normalise it.
  ASSERT_EQ(Parse(CaptureClientHello({.server_name = "API.Example.Net."})),
            Status::kComplete);
  EXPECT_EQ(info_.server_name(), "api.example.net");
}

TEST_F(ClientHelloParserTest, UnknownServerNameTypesAreSkipped) {
  HandBuiltHello hello;
  hello.extensions = {{0, {0, 10, 7, 0, 2, 'x', 'y', 0, 0, 2, 'o', 'k'}}};
  ASSERT_EQ(ParseHand(hello), Status::kComplete);
  EXPECT_EQ(info_.server_name(), "ok");
}

TEST_F(ClientHelloParserTest, MalformedAlpn) {
  auto parse_body = [this](Bytes body) {
    HandBuiltHello hello;
    hello.extensions = {{16, std::move(body)}};
    return ParseHand(hello);
  };
  EXPECT_EQ(parse_body({}), Status::kMalformed);
  EXPECT_EQ(parse_body({0, 0}), Status::kMalformed);
  EXPECT_EQ(parse_body({0, 1, 0}), Status::kMalformed);  // empty name
  EXPECT_EQ(parse_body({0, 3, 2, 'h', '2', 0}), Status::kMalformed);
  EXPECT_EQ(parse_body({0, 3, 3, 'h', '2'}), Status::kMalformed);
  EXPECT_EQ(parse_body({0, 5, 2, 'h', '2', 1}), Status::kMalformed);
  EXPECT_EQ(parse_body({0, 3, 2, 'h', '2'}), Status::kComplete);
}

TEST_F(ClientHelloParserTest, MalformedSupportedVersions) {
  auto parse_body = [this](Bytes body) {
    HandBuiltHello hello;
    hello.extensions = {{43, std::move(body)}};
    return ParseHand(hello);
  };
  EXPECT_EQ(parse_body({}), Status::kMalformed);
  EXPECT_EQ(parse_body({0}), Status::kMalformed);
  EXPECT_EQ(parse_body({3, 3, 4, 3}), Status::kMalformed);
  EXPECT_EQ(parse_body({2, 3, 4, 0}), Status::kMalformed);
  EXPECT_EQ(parse_body({4, 0x7a, 0x7a, 3, 4}), Status::kComplete);
  EXPECT_TRUE(info_.offers_tls13());
}

TEST_F(ClientHelloParserTest, AlpnStorageLimits) {
  std::vector<std::string> many;
  for (int i = 0; i < 20; ++i) many.push_back("p" + std::to_string(i));
  HandBuiltHello hello;
  hello.extensions = {{16, AlpnExtensionBody(many)}};
  ASSERT_EQ(ParseHand(hello), Status::kComplete);
  EXPECT_EQ(info_.alpn_count(), ClientHelloInfo::kMaxAlpnProtocols);
  EXPECT_EQ(info_.alpn_dropped(), 4u);
  EXPECT_EQ(info_.alpn(15), "p15");
  EXPECT_FALSE(info_.HasAlpn("p16"));

  // Two 255-byte names fill the 512-byte buffer; the third long one is
  // dropped, a short one after it still fits.
  hello.extensions = {
      {16, AlpnExtensionBody({std::string(255, 'a'), std::string(255, 'b'),
                              std::string(3, 'c'), "h2"})}};
  ASSERT_EQ(ParseHand(hello), Status::kComplete);
  EXPECT_EQ(info_.alpn_count(), 3u);
  EXPECT_EQ(info_.alpn_dropped(), 1u);
  EXPECT_EQ(info_.alpn(1), std::string(255, 'b'));
  EXPECT_EQ(info_.alpn(2), "h2");
}

TEST_F(ClientHelloParserTest, TooLargeIsDecidedFromDeclaredLengths) {
  // Record header + handshake header declaring a 20000-byte hello.
  const Bytes header = {22, 3, 1, 0x40, 0x00, 1, 0x00, 0x4e, 0x20};
  EXPECT_EQ(Parse(std::span(header).first(8)), Status::kNeedMoreData);
  EXPECT_EQ(Parse(header), Status::kTooLarge);
  EXPECT_GE(info_.bytes_needed(), 20000u + 4 + 10);

  // A hello of exactly the limit is fine; one byte less is too large.
  const Bytes hello = CaptureClientHello({.server_name = "limit.example"});
  EXPECT_EQ(Parse(hello, hello.size()), Status::kComplete);
  EXPECT_EQ(Parse(hello, hello.size() - 1), Status::kTooLarge);
  EXPECT_EQ(Parse(std::span(hello).first(9), hello.size() - 1),
            Status::kTooLarge);
  EXPECT_EQ(Parse(std::span(hello).first(8), hello.size() - 1),
            Status::kNeedMoreData);

  // Record headers count: the same message in 7-byte records outgrows it.
  const Bytes tiny = ReframeClientHello(hello, std::vector<size_t>(400, 7));
  EXPECT_EQ(Parse(tiny, hello.size() + 100), Status::kTooLarge);
  EXPECT_EQ(Parse(tiny, tiny.size()), Status::kComplete);
}

TEST_F(ClientHelloParserTest, InfoIsClearedOnEveryCall) {
  ASSERT_EQ(
      Parse(CaptureClientHello({.server_name = "a.example", .alpn = {"h2"}})),
      Status::kComplete);
  ASSERT_EQ(ParseHand(HandBuiltHello()), Status::kComplete);
  EXPECT_EQ(info_.server_name(), "");
  EXPECT_EQ(info_.alpn_count(), 0u);
  EXPECT_FALSE(info_.offers_tls13());
}

TEST(ClientHelloInfoTest, SetServerNameRejectsWithoutChange) {
  ClientHelloInfo info;
  ASSERT_TRUE(info.SetServerName("Keep.Example"));
  EXPECT_FALSE(info.SetServerName(""));
  EXPECT_FALSE(info.SetServerName("bad\x7f"));
  EXPECT_EQ(info.server_name(), "keep.example");
}

TEST(ClientHelloStatusNameTest, Names) {
  EXPECT_EQ(ClientHelloStatusName(Status::kNeedMoreData), "need_more_data");
  EXPECT_EQ(ClientHelloStatusName(Status::kComplete), "complete");
  EXPECT_EQ(ClientHelloStatusName(Status::kNotTls), "not_tls");
  EXPECT_EQ(ClientHelloStatusName(Status::kMalformed), "malformed");
  EXPECT_EQ(ClientHelloStatusName(Status::kTooLarge), "too_large");
}

}  // namespace
}  // namespace ringway::codec
