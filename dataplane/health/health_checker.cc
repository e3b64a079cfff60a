// HealthChecker: which servers are checked and when; the verdicts. The
// steps of one probe are in health_probe.cc.

#include "dataplane/health/health_checker.h"

#include <algorithm>
#include <cstddef>

#include "absl/container/flat_hash_map.h"
#include "dataplane/common/log.h"
#include "dataplane/common/monotonic_clock.h"
#include "dataplane/upstream/load_balancer.h"
#include "dataplane/upstream/server_health.h"

namespace ringway::health {
namespace {

// Checks are seconds apart: 10 ms resolution is plenty, and 1024 slots
// cover ten seconds (longer intervals wait a turn in their slot).
constexpr uint64_t kTickNs = 10 * kNsPerMs;
constexpr uint32_t kSlots = 1024;

}  // namespace

HealthChecker::HealthChecker(ring::Ring* ring, stats::ShardStats* stats,
                             int shard_id, ReleaseRoutes release, void* owner)
    : ring_(ring),
      stats_(stats),
      shard_id_(shard_id),
      release_(release),
      owner_(owner),
      timers_(kTickNs, kSlots, MonotonicNowNs()) {}

HealthChecker::~HealthChecker() {
  for (auto& target : targets_) timers_.Cancel(&target->next.entry);
  for (auto& probe : probes_) timers_.Cancel(&probe->deadline.entry);
}

void HealthChecker::SetRoutes(upstream::LocalRoutes* routes, uint64_t now_ns) {
  now_ns_ = now_ns;
  // When each server's next check was due, so that installing tables
  // often never pushes checks back. (The previous table is still alive:
  // its servers are too.)
  absl::flat_hash_map<const upstream::ServerState*, uint64_t> next_due;
  for (auto& target : targets_) {
    if (target->next.entry.scheduled()) {
      next_due[target->state] = target->next.entry.deadline_ns;
    }
    target->state->checked = false;
    timers_.Cancel(&target->next.entry);
  }
  targets_.clear();
  routes_ = routes;
  if (stopped_) return;
  const route::RouteSnapshot& snapshot = routes->snapshot();
  for (uint32_t g = 0; g < snapshot.groups.size(); ++g) {
    const route::HealthCheck& check = snapshot.groups[g].health_check;
    if (!check.enabled()) continue;
    for (uint32_t s = 0; s < snapshot.groups[g].servers.size(); ++s) {
      upstream::ServerState* server = routes->server(g, s);
      if (server->checked) continue;  // by an earlier group
      server->checked = true;
      auto target = std::make_unique<Target>();
      target->next.index = static_cast<uint32_t>(targets_.size());
      target->group = g;
      target->server = s;
      target->state = server;
      auto due = next_due.find(server);
      timers_.Schedule(
          &target->next.entry,
          due != next_due.end()
              ? std::min(due->second, now_ns + check.interval_ns)
              : now_ns + FirstCheckDelay(*server, check.interval_ns));
      targets_.push_back(std::move(target));
    }
  }
  // A verdict no check of this table will revise would keep its server
  // out for good.
  for (uint32_t g = 0; g < snapshot.groups.size(); ++g) {
    for (upstream::ServerState* server : routes->servers(g)) {
      if (!server->checked) upstream::ForgetCheckVerdict(*server);
    }
  }
}

// Spread over the interval, differently on each shard, so that neither the
// servers of a group nor the shards probe in step.
uint64_t HealthChecker::FirstCheckDelay(const upstream::ServerState& server,
                                        uint64_t interval_ns) const {
  const uint32_t hash = upstream::HashBytes(server.key) +
                        static_cast<uint32_t>(shard_id_) * 0x9e3779b9u;
  return interval_ns * (hash % 1024) / 1024;
}

void HealthChecker::Stop() {
  stopped_ = true;
  for (auto& target : targets_) {
    target->state->checked = false;  // passive health alone from now on
    timers_.Cancel(&target->next.entry);
  }
  targets_.clear();
  // Running probes end now, without a verdict, so they never hold up the
  // shard's exit.
  for (auto& probe : probes_) {
    if (probe->busy && !probe->finished) EndProbe(*probe);
  }
}

void HealthChecker::Advance(uint64_t now_ns) {
  now_ns_ = now_ns;
  timers_.Advance(now_ns, [this](timer::TimerEntry* entry) { OnTimer(entry); });
}

void HealthChecker::OnTimer(timer::TimerEntry* entry) {
  const Timer& timer = *reinterpret_cast<Timer*>(entry);
  if (timer.is_probe) {
    Probe& probe = *probes_[timer.index];
    Finish(probe, false,
           absl::StrFormat("timed out after %d ms",
                           probe.group->health_check.timeout_ns / kNsPerMs));
    return;
  }
  CheckTarget(*targets_[timer.index]);
}

void HealthChecker::CheckTarget(Target& target) {
  const route::HealthCheck& check =
      routes_->snapshot().groups[target.group].health_check;
  // One check of a server at a time. The probe's deadline is scheduled
  // before the next check, so when the timeout equals the interval the
  // late probe fails first and the next one still starts on time.
  if (!target.state->check_in_flight) StartProbe(target);
  timers_.Schedule(&target.next.entry, now_ns_ + check.interval_ns);
}

void HealthChecker::Finish(Probe& probe, bool passed,
                           const std::string& failure) {
  if (probe.finished) return;
  upstream::ServerState& server = *probe.server;
  const route::UpstreamGroup& group = *probe.group;
  stats_->Add(passed ? stats::Counter::kHealthChecksPassed
                     : stats::Counter::kHealthChecksFailed);
  // A probe of a server the current table no longer checks gives no
  // verdict: nothing would ever revise it.
  if (server.checked) {
    if (!passed) server.last_check_failure = failure;
    switch (upstream::RecordCheckResult(server, group.health_check, passed)) {
      case upstream::CheckTransition::kWentDown:
        RINGWAY_LOG(kWarning,
                    "shard %d: upstream group \"%s\" server %s out of "
                    "rotation: %u health checks failed in a row (last: %s)",
                    shard_id_, group.name, server.address.ToString(),
                    group.health_check.fall, failure);
        break;
      case upstream::CheckTransition::kCameBack:
        RINGWAY_LOG(kWarning,
                    "shard %d: upstream group \"%s\" server %s back in "
                    "rotation: %u health checks passed in a row",
                    shard_id_, group.name, server.address.ToString(),
                    group.health_check.rise);
        break;
      case upstream::CheckTransition::kNone:
        break;
    }
  }
  EndProbe(probe);
}

void HealthChecker::EndProbe(Probe& probe) {
  probe.finished = true;
  timers_.Cancel(&probe.deadline.entry);
  probe.server->check_in_flight = false;
  if (probe.inflight == 0) {
    Recycle(probe);
    return;
  }
  // The operations end with -ECANCELED; the last one recycles the probe.
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_cancel_fd(sqe, probe.fd, IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, 0);  // ring::kOpIgnore
}

}  // namespace ringway::health
