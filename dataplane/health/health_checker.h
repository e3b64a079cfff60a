// A shard's active health checks of upstream servers (HAProxy `check`,
// nginx Plus `health_check`).
//
// Every server of a group with a health_check in the shard's current table
// is probed every interval: a TCP connect, a TLS handshake with the group's
// settings, or an HTTP GET whose status must be one expected (over TLS when
// the group re-encrypts), each within the check's timeout. Results go to
// the server's shard-local state (upstream/server_health.h): `fall`
// failures in a row take it out of rotation, `rise` passes bring it back.
// Each shard checks for itself, so health stays shard-local and lock-free,
// like everything else a shard knows about its upstreams; a server that
// stays across a route swap keeps its verdict and counts.
//
// Probes run on the shard's ring like connections do (single-shot connect,
// send and recv, tagged with health ops and a probe slot) and hold the
// table they started under, as a connection does, until their last
// operation has completed. A server is probed once at a time.
//
//   HealthChecker checker(ring, &stats, shard_id, &ReleaseRoutes, shard);
//   checker.SetRoutes(current, now_ns);        // on each table install
//   wait(min(timers.NextWakeNs(), checker.NextWakeNs()));
//   checker.OnCompletion(op, slot, generation, res);   // health ops
//   checker.Advance(now_ns);
//   checker.Stop();  ... exit once checker.idle()
//
// Shard-local.

#ifndef RINGWAY_DATAPLANE_HEALTH_HEALTH_CHECKER_H_
#define RINGWAY_DATAPLANE_HEALTH_HEALTH_CHECKER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/codec/http_response_parser.h"
#include "dataplane/ring/ring.h"
#include "dataplane/stats/shard_stats.h"
#include "dataplane/timer/timer_wheel.h"
#include "dataplane/tls/tls_session.h"
#include "dataplane/upstream/local_routes.h"

namespace ringway::health {

// Operation codes of probes: in the shard's range, below
// conn::kFirstConnectionOp (the shard checks that they fit).
enum HealthOp : uint8_t {
  kOpCheckConnect = 8,
  kOpCheckSend,
  kOpCheckRecv,
};
inline constexpr uint8_t kFirstHealthOp = kOpCheckConnect;
inline constexpr uint8_t kLastHealthOp = kOpCheckRecv;

class HealthChecker {
 public:
  // Called when a probe lets go of the table it held.
  using ReleaseRoutes = void (*)(void* owner, upstream::LocalRoutes* routes);

  HealthChecker(ring::Ring* ring, stats::ShardStats* stats, int shard_id,
                ReleaseRoutes release, void* owner);
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // The shard's current table: the servers to check from now on. Probes
  // in flight finish under the table they started with.
  void SetRoutes(upstream::LocalRoutes* routes, uint64_t now_ns);
  // No new checks (drain); running ones end by their timeout at the latest.
  void Stop();
  // No probe running.
  bool idle() const { return running_ == 0; }

  void OnCompletion(uint8_t op, uint32_t slot, uint32_t generation,
                    int32_t res);
  // The earliest time Advance must run (UINT64_MAX: none).
  uint64_t NextWakeNs() const { return timers_.NextWakeNs(); }
  // Starts due checks and fails those past their timeout.
  void Advance(uint64_t now_ns);

 private:
  // A timer of this checker: a target's next check or a probe's deadline.
  struct Timer {
    timer::TimerEntry entry;  // first: the wheel hands back &entry
    bool is_probe = false;
    uint32_t index = 0;  // into targets_ or probes_
  };
  // A server the current table checks (one entry per server, however many
  // groups name it: the first group's check applies).
  struct Target {
    Timer next;
    uint32_t group = 0;
    uint32_t server = 0;
    upstream::ServerState* state = nullptr;
  };
  // One check of one server, from socket to verdict.
  struct Probe {
    Timer deadline;
    uint32_t generation = 0;
    bool busy = false;
    bool finished = false;  // verdict given; waiting for operations to end
    upstream::LocalRoutes* routes = nullptr;  // held while busy
    const route::UpstreamGroup* group = nullptr;
    uint32_t group_index = 0;
    upstream::ServerState* server = nullptr;
    uint32_t server_index = 0;
    int fd = -1;
    uint16_t inflight = 0;
    bool send_inflight = false;
    bool recv_inflight = false;
    bool eof = false;
    std::unique_ptr<tls::TlsSession> tls;
    std::string out;  // plaintext to send (no TLS)
    size_t out_sent = 0;
    // Received and not yet taken: in[in_begin, in_end) (ciphertext if
    // TLS). A recv in flight writes at in_end, so nothing moves meanwhile.
    std::vector<uint8_t> in;
    size_t in_begin = 0;
    size_t in_end = 0;
    std::string response;       // the response head so far (plaintext)
    size_t request_sealed = 0;  // TLS: request bytes sealed so far
    codec::HttpResponseParser parser;
  };

  void OnTimer(timer::TimerEntry* entry);
  void CheckTarget(Target& target);
  uint64_t FirstCheckDelay(const upstream::ServerState& server,
                           uint64_t interval_ns) const;

  // health_probe.cc: one probe's steps.
  void StartProbe(const Target& target);
  Probe* AllocateProbe();
  void OnConnected(Probe& probe, int32_t res);
  void BeginExchange(Probe& probe);
  void Pump(Probe& probe);
  bool PumpTls(Probe& probe);
  void PumpPlain(Probe& probe);
  void ParseResponse(Probe& probe);
  void SendPending(Probe& probe);
  void ArmRecv(Probe& probe);
  // The verdict (when the server is still checked), then EndProbe.
  void Finish(Probe& probe, bool passed, const std::string& failure);
  // Cancels what is in flight; the probe is recycled once all of it ended.
  void EndProbe(Probe& probe);
  void Recycle(Probe& probe);
  uint64_t Tag(const Probe& probe, uint8_t op) const;

  ring::Ring* ring_;
  stats::ShardStats* stats_;
  int shard_id_;
  ReleaseRoutes release_;
  void* owner_;
  timer::TimerWheel timers_;
  uint64_t now_ns_ = 0;
  bool stopped_ = false;
  upstream::LocalRoutes* routes_ = nullptr;
  std::vector<std::unique_ptr<Target>> targets_;
  std::vector<std::unique_ptr<Probe>> probes_;
  std::vector<uint32_t> free_probes_;
  uint32_t running_ = 0;
};

}  // namespace ringway::health

#endif  // RINGWAY_DATAPLANE_HEALTH_HEALTH_CHECKER_H_
