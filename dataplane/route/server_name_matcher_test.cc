#include "dataplane/route/server_name_matcher.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringway::route {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Optional;

ServerNameMatcher MustBuild(const std::vector<ServerNameRoute>& routes,
                            std::optional<uint32_t> default_target = 99) {
  absl::StatusOr<ServerNameMatcher> matcher =
      ServerNameMatcher::Build(routes, default_target);
  EXPECT_TRUE(matcher.ok()) << matcher.status();
  if (!matcher.ok()) return std::move(ServerNameMatcher::Build({}, {})).value();
  return std::move(matcher).value();
}

// The error message Build gives for `routes`, or "" if it succeeds.
std::string BuildError(const std::vector<ServerNameRoute>& routes) {
  absl::StatusOr<ServerNameMatcher> matcher =
      ServerNameMatcher::Build(routes, std::nullopt);
  if (matcher.ok()) return "";
  EXPECT_EQ(matcher.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(matcher.status().message());
}

std::string NameError(std::string name) {
  return BuildError({{.server_names = {std::move(name)}, .target = 1}});
}

ServerNameRoute Names(std::vector<std::string> names, uint32_t target) {
  return {.server_names = std::move(names), .target = target};
}

ServerNameRoute NamesAlpn(std::vector<std::string> names,
                          std::vector<std::string> alpn, uint32_t target) {
  return {.server_names = std::move(names),
          .alpn = std::move(alpn),
          .target = target};
}

// --- Pattern kinds -------------------------------------------------------

TEST(ServerNameMatcherTest, ExactNameMatchesOnlyThatName) {
  const ServerNameMatcher m = MustBuild({Names({"api.example.org"}, 1)});
  EXPECT_THAT(m.Lookup("api.example.org"), Optional(1u));
  EXPECT_THAT(m.Lookup("example.org"), Optional(99u));
  EXPECT_THAT(m.Lookup("x.api.example.org"), Optional(99u));
  EXPECT_THAT(m.Lookup("api.example.com"), Optional(99u));
}

TEST(ServerNameMatcherTest, WildcardMatchesExactlyOneLabelBelow) {
  const ServerNameMatcher m = MustBuild({Names({"*.example.org"}, 1)});
  EXPECT_THAT(m.Lookup("a.example.org"), Optional(1u));
  EXPECT_THAT(m.Lookup("www-2_x.example.org"), Optional(1u));
  EXPECT_THAT(m.Lookup("example.org"), Optional(99u));
  EXPECT_THAT(m.Lookup("a.b.example.org"), Optional(99u));
  EXPECT_THAT(m.Lookup("aexample.org"), Optional(99u));
}

TEST(ServerNameMatcherTest, SuffixMatchesBaseAndEverythingBelow) {
  const ServerNameMatcher m = MustBuild({Names({".example.org"}, 1)});
  EXPECT_THAT(m.Lookup("example.org"), Optional(1u));
  EXPECT_THAT(m.Lookup("a.example.org"), Optional(1u));
  EXPECT_THAT(m.Lookup("a.b.c.d.example.org"), Optional(1u));
  // Label boundaries only: a name merely ending in the same characters is
  // not below example.org.
  EXPECT_THAT(m.Lookup("badexample.org"), Optional(99u));
  EXPECT_THAT(m.Lookup("org"), Optional(99u));
}

TEST(ServerNameMatcherTest, SingleLabelBases) {
  const ServerNameMatcher m = MustBuild(
      {Names({"*.internal"}, 1), Names({".test"}, 2), Names({"localhost"}, 3)});
  EXPECT_THAT(m.Lookup("db.internal"), Optional(1u));
  EXPECT_THAT(m.Lookup("a.b.test"), Optional(2u));
  EXPECT_THAT(m.Lookup("test"), Optional(2u));
  EXPECT_THAT(m.Lookup("localhost"), Optional(3u));
}

TEST(ServerNameMatcherTest, OneRouteWithSeveralNames) {
  const ServerNameMatcher m =
      MustBuild({Names({"example.org", "*.example.net", ".example.com"}, 1)});
  EXPECT_THAT(m.Lookup("example.org"), Optional(1u));
  EXPECT_THAT(m.Lookup("a.example.net"), Optional(1u));
  EXPECT_THAT(m.Lookup("a.b.example.com"), Optional(1u));
  EXPECT_THAT(m.Lookup("example.net"), Optional(99u));
  EXPECT_EQ(m.pattern_count(), 3u);
}

// --- Normalisation ----------------------------------------------------------

TEST(ServerNameMatcherTest, CaseInsensitive) {
  const ServerNameMatcher m =
      MustBuild({Names({"API.Example.ORG"}, 1), Names({"*.EXAMPLE.net"}, 2),
                 Names({".Example.Com"}, 3)});
  EXPECT_THAT(m.Lookup("api.example.org"), Optional(1u));
  EXPECT_THAT(m.Lookup("Api.EXAMPLE.org"), Optional(1u));
  EXPECT_THAT(m.Lookup("WWW.example.NET"), Optional(2u));
  EXPECT_THAT(m.Lookup("A.B.EXAMPLE.COM"), Optional(3u));
}

TEST(ServerNameMatcherTest, OneTrailingDotIgnoredOnPatternsAndNames) {
  const ServerNameMatcher m =
      MustBuild({Names({"api.example.org."}, 1), Names({"*.example.net."}, 2),
                 Names({".example.com."}, 3)});
  EXPECT_THAT(m.Lookup("api.example.org"), Optional(1u));
  EXPECT_THAT(m.Lookup("api.example.org."), Optional(1u));
  EXPECT_THAT(m.Lookup("a.example.net."), Optional(2u));
  EXPECT_THAT(m.Lookup("example.com."), Optional(3u));
  // Only one: "a.." has an empty label.
  EXPECT_THAT(m.Lookup("api.example.org.."), Optional(99u));
}

TEST(ServerNameMatcherTest, InvalidServerNamesMatchNoPattern) {
  const ServerNameMatcher m =
      MustBuild({Names({"*.example.org", ".example.net"}, 1),
                 NamesAlpn({}, {"acme-tls/1"}, 2)});
  // The wildcard label must be a real label.
  EXPECT_THAT(m.Lookup(".example.org"), Optional(99u));
  EXPECT_THAT(m.Lookup("a b.example.org"), Optional(99u));
  EXPECT_THAT(m.Lookup(std::string_view("a\0b.example.org", 15)),
              Optional(99u));
  EXPECT_THAT(m.Lookup("\xc3\xa9.example.org"), Optional(99u));
  EXPECT_THAT(m.Lookup("a..example.net"), Optional(99u));
  EXPECT_THAT(m.Lookup(std::string(64, 'a') + ".example.org"), Optional(99u));
  EXPECT_THAT(m.Lookup(std::string(63, 'a') + ".example.org"), Optional(1u));
  EXPECT_THAT(m.Lookup("."), Optional(99u));
  // They are treated like a ClientHello without SNI.
  EXPECT_THAT(m.Lookup("a b.example.org", {"acme-tls/1"}), Optional(2u));
}

TEST(ServerNameMatcherTest, NameLengthLimit) {
  // 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 characters.
  const std::string longest = std::string(63, 'a') + "." +
                              std::string(63, 'b') + "." +
                              std::string(63, 'c') + "." + std::string(61, 'd');
  ASSERT_EQ(longest.size(), 253u);
  const ServerNameMatcher m =
      MustBuild({Names({longest}, 1), Names({"." + std::string(61, 'd')}, 2)});
  EXPECT_THAT(m.Lookup(longest), Optional(1u));
  EXPECT_THAT(m.Lookup(longest + "."), Optional(1u));
  // 255 characters: longer than any host name, so no pattern matches it.
  EXPECT_THAT(m.Lookup("x." + longest), Optional(99u));
}

// --- Precedence -------------------------------------------------------------
// Routes are listed least specific first so that config order cannot be what
// makes these pass.

TEST(ServerNameMatcherTest, ExactBeatsWildcardAndSuffix) {
  const ServerNameMatcher m =
      MustBuild({Names({".example.org"}, 3), Names({"*.example.org"}, 2),
                 Names({"api.example.org"}, 1)});
  EXPECT_THAT(m.Lookup("api.example.org"), Optional(1u));
}

TEST(ServerNameMatcherTest, WildcardBeatsSuffixOfTheSameBase) {
  const ServerNameMatcher m =
      MustBuild({Names({".example.org"}, 3), Names({"*.example.org"}, 2)});
  EXPECT_THAT(m.Lookup("a.example.org"), Optional(2u));
  EXPECT_THAT(m.Lookup("example.org"), Optional(3u));
  EXPECT_THAT(m.Lookup("a.b.example.org"), Optional(3u));
}

TEST(ServerNameMatcherTest, SuffixOfTheNameBeatsWildcardOfItsParent) {
  const ServerNameMatcher m =
      MustBuild({Names({"*.example.org"}, 2), Names({".a.example.org"}, 1)});
  EXPECT_THAT(m.Lookup("a.example.org"), Optional(1u));
  EXPECT_THAT(m.Lookup("b.example.org"), Optional(2u));
}

TEST(ServerNameMatcherTest, LongerBaseWins) {
  const ServerNameMatcher m = MustBuild(
      {Names({".org"}, 4), Names({".example.org"}, 3),
       Names({"*.b.example.org"}, 2), Names({".c.b.example.org"}, 1)});
  EXPECT_THAT(m.Lookup("x.c.b.example.org"), Optional(1u));
  EXPECT_THAT(m.Lookup("c.b.example.org"), Optional(1u));
  EXPECT_THAT(m.Lookup("d.b.example.org"), Optional(2u));
  EXPECT_THAT(m.Lookup("x.d.b.example.org"), Optional(3u));
  EXPECT_THAT(m.Lookup("b.example.org"), Optional(3u));
  EXPECT_THAT(m.Lookup("example.net.org"), Optional(4u));
  EXPECT_THAT(m.Lookup("example.net"), Optional(99u));
}

TEST(ServerNameMatcherTest, AnyNameMatchBeatsAlpnOnlyRoute) {
  // The acme-tls/1 route answers for every name that has no route of its
  // own; a name with its own route keeps its acme clients unless it also has
  // an ALPN route for them.
  const ServerNameMatcher m = MustBuild({
      NamesAlpn({}, {"acme-tls/1"}, 7),
      Names({"api.example.org"}, 1),
      Names({".example.net"}, 2),
      Names({"www.example.com"}, 3),
      NamesAlpn({"www.example.com"}, {"acme-tls/1"}, 8),
  });
  EXPECT_THAT(m.Lookup("api.example.org", {"acme-tls/1"}), Optional(1u));
  EXPECT_THAT(m.Lookup("a.example.net", {"acme-tls/1"}), Optional(2u));
  EXPECT_THAT(m.Lookup("www.example.com", {"acme-tls/1"}), Optional(8u));
  EXPECT_THAT(m.Lookup("www.example.com", {"h2"}), Optional(3u));
  EXPECT_THAT(m.Lookup("other.example.org", {"acme-tls/1"}), Optional(7u));
  EXPECT_THAT(m.Lookup("", {"acme-tls/1"}), Optional(7u));
}

TEST(ServerNameMatcherTest, AlpnOnlyRouteBeatsDefault) {
  const ServerNameMatcher m = MustBuild({NamesAlpn({}, {"h2"}, 5)});
  EXPECT_THAT(m.Lookup("any.example.org", {"h2"}), Optional(5u));
  EXPECT_THAT(m.Lookup("any.example.org", {"http/1.1"}), Optional(99u));
}

TEST(ServerNameMatcherTest, RouteWithNeitherNamesNorAlpnCatchesAll) {
  const ServerNameMatcher m =
      MustBuild({ServerNameRoute{.target = 6}, NamesAlpn({}, {"h2"}, 5),
                 Names({"api.example.org"}, 1)});
  EXPECT_THAT(m.Lookup("api.example.org"), Optional(1u));
  EXPECT_THAT(m.Lookup("x.example.org", {"h2"}), Optional(5u));
  EXPECT_THAT(m.Lookup("x.example.org"), Optional(6u));
  EXPECT_THAT(m.Lookup(""), Optional(6u));
}

TEST(ServerNameMatcherTest, NoDefaultMeansNoMatch) {
  const ServerNameMatcher m =
      MustBuild({Names({"api.example.org"}, 1)}, std::nullopt);
  EXPECT_THAT(m.Lookup("api.example.org"), Optional(1u));
  EXPECT_EQ(m.Lookup("www.example.org"), std::nullopt);
  EXPECT_EQ(m.Lookup(""), std::nullopt);
}

TEST(ServerNameMatcherTest, NoRoutes) {
  EXPECT_THAT(MustBuild({}, 4).Lookup("a.example.org"), Optional(4u));
  EXPECT_EQ(MustBuild({}, std::nullopt).Lookup("a.example.org"), std::nullopt);
  EXPECT_EQ(MustBuild({}).pattern_count(), 0u);
}

// --- ALPN -------------------------------------------------------------------

TEST(ServerNameMatcherTest, AlpnMatchBeatsNoAlpnOnTheSamePattern) {
  const ServerNameMatcher m = MustBuild(
      {Names({"*.example.org"}, 1), NamesAlpn({"*.example.org"}, {"h2"}, 2)});
  EXPECT_THAT(m.Lookup("a.example.org", {"http/1.1", "h2"}), Optional(2u));
  EXPECT_THAT(m.Lookup("a.example.org", {"http/1.1"}), Optional(1u));
  EXPECT_THAT(m.Lookup("a.example.org", {}), Optional(1u));
}

TEST(ServerNameMatcherTest, AlpnMismatchFallsThroughToLessSpecificPattern) {
  const ServerNameMatcher m = MustBuild({
      Names({".example.org"}, 3),
      NamesAlpn({"*.example.org"}, {"h2"}, 2),
      NamesAlpn({"api.example.org"}, {"acme-tls/1"}, 1),
  });
  EXPECT_THAT(m.Lookup("api.example.org", {"acme-tls/1"}), Optional(1u));
  EXPECT_THAT(m.Lookup("api.example.org", {"h2"}), Optional(2u));
  EXPECT_THAT(m.Lookup("api.example.org", {"http/1.1"}), Optional(3u));
  EXPECT_THAT(m.Lookup("api.example.org"), Optional(3u));
}

TEST(ServerNameMatcherTest, AlpnMismatchEverywhereGivesDefault) {
  const ServerNameMatcher m =
      MustBuild({NamesAlpn({"api.example.org"}, {"h2"}, 1),
                 NamesAlpn({}, {"acme-tls/1"}, 2)});
  EXPECT_THAT(m.Lookup("api.example.org", {"http/1.1"}), Optional(99u));
}

TEST(ServerNameMatcherTest, FirstMatchingAlpnRouteInConfigOrderWins) {
  const ServerNameMatcher m = MustBuild({
      Names({"api.example.org"}, 9),
      NamesAlpn({"api.example.org"}, {"http/1.1"}, 1),
      NamesAlpn({"api.example.org"}, {"h2", "h3"}, 2),
      NamesAlpn({"api.example.org"}, {"h2"}, 3),
  });
  EXPECT_THAT(m.Lookup("api.example.org", {"h2", "http/1.1"}), Optional(1u));
  EXPECT_THAT(m.Lookup("api.example.org", {"h2"}), Optional(2u));
  EXPECT_THAT(m.Lookup("api.example.org", {"spdy/3"}), Optional(9u));
}

TEST(ServerNameMatcherTest, AlpnIdsCompareExactly) {
  const ServerNameMatcher m =
      MustBuild({NamesAlpn({"api.example.org"}, {"h2"}, 1)});
  EXPECT_THAT(m.Lookup("api.example.org", {"H2"}), Optional(99u));
  EXPECT_THAT(m.Lookup("api.example.org", {"h2c"}), Optional(99u));
  EXPECT_THAT(m.Lookup("api.example.org", {"h"}), Optional(99u));
}

TEST(ServerNameMatcherTest, PredicateIsAskedOnlyAboutListedProtocols) {
  const ServerNameMatcher m =
      MustBuild({Names({"api.example.org"}, 1),
                 NamesAlpn({"*.example.org"}, {"h2", "http/1.1"}, 2)});
  std::vector<std::string> asked;
  auto offers_http11 = [&asked](std::string_view protocol) {
    asked.emplace_back(protocol);
    return protocol == "http/1.1";
  };
  EXPECT_THAT(m.Lookup("api.example.org", offers_http11), Optional(1u));
  EXPECT_TRUE(asked.empty());
  EXPECT_THAT(m.Lookup("www.example.org", offers_http11), Optional(2u));
  EXPECT_THAT(asked, testing::ElementsAre("h2", "http/1.1"));
}

TEST(ServerNameMatcherTest, NoSniGoesToAlpnOnlyRoutesThenDefault) {
  const ServerNameMatcher m =
      MustBuild({Names({".example.org"}, 1), NamesAlpn({}, {"acme-tls/1"}, 2)});
  EXPECT_THAT(m.Lookup("", {"acme-tls/1"}), Optional(2u));
  EXPECT_THAT(m.Lookup("", {"h2"}), Optional(99u));
  EXPECT_THAT(m.Lookup(""), Optional(99u));
}

// --- Build errors -----------------------------------------------------------

TEST(ServerNameMatcherTest, RejectsInvalidPatterns) {
  EXPECT_THAT(NameError(""), AllOf(HasSubstr("routes[0].server_names[0] \"\""),
                                   HasSubstr("empty name")));
  EXPECT_THAT(NameError("."), HasSubstr("empty name"));
  EXPECT_THAT(NameError("*"), HasSubstr("leave server_names empty"));
  // The trailing dot goes first, leaving "*".
  EXPECT_THAT(NameError("*."), HasSubstr("leave server_names empty"));
  EXPECT_THAT(NameError(".."), HasSubstr("no name after"));
  EXPECT_THAT(NameError("*.."), HasSubstr("no name after \"*.\""));
  EXPECT_THAT(NameError("a..example.org"), HasSubstr("empty label"));
  EXPECT_THAT(NameError("..example.org"), HasSubstr("empty label"));
  EXPECT_THAT(NameError("*..example.org"), HasSubstr("empty label"));
  EXPECT_THAT(NameError("example.org.."), HasSubstr("empty label"));
  EXPECT_THAT(NameError("a.*.example.org"),
              HasSubstr("\"*\" is only allowed as the whole first label"));
  EXPECT_THAT(NameError("*a.example.org"),
              HasSubstr("\"*\" is only allowed as the whole first label"));
  EXPECT_THAT(NameError("*.*.example.org"),
              HasSubstr("\"*\" is only allowed as the whole first label"));
  EXPECT_THAT(NameError("a b.example.org"),
              HasSubstr("character ' ' at offset 1 is not allowed"));
  EXPECT_THAT(NameError("*.a/b.org"),
              HasSubstr("character '/' at offset 3 is not allowed"));
  EXPECT_THAT(
      NameError("\xc3\xa9.example.org"),
      AllOf(HasSubstr("character '\\xc3' at offset 0"), HasSubstr("punycode")));
  EXPECT_THAT(NameError(std::string(64, 'a') + ".org"),
              HasSubstr("label is longer than 63"));
  EXPECT_THAT(NameError(std::string(63, 'a') + ".org"), "");
  std::string too_long;
  for (int i = 0; i < 4; ++i) too_long += std::string(63, 'a') + ".";
  EXPECT_THAT(NameError(too_long.substr(0, 254)),
              HasSubstr("longer than 253 characters"));
  EXPECT_THAT(NameError(too_long.substr(0, 253)), "");
}

TEST(ServerNameMatcherTest, ErrorNamesTheRouteAndTheName) {
  EXPECT_THAT(
      BuildError({Names({"a.example.org"}, 1),
                  Names({"b.example.org", "c..example.org"}, 2)}),
      HasSubstr("routes[1].server_names[1] \"c..example.org\": empty label"));
}

TEST(ServerNameMatcherTest, RejectsInvalidAlpn) {
  EXPECT_THAT(BuildError({NamesAlpn({"a.example.org"}, {"h2", ""}, 1)}),
              AllOf(HasSubstr("routes[0].alpn"), HasSubstr("1 to 255 bytes")));
  EXPECT_THAT(BuildError({NamesAlpn({}, {std::string(256, 'x')}, 1)}),
              HasSubstr("1 to 255 bytes"));
  EXPECT_THAT(BuildError({NamesAlpn({}, {std::string(255, 'x')}, 1)}), "");
  EXPECT_THAT(BuildError({NamesAlpn({}, {"h2", "h2"}, 1)}),
              HasSubstr("ALPN ID \"h2\" is listed twice"));
}

TEST(ServerNameMatcherTest, RejectsDuplicatePatternAcrossRoutes) {
  EXPECT_THAT(
      BuildError({Names({"a.example.org"}, 1), Names({"x.example.org"}, 2),
                  Names({"y.example.org", "A.Example.Org."}, 3)}),
      AllOf(HasSubstr("routes[2].server_names[1] \"A.Example.Org.\""),
            HasSubstr("routes[0].server_names[0] already has this pattern"),
            HasSubstr("routes[2] could never match it")));
  EXPECT_THAT(BuildError({NamesAlpn({"*.example.org"}, {"h2", "http/1.1"}, 1),
                          NamesAlpn({"*.example.org"}, {"http/1.1", "h2"}, 2)}),
              HasSubstr("routes[0].server_names[0] already has this pattern"));
}

TEST(ServerNameMatcherTest, RejectsDuplicatePatternWithinRoute) {
  EXPECT_THAT(BuildError({Names({".example.org", "x.org", ".EXAMPLE.org"}, 1)}),
              HasSubstr("routes[0].server_names[2] \".EXAMPLE.org\": the same "
                        "pattern as server_names[0]"));
}

TEST(ServerNameMatcherTest, RejectsDuplicateAlpnOnlyRoutes) {
  EXPECT_THAT(BuildError({NamesAlpn({}, {"acme-tls/1"}, 1),
                          NamesAlpn({}, {"acme-tls/1"}, 2)}),
              HasSubstr("routes[1] has no server names and the same ALPN "
                        "list as routes[0]"));
  EXPECT_THAT(
      BuildError({ServerNameRoute{.target = 1}, ServerNameRoute{.target = 2}}),
      HasSubstr("routes[1] has no server names"));
}

TEST(ServerNameMatcherTest, AcceptsSamePatternWithDifferentAlpnOrKind) {
  const ServerNameMatcher m = MustBuild({
      Names({"example.org", "*.example.org", ".example.org"}, 1),
      NamesAlpn({"example.org"}, {"h2"}, 2),
      NamesAlpn({"example.org"}, {"h2", "http/1.1"}, 3),
      NamesAlpn({}, {"h2"}, 4),
      ServerNameRoute{.target = 5},
  });
  EXPECT_EQ(m.pattern_count(), 3u);
}

TEST(ServerNameMatcherTest, PatternCountCountsDistinctPatterns) {
  const ServerNameMatcher m = MustBuild({
      Names({"a.example.org", "b.example.org"}, 1),
      NamesAlpn({"a.example.org"}, {"h2"}, 2),
      NamesAlpn({}, {"h2"}, 3),
  });
  EXPECT_EQ(m.pattern_count(), 2u);
}

// --- Ownership and threads -------------------------------------------------

TEST(ServerNameMatcherTest, WorksAfterMove) {
  ServerNameMatcher m = MustBuild({NamesAlpn({"a.example.org"}, {"h2"}, 1)});
  const ServerNameMatcher moved = std::move(m);
  EXPECT_THAT(moved.Lookup("a.example.org", {"h2"}), Optional(1u));
}

TEST(ServerNameMatcherTest, ConcurrentLookupsAgree) {
  std::vector<ServerNameRoute> routes;
  for (uint32_t i = 0; i < 1000; ++i) {
    routes.push_back(Names({"host-" + std::to_string(i) + ".example.org"}, i));
  }
  const ServerNameMatcher m = MustBuild(routes);
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m, &wrong, t] {
      for (uint32_t i = 0; i < 1000; ++i) {
        const std::string name = "HOST-" + std::to_string(i) + ".example.org";
        if (m.Lookup(name) != std::optional<uint32_t>(i)) ++wrong[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(wrong, testing::Each(0));
}

}  // namespace
}  // namespace ringway::route
