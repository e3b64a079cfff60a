#include "dataplane/conn/preamble.h"

#include <memory>
#include <string>
#include <vector>

#include "dataplane/codec/client_hello_test_util.h"
#include "gtest/gtest.h"

namespace ringway::conn {
namespace {

route::ListenerRoutes PassthroughListener() {
  route::ListenerRoutes listener;
  listener.kind = route::ListenerKind::kTlsPassthrough;
  auto matcher = route::ServerNameMatcher::Build(
      {{.server_names = {"a.test"}, .target = 1}}, /*default_target=*/0);
  EXPECT_TRUE(matcher.ok());
  listener.tls.matcher =
      std::make_shared<route::ServerNameMatcher>(std::move(*matcher));
  listener.tls.default_group = 0;
  return listener;
}

// A ClientHello split over many segments is decided from bytes_needed, not
// re-parsed on every segment: the first partial parse already names the
// full length, and deciding again at exactly that length routes.
TEST(PreambleTest, PartialClientHelloNamesTheBytesItNeeds) {
  route::ListenerRoutes listener = PassthroughListener();
  codec::Bytes hello = codec::CaptureClientHello({.server_name = "a.test"});
  std::vector<uint8_t> scratch(65536);
  codec::ProxyHeader header;
  codec::ClientHelloInfo info;
  PreambleResult partial =
      DecidePreamble(listener, std::span<const uint8_t>(hello).first(20), false,
                     scratch, &header, &info);
  ASSERT_EQ(partial.outcome, PreambleOutcome::kNeedMoreData);
  EXPECT_EQ(partial.bytes_needed, hello.size());
  PreambleResult all =
      DecidePreamble(listener, hello, false, scratch, &header, &info);
  ASSERT_EQ(all.outcome, PreambleOutcome::kRoute);
  EXPECT_EQ(all.group, 1u);
}

TEST(PreambleTest, PartialProxyHeaderAsksForMoreThanItHas) {
  route::ListenerRoutes listener;
  listener.kind = route::ListenerKind::kTcpProxy;
  listener.proxy_protocol.enabled = true;
  listener.upstream_group = 3;
  const std::string line = "PROXY TCP4 192.0.2.1 192.0.2.2 1000 443\r\n";
  std::vector<uint8_t> scratch(16);
  codec::ProxyHeader header;
  codec::ClientHelloInfo info;
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(line.data()),
                                 line.size());
  PreambleResult partial =
      DecidePreamble(listener, bytes.first(10), true, scratch, &header, &info);
  ASSERT_EQ(partial.outcome, PreambleOutcome::kNeedMoreData);
  EXPECT_GT(partial.bytes_needed, 10u);
  PreambleResult all =
      DecidePreamble(listener, bytes, true, scratch, &header, &info);
  ASSERT_EQ(all.outcome, PreambleOutcome::kRoute);
  EXPECT_EQ(all.group, 3u);
  EXPECT_EQ(all.proxy_header_bytes, line.size());
}

}  // namespace
}  // namespace ringway::conn
