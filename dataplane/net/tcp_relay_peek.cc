// TcpRelay's peek phase: reading a connection's first bytes to pick its
// route (see tcp_relay.h), and sending them on once connected.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "dataplane/codec/proxy_protocol_writer.h"
#include "dataplane/common/log.h"
#include "dataplane/net/relay_op.h"
#include "dataplane/address/socket_address.h"
#include "dataplane/net/tcp_relay.h"
#include "dataplane/ring/user_data.h"
#include "dataplane/shard/shard_snapshot.h"

namespace ringway::net {
namespace {

using stats::Counter;

// Room for bytes a client sends right after its first flight (TLS early
// data, pipelined requests) before the recv is cancelled.
constexpr uint32_t kPeekSlack = 16384;
// Largest inbound PROXY header kept (v2 allows 64 KiB of TLVs; real load
// balancers send well under this).
constexpr uint32_t kProxyHeaderRoom = 4096;

Counter ProblemCounter(PreambleProblem problem) {
  switch (problem) {
    case PreambleProblem::kProxyHeaderUntrusted:
      return Counter::kProxyHeaderUntrusted;
    case PreambleProblem::kProxyHeaderMalformed:
      return Counter::kProxyHeaderMalformed;
    case PreambleProblem::kProxyHeaderMissing:
      return Counter::kProxyHeaderMissing;
    case PreambleProblem::kNotTls:
      return Counter::kNotTls;
    case PreambleProblem::kClientHelloMalformed:
      return Counter::kClientHelloMalformed;
    case PreambleProblem::kClientHelloTooLarge:
      return Counter::kClientHelloTooLarge;
    case PreambleProblem::kNoRoute:
    case PreambleProblem::kNone:
      break;
  }
  return Counter::kNoRoute;
}

}  // namespace

void TcpRelay::StartPeek(Connection& conn) {
  const route::ListenerRoutes& listener = *conn.listener;
  conn.state = ConnectionState::kPeeking;
  conn.last_activity_ns = now_ns_;
  uint64_t timeout = listener.kind == route::ListenerKind::kTlsPassthrough
                         ? listener.tls.peek_timeout_ns
                         : listener.peek_timeout_ns;
  conn.peek_deadline_ns = now_ns_ + timeout;
  uint32_t capacity = kProxyHeaderRoom + kPeekSlack;
  if (listener.kind == route::ListenerKind::kTlsPassthrough) {
    capacity += listener.tls.client_hello_max_bytes;
  }
  conn.peek = peeks_->Acquire(capacity);
  ArmPeekRecv(conn);
}

// Both addresses feed the trust check, the outgoing PROXY header and log
// lines; fetched only when one of those needs them (two system calls).
void TcpRelay::LoadSocketAddresses(Connection& conn) {
  if (conn.addresses_known) return;
  conn.addresses_known = true;
  socklen_t length = sizeof(conn.client_address);
  getpeername(conn.client_fd, reinterpret_cast<sockaddr*>(&conn.client_address),
              &length);
  length = sizeof(conn.local_address);
  getsockname(conn.client_fd, reinterpret_cast<sockaddr*>(&conn.local_address),
              &length);
}

void TcpRelay::ArmPeekRecv(Connection& conn) {
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_recv_multishot(sqe, conn.client_fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = recv_buffers_->group_id();
  io_uring_sqe_set_data64(sqe, Tag(conn, kOpPeekRecv));
  ++conn.inflight;
  conn.peek_recv_active = true;
}

void TcpRelay::OnPeekRecv(Connection& conn, int32_t res, uint32_t flags) {
  if (flags & IORING_CQE_F_BUFFER) {
    uint16_t id = buffer::ProvidedBufferRing::BufferId(flags);
    if (res > 0 && conn.state != ConnectionState::kClosing) {
      PeekBuffer& peek = conn.peek;
      uint32_t room = peek.capacity - peek.length;
      if (static_cast<uint32_t>(res) > room) {
        recv_buffers_->Recycle(id);
        res = -ENOSPC;  // more than any first flight: refuse below
      } else {
        std::memcpy(peek.payload() + peek.length, recv_buffers_->Data(id), res);
        peek.length += res;
      }
    }
    if (res != -ENOSPC) recv_buffers_->Recycle(id);
  }
  bool ended = !(flags & IORING_CQE_F_MORE);
  if (ended) {
    --conn.inflight;
    conn.peek_recv_active = false;
  }
  if (conn.state == ConnectionState::kClosing) {
    MaybeFinish(conn);
    return;
  }
  if (res == -ENOSPC) {
    Reject(conn, PreambleProblem::kClientHelloTooLarge);
    return;
  }
  if (res == 0 && !conn.peek_decided) {
    stats_->Add(Counter::kPeekClientClosed);
    Close(conn, CloseReason::kRejected);
    return;
  }
  if (res < 0 && res != -ENOBUFS && res != -ECANCELED) {
    Close(conn, CloseReason::kClientReset);
    return;
  }
  if (res > 0 && !conn.peek_decided) Decide(conn);
  if (conn.state != ConnectionState::kPeeking) return;
  if (ended && !conn.peek_decided) {
    // -ENOBUFS (the ring ran dry) or a spurious end: read on.
    ArmPeekRecv(conn);
    return;
  }
  if (conn.peek_decided && !conn.peek_recv_active) ConnectAfterPeek(conn);
}

void TcpRelay::Decide(Connection& conn) {
  const route::ListenerRoutes& listener = *conn.listener;
  if (listener.proxy_protocol.enabled) LoadSocketAddresses(conn);
  bool trusted =
      listener.proxy_protocol.enabled &&
      address::AnyContains(listener.proxy_protocol.trusted, conn.client_address);
  PreambleResult decision =
      DecidePreamble(listener, {conn.peek.payload(), conn.peek.length}, trusted,
                     hello_scratch_, &proxy_header_, &hello_);
  if (decision.outcome == PreambleOutcome::kNeedMoreData) return;
  if (decision.outcome == PreambleOutcome::kClose) {
    Reject(conn, decision.problem);
    return;
  }
  if (decision.problem != PreambleProblem::kNone) {
    LoadSocketAddresses(conn);  // for the log line
    stats_->Add(ProblemCounter(decision.problem));
    stats_->Add(Counter::kBadClientHelloToDefault);
    RINGWAY_LOG(kWarning,
                "shard %d: listener \"%s\": %s from %s; relaying "
                "to the default upstream group",
                shard_id_, listener.name, PreambleProblemName(decision.problem),
                address::SocketAddress(conn.client_address).ToString());
  }
  if (decision.has_proxy_header) {
    stats_->Add(Counter::kProxyHeadersAccepted);
    if (!proxy_header_.local()) {
      conn.client_address = proxy_header_.source();
      conn.local_address = proxy_header_.destination();
      conn.addresses_known = true;
    }
  }
  conn.group = &conn.snapshot->snapshot->groups[decision.group];
  conn.attempts_left = conn.group->max_connect_attempts;
  conn.next_server = conn.snapshot->NextServer(decision.group);
  PrepareOutgoingProxyHeader(conn, decision);
  conn.peek_decided = true;
  RINGWAY_LOG(kDebug,
              "shard %d: conn %d/%d routed \"%s\" to group %d after "
              "%d bytes",
              shard_id_, conn.slot, conn.generation, hello_.server_name(),
              decision.group, conn.peek.length);
  if (conn.peek_recv_active) {
    // Bytes that arrive before the cancel lands are kept and sent on too.
    io_uring_sqe* sqe = ring_->GetSqe();
    io_uring_prep_cancel64(sqe, Tag(conn, kOpPeekRecv), 0);
    io_uring_sqe_set_data64(sqe, Tag(conn, kOpCancel));
    ++conn.inflight;
  }
}

void TcpRelay::Reject(Connection& conn, PreambleProblem problem) {
  LoadSocketAddresses(conn);
  stats_->Add(ProblemCounter(problem));
  RINGWAY_LOG(kWarning,
              "shard %d: listener \"%s\": closing connection from "
              "%s: %s",
              shard_id_, conn.listener->name,
              address::SocketAddress(conn.client_address).ToString(),
              PreambleProblemName(problem));
  Close(conn, CloseReason::kRejected);
}

void TcpRelay::PrepareOutgoingProxyHeader(Connection& conn,
                                          const PreambleResult& decision) {
  // Payload to relay starts after any inbound PROXY header.
  uint32_t begin = PeekBuffer::kHeadroom +
                   static_cast<uint32_t>(decision.proxy_header_bytes);
  uint32_t header_bytes = 0;
  uint8_t header[PeekBuffer::kHeadroom];
  if (conn.group->send_proxy_protocol != route::ProxyProtocolVersion::kNone) {
    LoadSocketAddresses(conn);  // unless a PROXY header already set them
  }
  switch (conn.group->send_proxy_protocol) {
    case route::ProxyProtocolVersion::kNone:
      break;
    case route::ProxyProtocolVersion::kV1:
      header_bytes = static_cast<uint32_t>(
          codec::WriteProxyV1(conn.client_address, conn.local_address, header));
      break;
    case route::ProxyProtocolVersion::kV2: {
      // ALPN: passthrough never sees the negotiated protocol, so this is
      // the client's first preference. AUTHORITY: the SNI.
      std::string_view alpn, sni;
      if (decision.has_client_hello) {
        sni = hello_.server_name();
        if (hello_.alpn_count() > 0) alpn = hello_.alpn(0);
      }
      header_bytes = static_cast<uint32_t>(codec::WriteProxyV2(
          conn.client_address, conn.local_address, alpn, sni, header));
      break;
    }
  }
  // The header goes right before the payload: one contiguous send.
  std::memcpy(conn.peek.block + begin - header_bytes, header, header_bytes);
  conn.preamble_begin = begin - header_bytes;
}

void TcpRelay::ConnectAfterPeek(Connection& conn) {
  conn.preamble_end = PeekBuffer::kHeadroom + conn.peek.length;
  conn.state = ConnectionState::kConnecting;
  ConnectNext(conn);
}

void TcpRelay::SendPreamble(Connection& conn) {
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_send(sqe, conn.upstream_fd,
                     conn.peek.block + conn.preamble_begin,
                     conn.preamble_end - conn.preamble_begin, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, Tag(conn, kOpPreambleSend));
  ++conn.inflight;
}

void TcpRelay::OnPreambleSent(Connection& conn, int32_t res) {
  if (res <= 0) {
    Close(conn, CloseReason::kUpstreamReset);
    return;
  }
  RINGWAY_LOG(kDebug, "shard %d: conn %d/%d preamble sent %d of %d", shard_id_,
              conn.slot, conn.generation, res,
              conn.preamble_end - conn.preamble_begin);
  conn.preamble_begin += res;
  stats_->Add(Counter::kBytesClientToUpstream, res);
  if (conn.preamble_begin < conn.preamble_end) {
    SendPreamble(conn);
    return;
  }
  peeks_->Release(conn.peek);
  StartRelay(conn);
}

}  // namespace ringway::net
