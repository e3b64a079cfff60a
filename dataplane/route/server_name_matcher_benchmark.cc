// Lookup cost with 10 and with 100,000 server names: it should not grow with
// the number of names, only with the labels of the name looked up (and, for
// the rotating variants, with cache misses once the table outgrows the cache).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "benchmark/benchmark.h"
#include "dataplane/route/server_name_matcher.h"

namespace ringway::route {
namespace {

std::string ExactName(int64_t i) {
  return "host-" + std::to_string(i) + ".svc.example.org";
}
std::string WildcardBase(int64_t i) {
  return "tenant-" + std::to_string(i) + ".example.net";
}

// Even routes are exact names, odd routes wildcards; one in ten wildcard
// routes wants h2, so that ALPN checks are part of the picture.
std::vector<ServerNameRoute> MakeRoutes(int64_t count) {
  std::vector<ServerNameRoute> routes;
  routes.reserve(count);
  for (int64_t i = 0; i < count; ++i) {
    ServerNameRoute route{.target = static_cast<uint32_t>(i)};
    if (i % 2 == 0) {
      route.server_names.push_back(ExactName(i));
    } else {
      route.server_names.push_back("*." + WildcardBase(i));
      if (i % 20 == 1) route.alpn.push_back("h2");
    }
    routes.push_back(std::move(route));
  }
  return routes;
}

// Built once per size and kept for the process: building 100,000 routes
// takes far longer than the lookups measured.
const ServerNameMatcher& MatcherWith(int64_t count) {
  static auto* matchers =
      new std::map<int64_t, std::unique_ptr<ServerNameMatcher>>();
  std::unique_ptr<ServerNameMatcher>& matcher = (*matchers)[count];
  if (matcher == nullptr) {
    matcher = std::make_unique<ServerNameMatcher>(
        ServerNameMatcher::Build(MakeRoutes(count), 0).value());
  }
  return *matcher;
}

constexpr std::string_view kOfferedAlpn[] = {"h2", "http/1.1"};

void LookupOne(benchmark::State& state, const std::string& name) {
  const ServerNameMatcher& matcher = MatcherWith(state.range(0));
  for (auto _ : state) {
    std::string_view query = name;
    benchmark::DoNotOptimize(query);
    benchmark::DoNotOptimize(matcher.Lookup(query, kOfferedAlpn));
  }
}

void BM_ExactHit(benchmark::State& state) { LookupOne(state, ExactName(0)); }
void BM_WildcardHit(benchmark::State& state) {
  LookupOne(state, "www." + WildcardBase(1));  // Wants h2: offered.
}
void BM_Miss(benchmark::State& state) {
  LookupOne(state, "www.nothing.example.com");
}
void BM_MissUppercaseTrailingDot(benchmark::State& state) {
  LookupOne(state, "WWW.Nothing.Example.COM.");
}

// Cycles through up to 4096 different names so that, with 100,000 routes,
// most probes leave the CPU cache: the realistic case for a busy proxy.
void LookupMany(benchmark::State& state, std::vector<std::string> names) {
  const ServerNameMatcher& matcher = MatcherWith(state.range(0));
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(matcher.Lookup(names[i], kOfferedAlpn));
    if (++i == names.size()) i = 0;
  }
}

std::vector<std::string> SpreadNames(int64_t count, int64_t parity,
                                     std::string (*make)(int64_t)) {
  std::vector<std::string> names;
  const int64_t step = count > 8192 ? (count / 4096) | 1 : 1;
  for (int64_t i = parity; i < count && names.size() < 4096; i += 2 * step) {
    names.push_back(make(i));
  }
  return names;
}

void BM_ExactHitRotating(benchmark::State& state) {
  LookupMany(state, SpreadNames(state.range(0), 0, ExactName));
}
void BM_WildcardHitRotating(benchmark::State& state) {
  LookupMany(state, SpreadNames(state.range(0), 1, [](int64_t i) {
               return "www." + WildcardBase(i);
             }));
}

void BM_Build(benchmark::State& state) {
  const std::vector<ServerNameRoute> routes = MakeRoutes(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(ServerNameMatcher::Build(routes, 0));
  }
}

BENCHMARK(BM_ExactHit)->Arg(10)->Arg(100'000);
BENCHMARK(BM_WildcardHit)->Arg(10)->Arg(100'000);
BENCHMARK(BM_Miss)->Arg(10)->Arg(100'000);
BENCHMARK(BM_MissUppercaseTrailingDot)->Arg(10)->Arg(100'000);
BENCHMARK(BM_ExactHitRotating)->Arg(10)->Arg(100'000);
BENCHMARK(BM_WildcardHitRotating)->Arg(10)->Arg(100'000);
BENCHMARK(BM_Build)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ringway::route
