#include "control/ringway_server.h"

#include <sched.h>
#include <unistd.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "control/admin_http_server.h"
#include "control/admin_server.h"
#include "control/json_escape.h"
#include "dataplane/common/log.h"
#include "dataplane/common/monotonic_clock.h"
#include "dataplane/net/listen_socket.h"
#include "dataplane/tls/ktls_socket.h"

namespace ringway::control {

std::vector<int> AllowedCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
    }
  }
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

absl::StatusOr<std::unique_ptr<RingwayServer>> RingwayServer::Start(
    ServerOptions options) {
  std::unique_ptr<RingwayServer> server(new RingwayServer());
  ApplyOutcome initial =
      server->routes_.Initialize(options.config_text, options.config_source);
  if (!initial.applied) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad config ", options.config_source, ": ",
                     absl::StrJoin(initial.errors, "; ")));
  }
  std::vector<int> allowed = AllowedCpus();
  int count =
      options.shards > 0 ? options.shards : static_cast<int>(allowed.size());
  for (int i = 0; i < count; ++i) {
    server->cpus_.push_back(allowed[i % allowed.size()]);
  }
  if (absl::Status s = server->OpenListeners(*initial.snapshot); !s.ok()) {
    return s;
  }
  if (absl::Status s = server->StartShards(options); !s.ok()) return s;
  server->routes_.set_publisher(
      [raw = server.get()](std::shared_ptr<const route::RouteSnapshot> s) {
        raw->PublishToShards(std::move(s));
      });
  if (!options.admin_socket.empty()) {
    auto admin = AdminServer::Start(options.admin_socket, server.get());
    if (!admin.ok()) {
      server->Drain(absl::ZeroDuration());
      return admin.status();
    }
    server->admin_ = std::move(*admin);
  }
  if (!initial.snapshot->admin_http_address.empty()) {
    auto at =
        address::SocketAddress::Parse(initial.snapshot->admin_http_address);
    auto http =
        at.ok() ? AdminHttpServer::Start(*at, server.get())
                : absl::StatusOr<std::unique_ptr<AdminHttpServer>>(at.status());
    if (!http.ok()) {
      server->Drain(absl::ZeroDuration());
      return http.status();
    }
    server->admin_http_ = std::move(*http);
  }
  return server;
}

RingwayServer::~RingwayServer() {
  if (!drained_) Drain(absl::ZeroDuration());
  for (auto& per_shard : listen_fds_) {
    for (int fd : per_shard) {
      if (fd >= 0) close(fd);
    }
  }
}

absl::Status RingwayServer::OpenListeners(
    const route::RouteSnapshot& snapshot) {
  for (const route::ListenerRoutes& listener : snapshot.listeners) {
    auto address = address::SocketAddress::Parse(listener.address);
    if (!address.ok()) return address.status();
    address::SocketAddress bound;
    auto fds =
        net::OpenReusePortGroup(*address, cpus_,
                                {.backlog = listener.backlog,
                                 .defer_accept_s = listener.defer_accept_s},
                                &bound);
    if (!fds.ok()) {
      return absl::Status(fds.status().code(),
                          absl::StrFormat("listener \"%s\": %s", listener.name,
                                          fds.status().message()));
    }
    listen_fds_.push_back(std::move(*fds));
    listener_names_.push_back(listener.name);
    listener_addresses_.push_back(bound);
  }
  return absl::OkStatus();
}

absl::Status RingwayServer::StartShards(const ServerOptions& options) {
  for (size_t i = 0; i < cpus_.size(); ++i) {
    shard::ShardOptions shard_options;
    shard_options.id = static_cast<int>(i);
    shard_options.cpu = cpus_[i];
    shard_options.initial_snapshot = routes_.current();
    shard_options.max_connections = options.max_connections_per_shard;
    for (auto& per_shard : listen_fds_) {
      shard_options.listen_fds.push_back(per_shard[i]);
      per_shard[i] = -1;  // the shard owns it now
    }
    auto shard = std::make_unique<shard::Shard>(std::move(shard_options));
    absl::Status started = shard->Start();
    if (!started.ok()) {
      Drain(absl::ZeroDuration());
      return absl::Status(started.code(), absl::StrFormat("shard %d: %s", i,
                                                          started.message()));
    }
    shards_.push_back(std::move(shard));
  }
  RINGWAY_LOG(kInfo, "%d shards on cpus [%s], ring: %s", shards_.size(),
              absl::StrJoin(cpus_, ","),
              shards_.empty() ? "" : shards_[0]->ring_features().Describe());
  RINGWAY_LOG(kInfo, "kTLS: %s", tls::KernelKtlsSupport().Describe());
  return absl::OkStatus();
}

void RingwayServer::PublishToShards(
    std::shared_ptr<const route::RouteSnapshot> snapshot) {
  const uint64_t version = snapshot->version;
  notifier_.Reloading();
  PostToShards({shard::ShardMessage::Kind::kSnapshot, std::move(snapshot), 0});
  // Apply returns only once every shard serves new connections from it.
  const uint64_t give_up = MonotonicNowNs() + 5'000 * kNsPerMs;
  for (auto& shard : shards_) {
    while (shard->stats().snapshot_version.load(std::memory_order_acquire) <
           version) {
      if (MonotonicNowNs() > give_up) {
        RINGWAY_LOG(kWarning, "shard %d has not taken route table %d yet",
                    shard->id(), version);
        break;
      }
      usleep(50);
    }
  }
  RINGWAY_LOG(kInfo, "route table version %d is live", version);
  notifier_.Ready(absl::StrFormat("route table version %d", version));
}

void RingwayServer::PostToShards(const shard::ShardMessage& message) {
  std::lock_guard<std::mutex> lock(post_mutex_);
  for (auto& shard : shards_) shard->Post(message);
}

bool RingwayServer::AskShards(
    std::shared_ptr<upstream::UpstreamReportRequest> request,
    absl::Duration timeout) {
  shard::ShardMessage message;
  message.kind = shard::ShardMessage::Kind::kReportUpstreams;
  message.report = request;
  PostToShards(message);
  const uint64_t give_up =
      MonotonicNowNs() +
      static_cast<uint64_t>(absl::ToInt64Nanoseconds(timeout));
  bool all = true;
  for (auto& slot : request->slots) {
    while (!slot.done.load(std::memory_order_acquire) &&
           MonotonicNowNs() < give_up) {
      usleep(50);
    }
    all = all && slot.done.load(std::memory_order_acquire);
  }
  return all;
}

bool RingwayServer::ShardsResponsive(absl::Duration timeout) {
  return AskShards(
      std::make_shared<upstream::UpstreamReportRequest>(shards_.size()),
      timeout);
}

address::SocketAddress RingwayServer::listener_address(
    const std::string& name) const {
  for (size_t i = 0; i < listener_names_.size(); ++i) {
    if (listener_names_[i] == name) return listener_addresses_[i];
  }
  return address::SocketAddress();
}

uint64_t RingwayServer::Total(stats::Counter counter) const {
  uint64_t total = 0;
  for (const auto& shard : shards_) total += shard->stats().Get(counter);
  return total;
}

RingwayServer::HistogramTotal RingwayServer::Total(
    stats::Histogram histogram) const {
  HistogramTotal total;
  for (const auto& shard : shards_) {
    const stats::HistogramCounts& h =
        shard->stats().histograms[static_cast<int>(histogram)];
    for (size_t i = 0; i < total.buckets.size(); ++i) {
      total.buckets[i] += h.buckets[i].load(std::memory_order_relaxed);
    }
    total.sum_ns += h.sum_ns.load(std::memory_order_relaxed);
  }
  return total;
}

RingwayServer::ListenerTotal RingwayServer::ListenerTotals(
    size_t listener) const {
  ListenerTotal total;
  for (const auto& shard : shards_) {
    const stats::ListenerStats& counts = shard->listener_stats(listener);
    total.accepted += counts.accepted.load(std::memory_order_relaxed);
    total.open += counts.open.load(std::memory_order_relaxed);
    total.http_requests += counts.http_requests.load(std::memory_order_relaxed);
  }
  return total;
}

std::vector<upstream::ServerReport> RingwayServer::UpstreamReports(
    std::vector<upstream::ListenerReport>* listeners) {
  auto request =
      std::make_shared<upstream::UpstreamReportRequest>(shards_.size());
  AskShards(request, absl::Seconds(1));
  std::vector<upstream::ServerReport> rows;
  for (auto& slot : request->slots) {
    if (!slot.done.load(std::memory_order_acquire)) continue;
    if (listeners != nullptr) {
      if (listeners->empty()) {
        *listeners = slot.listeners;
      } else {
        for (size_t i = 0; i < listeners->size() && i < slot.listeners.size();
             ++i) {
          (*listeners)[i].ktls.Merge(slot.listeners[i].ktls);
        }
      }
    }
    if (rows.empty()) {
      rows = slot.rows;
      continue;
    }
    // Every shard serves the same current table: the same rows in order.
    for (size_t i = 0; i < rows.size() && i < slot.rows.size(); ++i) {
      if (rows[i].group == slot.rows[i].group &&
          rows[i].server == slot.rows[i].server) {
        upstream::MergeServerReport(rows[i], slot.rows[i]);
      }
    }
  }
  return rows;
}

namespace {

std::string ServerState(const upstream::ServerReport& r) {
  if (r.shards_down == 0) return "up";
  if (r.shards_up == 0) {
    if (r.shards_check_down == r.shards_down) return "down (check)";
    return absl::StrCat("down ", r.down_for_ms, "ms");
  }
  return absl::StrCat("down on ", r.shards_down, "/",
                      r.shards_up + r.shards_down, " shards");
}

void AppendUpstreamsText(const std::vector<upstream::ServerReport>& rows,
                         std::string* out) {
  absl::StrAppendFormat(out,
                        "\n%-16s %-24s %-4s %-14s %8s %6s %10s %9s %7s %10s "
                        "%8s %8s %8s %5s %8s %8s %8s %8s\n",
                        "group", "server", "tls", "state", "active", "idle",
                        "connects", "failures", "downs", "reuses", "tls_full",
                        "resumed", "tls_err", "check", "chk_ok", "chk_fail",
                        "ktls", "ktls_fb");
  for (const upstream::ServerReport& r : rows) {
    absl::StrAppendFormat(
        out,
        "%-16s %-24s %-4s %-14s %8d %6d %10d %9d %7d %10d %8d %8d %8d %5s "
        "%8d %8d %8d %8d\n",
        r.group, r.server, r.tls ? "yes" : "no", ServerState(r),
        r.active_connections, r.idle_connections, r.connects_ok,
        r.connect_failures, r.marked_down, r.reuses,
        r.tls_handshakes - r.tls_resumed, r.tls_resumed, r.tls_failures,
        r.check.empty() ? "-" : r.check, r.checks_passed, r.checks_failed,
        r.ktls.connections, r.ktls.fallbacks);
  }
}

// kTLS per listener (client sockets) and the latest reason for a fallback,
// per listener or server.
void AppendKtlsText(const std::vector<upstream::ListenerReport>& listeners,
                    const std::vector<upstream::ServerReport>& rows,
                    std::string* out) {
  absl::StrAppendFormat(out, "\n%-24s %8s %8s  %s\n", "listener", "ktls",
                        "ktls_fb", "last kTLS fallback");
  for (const upstream::ListenerReport& l : listeners) {
    absl::StrAppendFormat(
        out, "%-24s %8d %8d  %s\n", l.listener, l.ktls.connections,
        l.ktls.fallbacks,
        l.ktls.last_fallback.empty() ? "-" : l.ktls.last_fallback);
  }
  for (const upstream::ServerReport& r : rows) {
    if (r.ktls.last_fallback.empty()) continue;
    absl::StrAppendFormat(
        out, "%-24s %8d %8d  %s\n", absl::StrCat(r.group, "/", r.server),
        r.ktls.connections, r.ktls.fallbacks, r.ktls.last_fallback);
  }
}

void AppendListenersJson(const std::vector<upstream::ListenerReport>& rows,
                         std::string* out) {
  *out += ",\"listeners\":[";
  for (size_t i = 0; i < rows.size(); ++i) {
    absl::StrAppendFormat(
        out,
        "%s{\"listener\":\"%s\",\"ktls_connections\":%d,"
        "\"ktls_fallbacks\":%d,\"ktls_last_fallback\":\"%s\"}",
        i ? "," : "", JsonEscape(rows[i].listener), rows[i].ktls.connections,
        rows[i].ktls.fallbacks, JsonEscape(rows[i].ktls.last_fallback));
  }
  *out += "]";
}

void AppendUpstreamsJson(const std::vector<upstream::ServerReport>& rows,
                         std::string* out) {
  *out += ",\"upstreams\":[";
  for (size_t i = 0; i < rows.size(); ++i) {
    const upstream::ServerReport& r = rows[i];
    absl::StrAppendFormat(
        out,
        "%s{\"group\":\"%s\",\"server\":\"%s\",\"tls\":%s,"
        "\"state\":\"%s\",\"shards_up\":%d,\"shards_down\":%d,"
        "\"active_connections\":%d,\"idle_connections\":%d,"
        "\"connects_ok\":%d,\"connect_failures\":%d,\"marked_down\":%d,"
        "\"reuses\":%d,\"tls_handshakes\":%d,\"tls_resumed\":%d,"
        "\"tls_failures\":%d,\"check\":\"%s\",\"shards_check_down\":%d,"
        "\"checks_passed\":%d,\"checks_failed\":%d,"
        "\"last_check_failure\":\"%s\",\"ktls_connections\":%d,"
        "\"ktls_fallbacks\":%d,\"ktls_last_fallback\":\"%s\"}",
        i ? "," : "", JsonEscape(r.group), r.server, r.tls ? "true" : "false",
        ServerState(r), r.shards_up, r.shards_down, r.active_connections,
        r.idle_connections, r.connects_ok, r.connect_failures, r.marked_down,
        r.reuses, r.tls_handshakes, r.tls_resumed, r.tls_failures, r.check,
        r.shards_check_down, r.checks_passed, r.checks_failed,
        JsonEscape(r.last_check_failure), r.ktls.connections, r.ktls.fallbacks,
        JsonEscape(r.ktls.last_fallback));
  }
  *out += "]";
}

}  // namespace

std::string RingwayServer::StatsText(bool json) {
  using stats::Counter;
  constexpr int kCount = static_cast<int>(Counter::kNumCounters);
  std::vector<upstream::ListenerReport> listeners;
  const std::vector<upstream::ServerReport> upstreams =
      UpstreamReports(&listeners);
  std::string out;
  if (json) {
    out = "{\"shards\":[";
    for (size_t i = 0; i < shards_.size(); ++i) {
      const auto& stats = shards_[i]->stats();
      absl::StrAppendFormat(&out,
                            "%s{\"shard\":%d,\"cpu\":%d,"
                            "\"snapshot_version\":%d",
                            i ? "," : "", i, cpus_[i],
                            stats.snapshot_version.load());
      for (int c = 0; c < kCount; ++c) {
        absl::StrAppendFormat(&out, ",\"%s\":%d",
                              CounterName(static_cast<Counter>(c)),
                              stats.Get(static_cast<Counter>(c)));
      }
      out += "}";
    }
    out += "],\"total\":{";
    for (int c = 0; c < kCount; ++c) {
      absl::StrAppendFormat(&out, "%s\"%s\":%d", c ? "," : "",
                            CounterName(static_cast<Counter>(c)),
                            Total(static_cast<Counter>(c)));
    }
    out += "}";
    AppendUpstreamsJson(upstreams, &out);
    AppendListenersJson(listeners, &out);
    return out + "}\n";
  }
  absl::StrAppendFormat(&out, "%-30s", "counter");
  for (size_t i = 0; i < shards_.size(); ++i) {
    absl::StrAppendFormat(&out, " %14s",
                          absl::StrCat("shard", i, "/cpu", cpus_[i]));
  }
  absl::StrAppendFormat(&out, " %14s\n", "total");
  for (int c = 0; c < kCount; ++c) {
    Counter counter = static_cast<Counter>(c);
    absl::StrAppendFormat(&out, "%-30s", CounterName(counter));
    for (const auto& shard : shards_) {
      absl::StrAppendFormat(&out, " %14d", shard->stats().Get(counter));
    }
    absl::StrAppendFormat(&out, " %14d\n", Total(counter));
  }
  AppendUpstreamsText(upstreams, &out);
  AppendKtlsText(listeners, upstreams, &out);
  return out;
}

void RingwayServer::Drain(absl::Duration deadline) {
  if (drained_) return;
  drained_ = true;
  draining_.store(true, std::memory_order_release);  // /ready: 503
  notifier_.Stopping("draining");
  admin_.reset();  // no more route changes while draining
  const uint64_t deadline_ns =
      MonotonicNowNs() + absl::ToInt64Nanoseconds(deadline);
  PostToShards({shard::ShardMessage::Kind::kDrain, nullptr, deadline_ns});
  for (auto& shard : shards_) shard->Join();
  admin_http_.reset();
}

std::optional<address::SocketAddress> RingwayServer::admin_http_address()
    const {
  if (admin_http_ == nullptr) return std::nullopt;
  return admin_http_->address();
}

}  // namespace ringway::control
