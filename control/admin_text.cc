#include "control/admin_text.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dataplane/stats/shard_stats.h"

namespace ringway::control {
namespace {

// Counter names in ringway's order, then any this build does not know (a
// newer server), sorted.
std::vector<std::string> CounterOrder(const admin::Stats& stats) {
  std::vector<std::string> names;
  absl::flat_hash_set<std::string> known;
  for (int c = 0; c < static_cast<int>(stats::Counter::kNumCounters); ++c) {
    std::string name(stats::CounterName(static_cast<stats::Counter>(c)));
    if (stats.total().contains(name)) {
      known.insert(name);
      names.push_back(std::move(name));
    }
  }
  std::vector<std::string> others;
  for (const auto& [name, value] : stats.total()) {
    if (!known.contains(name)) others.push_back(name);
  }
  std::sort(others.begin(), others.end());
  names.insert(names.end(), others.begin(), others.end());
  return names;
}

uint64_t Value(const google::protobuf::Map<std::string, uint64_t>& counters,
               const std::string& name) {
  auto it = counters.find(name);
  return it == counters.end() ? 0 : it->second;
}

void AppendCounters(const admin::Stats& stats, std::string* out) {
  absl::StrAppendFormat(out, "%-30s", "counter");
  for (const admin::ShardCounters& shard : stats.shards()) {
    absl::StrAppendFormat(
        out, " %14s",
        absl::StrCat("shard", shard.shard(), "/cpu", shard.cpu()));
  }
  absl::StrAppendFormat(out, " %14s\n", "total");
  for (const std::string& name : CounterOrder(stats)) {
    absl::StrAppendFormat(out, "%-30s", name);
    for (const admin::ShardCounters& shard : stats.shards()) {
      absl::StrAppendFormat(out, " %14d", Value(shard.counters(), name));
    }
    absl::StrAppendFormat(out, " %14d\n", Value(stats.total(), name));
  }
}

void AppendUpstreams(const admin::Stats& stats, std::string* out) {
  absl::StrAppendFormat(out,
                        "\n%-16s %-24s %-4s %-14s %8s %6s %10s %9s %7s %10s "
                        "%8s %8s %8s %5s %8s %8s %8s %8s\n",
                        "group", "server", "tls", "state", "active", "idle",
                        "connects", "failures", "downs", "reuses", "tls_full",
                        "resumed", "tls_err", "check", "chk_ok", "chk_fail",
                        "ktls", "ktls_fb");
  for (const admin::UpstreamServer& r : stats.upstreams()) {
    absl::StrAppendFormat(
        out,
        "%-16s %-24s %-4s %-14s %8d %6d %10d %9d %7d %10d %8d %8d %8d %5s "
        "%8d %8d %8d %8d\n",
        r.group(), r.server(), r.tls() ? "yes" : "no", r.state(),
        r.active_connections(), r.idle_connections(), r.connects_ok(),
        r.connect_failures(), r.marked_down(), r.reuses(),
        r.tls_handshakes() - r.tls_resumed(), r.tls_resumed(), r.tls_failures(),
        r.check().empty() ? "-" : r.check(), r.checks_passed(),
        r.checks_failed(), r.ktls_connections(), r.ktls_fallbacks());
  }
}

// kTLS per listener (client sockets) and the latest reason for a fallback,
// per listener or server.
void AppendKtls(const admin::Stats& stats, std::string* out) {
  absl::StrAppendFormat(out, "\n%-24s %8s %8s  %s\n", "listener", "ktls",
                        "ktls_fb", "last kTLS fallback");
  for (const admin::ListenerKtls& l : stats.listeners()) {
    absl::StrAppendFormat(
        out, "%-24s %8d %8d  %s\n", l.listener(), l.ktls_connections(),
        l.ktls_fallbacks(),
        l.ktls_last_fallback().empty() ? "-" : l.ktls_last_fallback());
  }
  for (const admin::UpstreamServer& r : stats.upstreams()) {
    if (r.ktls_last_fallback().empty()) continue;
    absl::StrAppendFormat(
        out, "%-24s %8d %8d  %s\n", absl::StrCat(r.group(), "/", r.server()),
        r.ktls_connections(), r.ktls_fallbacks(), r.ktls_last_fallback());
  }
}

}  // namespace

std::string RouteTableText(const admin::RouteTable& table) {
  return absl::StrFormat(
      "version: %d\ncontent_hash: %s\nsource: %s\napplied_at: %s\n"
      "listeners: %d\nupstream_groups: %d\n---\n%s",
      table.version(), table.content_hash(), table.source(), table.applied_at(),
      table.listeners(), table.upstream_groups(), table.config());
}

std::string StatsText(const admin::Stats& stats) {
  std::string out;
  AppendCounters(stats, &out);
  AppendUpstreams(stats, &out);
  AppendKtls(stats, &out);
  return out;
}

}  // namespace ringway::control
