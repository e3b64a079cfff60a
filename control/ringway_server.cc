#include "control/ringway_server.h"

#include <sched.h>
#include <unistd.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "control/admin_http_server.h"
#include "control/admin_server.h"
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

namespace {

void AddHistogram(const stats::HistogramCounts& h,
                  RingwayServer::HistogramTotal* total) {
  for (size_t i = 0; i < total->buckets.size(); ++i) {
    total->buckets[i] += h.buckets[i].load(std::memory_order_relaxed);
  }
  total->sum_ns += h.sum_ns.load(std::memory_order_relaxed);
}

template <size_t N>
void AddCounts(const std::array<std::atomic<uint64_t>, N>& from,
               std::array<uint64_t, N>* to) {
  for (size_t i = 0; i < N; ++i) {
    (*to)[i] += from[i].load(std::memory_order_relaxed);
  }
}

}  // namespace

RingwayServer::HistogramTotal RingwayServer::Total(
    stats::Histogram histogram) const {
  HistogramTotal total;
  for (const auto& shard : shards_) {
    AddHistogram(shard->stats().histograms[static_cast<int>(histogram)],
                 &total);
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
    AddCounts(counts.closed, &total.closed);
    AddCounts(counts.http_responses, &total.http_responses);
    AddHistogram(counts.http_request, &total.http_request);
    AddHistogram(counts.tls_handshake, &total.tls_handshake);
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

void AddUpstream(const upstream::ServerReport& r, admin::Stats* stats) {
  admin::UpstreamServer& out = *stats->add_upstreams();
  out.set_group(r.group);
  out.set_server(r.server);
  out.set_tls(r.tls);
  out.set_state(ServerState(r));
  out.set_shards_up(r.shards_up);
  out.set_shards_down(r.shards_down);
  out.set_shards_check_down(r.shards_check_down);
  out.set_active_connections(r.active_connections);
  out.set_idle_connections(r.idle_connections);
  out.set_connects_ok(r.connects_ok);
  out.set_connect_failures(r.connect_failures);
  out.set_marked_down(r.marked_down);
  out.set_reuses(r.reuses);
  out.set_tls_handshakes(r.tls_handshakes);
  out.set_tls_resumed(r.tls_resumed);
  out.set_tls_failures(r.tls_failures);
  out.set_check(r.check);
  out.set_checks_passed(r.checks_passed);
  out.set_checks_failed(r.checks_failed);
  out.set_last_check_failure(r.last_check_failure);
  out.set_ktls_connections(r.ktls.connections);
  out.set_ktls_fallbacks(r.ktls.fallbacks);
  out.set_ktls_last_fallback(r.ktls.last_fallback);
}

}  // namespace

admin::Stats RingwayServer::Stats() {
  using stats::Counter;
  constexpr int kCount = static_cast<int>(Counter::kNumCounters);
  std::vector<upstream::ListenerReport> listeners;
  const std::vector<upstream::ServerReport> upstreams =
      UpstreamReports(&listeners);
  admin::Stats out;
  for (size_t i = 0; i < shards_.size(); ++i) {
    const stats::ShardStats& stats = shards_[i]->stats();
    admin::ShardCounters& shard = *out.add_shards();
    shard.set_shard(static_cast<uint32_t>(i));
    shard.set_cpu(cpus_[i]);
    shard.set_snapshot_version(stats.snapshot_version.load());
    for (int c = 0; c < kCount; ++c) {
      const Counter counter = static_cast<Counter>(c);
      (*shard.mutable_counters())[std::string(CounterName(counter))] =
          stats.Get(counter);
    }
  }
  for (int c = 0; c < kCount; ++c) {
    const Counter counter = static_cast<Counter>(c);
    (*out.mutable_total())[std::string(CounterName(counter))] = Total(counter);
  }
  for (const upstream::ServerReport& r : upstreams) AddUpstream(r, &out);
  for (const upstream::ListenerReport& l : listeners) {
    admin::ListenerKtls& row = *out.add_listeners();
    row.set_listener(l.listener);
    row.set_ktls_connections(l.ktls.connections);
    row.set_ktls_fallbacks(l.ktls.fallbacks);
    row.set_ktls_last_fallback(l.ktls.last_fallback);
  }
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
