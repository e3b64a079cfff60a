// HealthChecker: the steps of one probe. Connect; for a TLS or HTTP check
// a PROXY header when the group sends one (v1 UNKNOWN / v2 LOCAL, which
// say "a health check, no client" (PROXY protocol spec, section 2.1/2.2));
// the TLS handshake; the GET and the status line of its answer. One send
// and one recv in flight at most.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dataplane/codec/proxy_protocol_wire.h"
#include "dataplane/codec/proxy_protocol_writer.h"
#include "dataplane/common/log.h"
#include "dataplane/common/monotonic_clock.h"
#include "dataplane/health/health_checker.h"
#include "dataplane/ring/user_data.h"
#include "dataplane/tls/client_context.h"

namespace ringway::health {
namespace {

constexpr int kSocketType = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;
// Ciphertext or plaintext received and not yet consumed: room for a whole
// TLS record (16 KiB of content and its overhead).
constexpr size_t kReceiveBytes = 32 * 1024;
// A status line and fields past this are not a healthy answer.
constexpr size_t kMaxResponseHeadBytes = 16 * 1024;

std::string Errno(const char* step, int err) {
  return absl::StrCat(step, ": ", std::strerror(err));
}

}  // namespace

uint64_t HealthChecker::Tag(const Probe& probe, uint8_t op) const {
  const uint32_t slot = probe.deadline.index;
  return ring::UserData{op, slot, probe.generation}.Pack();
}

HealthChecker::Probe* HealthChecker::AllocateProbe() {
  if (free_probes_.empty()) {
    auto probe = std::make_unique<Probe>();
    probe->deadline.is_probe = true;
    probe->deadline.index = static_cast<uint32_t>(probes_.size());
    probe->in.resize(kReceiveBytes);
    free_probes_.push_back(probe->deadline.index);
    probes_.push_back(std::move(probe));
  }
  Probe* probe = probes_[free_probes_.back()].get();
  free_probes_.pop_back();
  return probe;
}

void HealthChecker::StartProbe(const Target& target) {
  const route::UpstreamGroup& group = routes_->snapshot().groups[target.group];
  upstream::ServerState* server = routes_->server(target.group, target.server);
  const int fd = socket(server->address.family(), kSocketType, 0);
  if (fd < 0) {
    // No verdict on the server: the shard is out of descriptors.
    RINGWAY_LOG(kWarning, "shard %d: health check of %s: socket(): %s",
                shard_id_, server->address.ToString(), std::strerror(errno));
    return;
  }
  static const int kOne = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &kOne, sizeof(kOne));
  Probe& probe = *AllocateProbe();
  probe.busy = true;
  probe.finished = false;
  probe.routes = routes_;
  ++routes_->probes;
  ++running_;
  probe.group = &group;
  probe.group_index = target.group;
  probe.server = server;
  probe.server_index = target.server;
  probe.fd = fd;
  probe.eof = false;
  probe.out.clear();
  probe.out_sent = 0;
  probe.in_begin = probe.in_end = 0;
  probe.response.clear();
  probe.request_sealed = 0;
  probe.parser.Reset();
  server->check_in_flight = true;
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_connect(sqe, fd, server->address.sockaddr_ptr(),
                        server->address.length());
  io_uring_sqe_set_data64(sqe, Tag(probe, kOpCheckConnect));
  ++probe.inflight;
  timers_.Schedule(&probe.deadline.entry,
                   now_ns_ + group.health_check.timeout_ns);
}

void HealthChecker::OnCompletion(uint8_t op, uint32_t slot, uint32_t generation,
                                 int32_t res) {
  if (slot >= probes_.size()) return;
  Probe& probe = *probes_[slot];
  if (!probe.busy || probe.generation != generation) return;
  --probe.inflight;
  if (probe.finished) {
    if (probe.inflight == 0) Recycle(probe);
    return;
  }
  switch (op) {
    case kOpCheckConnect:
      OnConnected(probe, res);
      return;
    case kOpCheckSend:
      probe.send_inflight = false;
      if (res < 0) {
        Finish(probe, false, Errno("send", -res));
        return;
      }
      if (probe.tls != nullptr) {
        probe.tls->ConsumeOutput(static_cast<size_t>(res));
      } else {
        probe.out_sent += static_cast<size_t>(res);
      }
      Pump(probe);
      return;
    case kOpCheckRecv:
      probe.recv_inflight = false;
      if (res < 0) {
        Finish(probe, false, Errno("recv", -res));
        return;
      }
      if (res == 0) probe.eof = true;
      probe.in_end += static_cast<size_t>(res);
      Pump(probe);
      return;
    default:
      return;
  }
}

void HealthChecker::OnConnected(Probe& probe, int32_t res) {
  if (res < 0) {
    Finish(probe, false, Errno("connect", -res));
    return;
  }
  if (probe.group->health_check.kind == route::HealthCheckKind::kTcp) {
    Finish(probe, true, "");
    return;
  }
  BeginExchange(probe);
}

void HealthChecker::BeginExchange(Probe& probe) {
  const route::UpstreamGroup& group = *probe.group;
  // A backend that expects a PROXY header gets one, saying "no client".
  uint8_t header[codec::kProxyV2MaxHeaderBytes];
  size_t header_length = 0;
  const sockaddr_storage unspecified{};
  if (group.send_proxy_protocol == route::ProxyProtocolVersion::kV1) {
    header_length = codec::WriteProxyV1(unspecified, unspecified, header);
  } else if (group.send_proxy_protocol == route::ProxyProtocolVersion::kV2) {
    header_length =
        codec::WriteProxyV2(unspecified, unspecified, "", "", header);
  }
  const std::span<const uint8_t> preamble(header, header_length);
  if (group.tls != nullptr) {
    tls::ClientContext* context = probe.routes->client_tls(probe.group_index);
    if (context == nullptr) {
      Finish(probe, false, "no TLS context for the group");
      return;
    }
    // A full handshake each time (no session offered): the check proves
    // the server's certificate as a new client would find it.
    const tls::UpstreamPeerName peer{group.tls_names[probe.server_index],
                                     group.tls_send_sni};
    probe.tls = std::make_unique<tls::TlsSession>(
        context->NewSsl(peer, nullptr), kReceiveBytes);
    probe.tls->QueueCleartext(preamble);
  } else {
    probe.out.assign(reinterpret_cast<const char*>(preamble.data()),
                     preamble.size());
    probe.out += group.health_check.http_requests[probe.server_index];
  }
  Pump(probe);
}

void HealthChecker::Pump(Probe& probe) {
  if (probe.tls != nullptr) {
    if (!PumpTls(probe)) return;  // finished
  } else {
    PumpPlain(probe);
  }
  ParseResponse(probe);
  if (probe.finished) return;
  if (probe.eof) {
    Finish(probe, false,
           probe.tls != nullptr && !probe.tls->handshake_done()
               ? "closed during the TLS handshake"
               : "closed before a response");
    return;
  }
  SendPending(probe);
  ArmRecv(probe);
}

// False once the probe has finished.
bool HealthChecker::PumpTls(Probe& probe) {
  tls::TlsSession& session = *probe.tls;
  session.SetInput(
      {probe.in.data() + probe.in_begin, probe.in_end - probe.in_begin},
      probe.eof);
  tls::TlsResult result = tls::TlsResult::kOk;
  if (!session.handshake_done()) {
    result = session.Handshake();
    if (result == tls::TlsResult::kOk &&
        probe.group->health_check.kind == route::HealthCheckKind::kTls) {
      // Passed. close_notify goes out best-effort, without waiting.
      session.TakeInputConsumed();
      session.Shutdown();
      if (!probe.send_inflight && !session.output().empty()) {
        (void)send(probe.fd, session.output().data(), session.output().size(),
                   MSG_DONTWAIT | MSG_NOSIGNAL);
      }
      Finish(probe, true, "");
      return false;
    }
    if (result == tls::TlsResult::kClosed) probe.eof = true;
  }
  if (result == tls::TlsResult::kOk && session.handshake_done()) {
    const std::string& request =
        probe.group->health_check.http_requests[probe.server_index];
    if (probe.request_sealed < request.size()) {
      const std::span<const uint8_t> rest(
          reinterpret_cast<const uint8_t*>(request.data()) +
              probe.request_sealed,
          request.size() - probe.request_sealed);
      probe.request_sealed += session.Seal(rest);  // fewer: output full
      if (!session.error_reason().empty()) {
        session.TakeInputConsumed();
        Finish(probe, false,
               absl::StrCat("TLS: ", std::string(session.error_reason())));
        return false;
      }
    }
    uint8_t plain[4096];
    while (probe.response.size() < kMaxResponseHeadBytes) {
      size_t n = 0;
      result = session.Read(plain, &n);
      if (result != tls::TlsResult::kOk) break;
      probe.response.append(reinterpret_cast<const char*>(plain), n);
    }
    if (result == tls::TlsResult::kClosed) probe.eof = true;
  }
  probe.in_begin += session.TakeInputConsumed();
  if (result == tls::TlsResult::kError) {
    Finish(
        probe, false,
        tls::DescribeUpstreamTlsError(session.ssl(), session.error_reason()));
    return false;
  }
  return true;
}

void HealthChecker::PumpPlain(Probe& probe) {
  const size_t room = kMaxResponseHeadBytes - probe.response.size();
  probe.response.append(
      reinterpret_cast<const char*>(probe.in.data() + probe.in_begin),
      std::min(room, probe.in_end - probe.in_begin));
  probe.in_begin = probe.in_end;
}

void HealthChecker::ParseResponse(Probe& probe) {
  for (;;) {
    if (probe.response.empty()) return;
    codec::HttpResponse response;
    const std::span<const uint8_t> head(
        reinterpret_cast<const uint8_t*>(probe.response.data()),
        probe.response.size());
    switch (probe.parser.Parse(head, codec::HttpResponseContext{}, &response)) {
      case codec::HttpParseStatus::kNeedMoreData:
        if (probe.response.size() >= kMaxResponseHeadBytes) {
          Finish(probe, false, "response head too large");
        }
        return;
      case codec::HttpParseStatus::kComplete:
        break;
      default:
        Finish(probe, false,
               absl::StrCat("bad response: ",
                            std::string(codec::HttpErrorName(response.error))));
        return;
    }
    if (response.interim()) {
      // 100 Continue, 103 Early Hints: the final response follows.
      probe.response.erase(0, response.head_length);
      probe.parser.Reset();
      continue;
    }
    if (probe.group->health_check.Expects(response.status_code)) {
      Finish(probe, true, "");
    } else {
      Finish(probe, false, absl::StrFormat("status %d", response.status_code));
    }
    return;
  }
}

void HealthChecker::SendPending(Probe& probe) {
  if (probe.send_inflight) return;
  std::span<const uint8_t> pending;
  if (probe.tls != nullptr) {
    pending = probe.tls->output();
  } else {
    pending = {
        reinterpret_cast<const uint8_t*>(probe.out.data()) + probe.out_sent,
        probe.out.size() - probe.out_sent};
  }
  if (pending.empty()) return;
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_send(sqe, probe.fd, pending.data(), pending.size(),
                     MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, Tag(probe, kOpCheckSend));
  ++probe.inflight;
  probe.send_inflight = true;
}

void HealthChecker::ArmRecv(Probe& probe) {
  if (probe.recv_inflight) return;
  // Nothing writes into `in` now: taken bytes can go.
  if (probe.in_begin > 0) {
    std::memmove(probe.in.data(), probe.in.data() + probe.in_begin,
                 probe.in_end - probe.in_begin);
    probe.in_end -= probe.in_begin;
    probe.in_begin = 0;
  }
  if (probe.in_end == probe.in.size()) return;  // the deadline ends it
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_recv(sqe, probe.fd, probe.in.data() + probe.in_end,
                     probe.in.size() - probe.in_end, 0);
  io_uring_sqe_set_data64(sqe, Tag(probe, kOpCheckRecv));
  ++probe.inflight;
  probe.recv_inflight = true;
}

void HealthChecker::Recycle(Probe& probe) {
  close(probe.fd);
  probe.fd = -1;
  probe.tls.reset();
  probe.busy = false;
  probe.send_inflight = false;
  probe.recv_inflight = false;
  ++probe.generation;
  free_probes_.push_back(probe.deadline.index);
  --running_;
  upstream::LocalRoutes* routes = probe.routes;
  probe.routes = nullptr;
  --routes->probes;
  release_(owner_, routes);
}

}  // namespace ringway::health
