#include "dataplane/accesslog/access_entry.h"

#include <string>

#include "gtest/gtest.h"

namespace ringway::accesslog {
namespace {

TEST(AccessEntryTest, HttpRequestLine) {
  AccessEntry entry;
  entry.unix_time_us = 1'795'459'265'123'456;  // 2026-11-23T18:41:05.123456Z
  entry.kind = "http";
  entry.listener = "web";
  entry.client = "203.0.113.7";
  entry.client_port = 51234;
  entry.sni = "example.com";
  entry.alpn = "http/1.1";
  entry.tls_version = "TLSv1.3";
  entry.tls_cipher = "TLS_AES_128_GCM_SHA256";
  entry.route = "example.com";
  entry.upstream_group = "app";
  entry.upstream = "10.0.0.5:8080";
  entry.method = "GET";
  entry.host = "example.com";
  entry.path = "/index.html?q=1";
  entry.status = 200;
  entry.bytes_received = 78;
  entry.bytes_sent = 1024;
  entry.connect_ns = 1'234'567;
  entry.tls_ns = 4'000'999;
  entry.first_byte_ns = 3'000'000;
  entry.duration_ns = 2'500'000'000;
  entry.end = "done";
  std::string line;
  AppendJsonLine(entry, &line);
  EXPECT_EQ(line,
            "{\"time\":\"2026-11-23T18:41:05.123Z\",\"kind\":\"http\","
            "\"listener\":\"web\",\"client\":\"203.0.113.7\","
            "\"client_port\":51234,\"sni\":\"example.com\","
            "\"alpn\":\"http/1.1\",\"tls_version\":\"TLSv1.3\","
            "\"tls_cipher\":\"TLS_AES_128_GCM_SHA256\","
            "\"route\":\"example.com\",\"upstream_group\":\"app\","
            "\"upstream\":\"10.0.0.5:8080\",\"method\":\"GET\","
            "\"host\":\"example.com\",\"path\":\"/index.html?q=1\","
            "\"status\":200,\"bytes_received\":78,\"bytes_sent\":1024,"
            "\"connect_time\":0.001234,\"tls_time\":0.004000,"
            "\"first_byte_time\":0.003000,\"duration\":2.500000,"
            "\"end\":\"done\"}\n");
}

TEST(AccessEntryTest, UnmeasuredDurationsAreNullAndTextEmpty) {
  AccessEntry entry;
  entry.unix_time_us = 0;
  entry.kind = "tcp";
  entry.end = "upstream_unavailable";
  std::string line;
  AppendJsonLine(entry, &line);
  EXPECT_EQ(line,
            "{\"time\":\"1970-01-01T00:00:00.000Z\",\"kind\":\"tcp\","
            "\"listener\":\"\",\"client\":\"\",\"client_port\":0,\"sni\":\"\","
            "\"alpn\":\"\",\"tls_version\":\"\",\"tls_cipher\":\"\","
            "\"route\":\"\",\"upstream_group\":\"\",\"upstream\":\"\","
            "\"method\":\"\",\"host\":\"\",\"path\":\"\",\"status\":0,"
            "\"bytes_received\":0,\"bytes_sent\":0,\"connect_time\":null,"
            "\"tls_time\":null,\"first_byte_time\":null,\"duration\":null,"
            "\"end\":\"upstream_unavailable\"}\n");
}

// What a client sends (a path, a Host, an SNI) cannot break the line or
// the JSON: quotes, backslashes, control bytes and non-ASCII are escaped.
TEST(AccessEntryTest, ClientTextIsEscaped) {
  AccessEntry entry;
  entry.path = std::string_view("/a\"b\\c\nd\te\x01\xff", 12);
  entry.host = "x\r\n{\"forged\":1}";
  std::string line;
  AppendJsonLine(entry, &line);
  EXPECT_NE(
      line.find("\"path\":\"/a\\\"b\\\\c\\u000ad\\u0009e\\u0001\\u00ff\""),
      std::string::npos)
      << line;
  EXPECT_NE(line.find("\"host\":\"x\\u000d\\u000a{\\\"forged\\\":1}\""),
            std::string::npos)
      << line;
  // One line: the only newline ends it.
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

// The line is written into room sized beforehand: the widest values must
// fit what the formatter reserves besides the text.
TEST(AccessEntryTest, WidestValuesFitTheReservedRoom) {
  AccessEntry entry;
  entry.unix_time_us = INT64_MAX;
  entry.client_port = 65535;
  entry.status = -1;
  entry.bytes_received = UINT64_MAX;
  entry.bytes_sent = UINT64_MAX;
  entry.connect_ns = UINT64_MAX - 1;
  entry.tls_ns = UINT64_MAX - 1;
  entry.first_byte_ns = UINT64_MAX - 1;
  entry.duration_ns = UINT64_MAX - 1;
  std::string line;
  AppendJsonLine(entry, &line);
  EXPECT_LE(line.size(), kLineBytesBesidesText) << line;
  EXPECT_NE(line.find("\"duration\":18446744073.709551,"), std::string::npos)
      << line;
  EXPECT_NE(line.find("\"bytes_sent\":18446744073709551615,"),
            std::string::npos)
      << line;
}

// A line longer than the formatter's stack room (a long, escaped path) is
// written in place, after what the buffer already holds.
TEST(AccessEntryTest, LongLineAppendsAfterEarlierLines) {
  AccessEntry first;
  first.kind = "tcp";
  std::string out;
  AppendJsonLine(first, &out);
  const std::string first_line = out;
  AccessEntry entry;
  entry.kind = "http";
  const std::string path = "/" + std::string(3000, '\x01') + "end";
  entry.path = path;
  AppendJsonLine(entry, &out);
  ASSERT_EQ(out.substr(0, first_line.size()), first_line);
  std::string expected_path = "\"path\":\"/";
  for (int i = 0; i < 3000; ++i) expected_path += "\\u0001";
  expected_path += "end\"";
  EXPECT_NE(out.find(expected_path, first_line.size()), std::string::npos);
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n', first_line.size()), out.size() - 1);
}

}  // namespace
}  // namespace ringway::accesslog
