// HttpProxy: Content-Length bodies moved by splice. Where both sockets of a
// body carry plaintext (plain TCP, or a socket whose TLS records the kernel
// does) and the body is large, the bytes go source socket → pipe →
// destination socket without entering user space: on an HTTPS listener
// with kTLS, a download is decrypted from nothing and sealed by the
// kernel on its way to the client. Exactly the body's length is read, so
// the upstream connection stays usable for the next request.
//
// Readiness comes from single POLLIN / POLLOUT operations on the ring; the
// non-blocking splices run on the shard thread, as in the L4 relay.

#include <fcntl.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "dataplane/common/log.h"
#include "dataplane/conn/conn_op.h"
#include "dataplane/conn/http_proxy.h"
#include "dataplane/conn/http_proxy_internal.h"
#include "dataplane/tls/client_context.h"
#include "dataplane/tls/ktls_control_records.h"

namespace ringway::conn {
namespace {

using stats::Counter;

// The largest TLS plaintext record (2^14), with room to spare.
constexpr size_t kMaxRecordBytes = 16 * 1024 + 256;
// Below this a body is not worth a pipe: it fits a few receives.
constexpr uint64_t kSpliceBodyMinBytes = 64 * 1024;
constexpr unsigned kSpliceFlags = SPLICE_F_NONBLOCK | SPLICE_F_MOVE;

uint64_t& BodyLeft(HttpState& h, int d) {
  return d == kUpstream ? h.response_left : h.request_left;
}

CloseReason ResetOf(int side) {
  return side == kClient ? CloseReason::kClientReset
                         : CloseReason::kUpstreamReset;
}

}  // namespace

bool HttpProxy::MaySpliceBody(const Connection& conn, int d) const {
  const HttpState& h = *conn.http;
  const codec::HttpBodyKind kind =
      d == kUpstream ? h.response_body : h.request_body;
  const uint64_t left = d == kUpstream ? h.response_left : h.request_left;
  const bool nothing_read =
      d == kUpstream ? h.upstream_in.empty() && !h.upstream_recv_armed
                     : h.client_in.empty() && !h.client_recv_armed;
  return ctx_.pipes != nullptr && !h.body_splice[d].active &&
         kind == codec::HttpBodyKind::kContentLength &&
         left >= kSpliceBodyMinBytes && nothing_read && !UpstreamSealed(h) &&
         !ClientSealed(h) && conn.side[kUpstream].fd >= 0 &&
         !h.upstream_dropping;
}

bool HttpProxy::StartBodySplice(Connection& conn, int d) {
  BodySplice& body = conn.http->body_splice[d];
  body.pipe = ctx_.pipes->Acquire();
  if (!body.pipe.valid()) return false;  // recv/send carry it instead
  body.active = true;
  ctx_.stats->Add(Counter::kHttpBodiesSpliced);
  PumpBody(conn, d);
  return true;
}

// Moves what it can: out of the pipe once everything queued before the
// body (the head) has left, then in, never past the body's end. Waits on
// POLLIN / POLLOUT when a socket has nothing / no room.
void HttpProxy::PumpBody(Connection& conn, int d) {
  if (conn.http == nullptr || conn.state == ConnectionState::kClosing) return;
  HttpState& h = *conn.http;
  BodySplice& body = h.body_splice[d];
  if (!body.active) return;
  uint64_t& left = BodyLeft(h, d);
  const int source = conn.side[d].fd;
  const int destination = conn.side[1 - d].fd;
  const bool destination_ready =
      d == kUpstream ? ClientBacklog(h) == 0 && !h.client_send.in_flight
                     : UpstreamSendIdle(h);
  for (;;) {
    if (body.in_pipe > 0 && destination_ready && !body.poll_out) {
      ssize_t n = splice(body.pipe.read_fd, nullptr, destination, nullptr,
                         body.in_pipe, kSpliceFlags);
      if (n > 0) {
        body.in_pipe -= static_cast<uint32_t>(n);
        CountBytes(conn, d, static_cast<uint64_t>(n));
        Touch(conn);
        continue;
      }
      if (n < 0 && errno == EAGAIN) {
        ArmBodyPoll(conn, d, /*out=*/true);
      } else {
        Close(conn, ResetOf(1 - d));
        return;
      }
    }
    if (left == 0) {
      if (body.in_pipe == 0) FinishBodySplice(conn, d);
      return;
    }
    const uint32_t room = body.pipe.capacity - body.in_pipe;
    if (body.poll_in || room == 0) return;  // the destination drains it
    ssize_t n = splice(source, nullptr, body.pipe.write_fd, nullptr,
                       static_cast<size_t>(std::min<uint64_t>(left, room)),
                       kSpliceFlags);
    if (n > 0) {
      body.in_pipe += static_cast<uint32_t>(n);
      left -= static_cast<uint64_t>(n);
      Touch(conn);
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      ArmBodyPoll(conn, d, /*out=*/false);
      return;
    }
    if (n < 0 && errno == EINVAL && conn.side[d].ktls &&
        KeepKtlsTickets(conn, d)) {
      continue;  // a late session ticket, kept
    }
    // The end of the stream (or a kTLS alert) inside the body.
    if (d == kUpstream) {
      RINGWAY_LOG(kWarning,
                  "listener \"%s\": upstream %s closed in the middle of a "
                  "response body",
                  conn.listener->name, conn.server->address.ToString());
    }
    Close(conn, ResetOf(d));
    return;
  }
}

// A kTLS source's next record is not application data (splice's EINVAL):
// true if it held only session tickets (kept), which the body goes on
// after; anything else ends the body.
bool HttpProxy::KeepKtlsTickets(Connection& conn, int d) {
  uint8_t record[kMaxRecordBytes];
  uint8_t type = 0;
  ssize_t n = tls::KtlsReceive(conn.side[d].fd, record, &type, MSG_DONTWAIT);
  std::vector<std::span<const uint8_t>> tickets;
  if (n <= 0 || type != tls::kRecordHandshake ||
      tls::ReadPostHandshakeRecord({record, static_cast<size_t>(n)},
                                   d == kUpstream, &tickets) !=
          tls::PostHandshakeRecord::kTickets) {
    return false;
  }
  ctx_.stats->Add(
      Counter::kKtlsTicketsStored,
      tls::ClientContext::KeepSessionTickets(
          conn.http->upstream_tls != nullptr ? conn.http->upstream_tls->ssl()
                                             : nullptr,
          tickets));
  return true;
}

void HttpProxy::ArmBodyPoll(Connection& conn, int d, bool out) {
  HttpState& h = *conn.http;
  BodySplice& body = h.body_splice[d];
  const int side = out ? 1 - d : d;
  io_uring_sqe* sqe = ctx_.ring->GetSqe();
  io_uring_prep_poll_add(sqe, conn.side[side].fd,
                         out ? POLLOUT : POLLIN | POLLRDHUP);
  io_uring_sqe_set_data64(
      sqe,
      Tag(conn, static_cast<uint8_t>(
                    (out ? kOpHttpBodyPollOut0 : kOpHttpBodyPollIn0) + d)));
  ++conn.inflight;
  if (side == kUpstream) ++h.upstream_inflight;
  (out ? body.poll_out : body.poll_in) = true;
}

void HttpProxy::OnBodyPoll(Connection& conn, uint8_t op, int32_t res) {
  HttpState& h = *conn.http;
  const bool out = op >= kOpHttpBodyPollOut0;
  const int d = op - (out ? kOpHttpBodyPollOut0 : kOpHttpBodyPollIn0);
  BodySplice& body = h.body_splice[d];
  (out ? body.poll_out : body.poll_in) = false;
  if (!body.active || res == -ECANCELED) return;
  if (res < 0) {
    Close(conn, ResetOf(out ? 1 - d : d));
    return;
  }
  PumpBody(conn, d);
}

void HttpProxy::FinishBodySplice(Connection& conn, int d) {
  HttpState& h = *conn.http;
  ReleaseBodyPipe(&h.body_splice[d]);
  if (d == kUpstream) {
    FinishExchange(conn);
    return;
  }
  h.request_done = true;
  MaybeArmUpstreamRecv(conn);
}

void HttpProxy::ReleaseBodyPipe(BodySplice* body) {
  if (body->pipe.valid()) {
    ctx_.pipes->Release(body->pipe, /*empty=*/body->in_pipe == 0);
  }
  body->pipe = io::Pipe{};
  body->in_pipe = 0;
  body->active = false;
}

}  // namespace ringway::conn
