// Relay's peek phase: reading a connection's first bytes to pick its route
// (see relay.h), and sending them on once connected.

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "dataplane/address/socket_address.h"
#include "dataplane/codec/proxy_protocol_writer.h"
#include "dataplane/common/log.h"
#include "dataplane/conn/conn_op.h"
#include "dataplane/conn/relay.h"

namespace ringway::conn {
namespace {

using stats::Counter;

// Room for bytes a client sends right after its first flight (TLS early
// data, pipelined requests) in the same reads.
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

// One warning line per bad preamble, limited per reason (PROXY header or
// ClientHello) so that a flood of them cannot flood the log.
template <typename... Args>
void Relay::LogBadInput(PreambleProblem problem,
                        const absl::FormatSpec<Args...>& format,
                        const Args&... args) {
  const bool proxy_header = problem == PreambleProblem::kProxyHeaderUntrusted ||
                            problem == PreambleProblem::kProxyHeaderMalformed ||
                            problem == PreambleProblem::kProxyHeaderMissing;
  uint64_t held_back = 0;
  if (!log_limiter_.Allow(
          proxy_header ? LogReason::kProxyHeader : LogReason::kClientHello,
          now_ns_, &held_back)) {
    return;
  }
  RINGWAY_LOG(kWarning, "shard %d: %s%s", ctx_.shard_id,
              absl::StrFormat(format, args...), SuppressedNote(held_back));
}

void Relay::StartPeek(Connection& conn) {
  const route::ListenerRoutes& listener = *conn.listener;
  conn.state = ConnectionState::kPeeking;
  const bool tls = listener.kind == route::ListenerKind::kTlsPassthrough;
  uint64_t timeout =
      tls ? listener.tls.peek_timeout_ns : listener.peek_timeout_ns;
  ctx_.timers->Schedule(&conn.deadline, now_ns_ + timeout);
  uint32_t capacity = kProxyHeaderRoom + kPeekSlack;
  if (tls) capacity += listener.tls.client_hello_max_bytes;
  conn.peek = ctx_.peeks->Acquire(capacity);
  conn.peek_bytes_needed = 1;
}

// Both addresses feed the trust check, the outgoing PROXY header and log
// lines; fetched only when one of those needs them (a system call each;
// the client's is often known already, from the shard's accept).
void Relay::LoadClientAddress(Connection& conn) {
  if (conn.client_known) return;
  conn.client_known = true;
  socklen_t length = sizeof(conn.client_address);
  getpeername(conn.side[kClient].fd,
              reinterpret_cast<sockaddr*>(&conn.client_address), &length);
}

void Relay::LoadSocketAddresses(Connection& conn) {
  if (conn.addresses_known) return;
  conn.addresses_known = true;
  int fd = conn.side[kClient].fd;
  LoadClientAddress(conn);
  socklen_t length = sizeof(conn.local_address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&conn.local_address), &length);
}

void Relay::OnPeekBytes(Connection& conn, uint16_t buffer_id, int32_t res) {
  PeekBuffer& peek = conn.peek;
  uint32_t room = peek.capacity - peek.length;
  if (static_cast<uint32_t>(res) > room) {
    // More than any first flight before the route could be decided.
    ctx_.recv_buffers->Recycle(buffer_id);
    Reject(conn, PreambleProblem::kClientHelloTooLarge);
    return;
  }
  std::memcpy(peek.payload() + peek.length, ctx_.recv_buffers->Data(buffer_id),
              res);
  ctx_.recv_buffers->Recycle(buffer_id);
  peek.length += res;
  Touch(conn);
  // A ClientHello split over many segments is parsed again only once
  // enough bytes for it have arrived.
  if (peek.length >= conn.peek_bytes_needed) Decide(conn);
}

void Relay::Decide(Connection& conn) {
  const route::ListenerRoutes& listener = *conn.listener;
  if (listener.proxy_protocol.enabled) LoadSocketAddresses(conn);
  bool trusted = listener.proxy_protocol.enabled &&
                 address::AnyContains(listener.proxy_protocol.trusted,
                                      conn.client_address);
  PreambleResult decision =
      DecidePreamble(listener, {conn.peek.payload(), conn.peek.length}, trusted,
                     hello_scratch_, &proxy_header_, &hello_);
  if (decision.outcome == PreambleOutcome::kNeedMoreData) {
    conn.peek_bytes_needed = static_cast<uint32_t>(decision.bytes_needed);
    return;
  }
  if (decision.outcome == PreambleOutcome::kClose) {
    Reject(conn, decision.problem);
    return;
  }
  ctx_.timers->Cancel(&conn.deadline);
  if (decision.problem != PreambleProblem::kNone) {
    LoadSocketAddresses(conn);  // for the log line
    ctx_.stats->Add(ProblemCounter(decision.problem));
    ctx_.stats->Add(Counter::kBadClientHelloToDefault);
    LogBadInput(decision.problem,
                "listener \"%s\": %s from %s; relaying to the default "
                "upstream group",
                listener.name, PreambleProblemName(decision.problem),
                address::SocketAddress(conn.client_address).ToString());
  }
  if (decision.has_proxy_header) {
    ctx_.stats->Add(Counter::kProxyHeadersAccepted);
    if (!proxy_header_.local()) {
      conn.client_address = proxy_header_.source();
      conn.local_address = proxy_header_.destination();
      conn.addresses_known = true;
      conn.client_known = true;
    }
  }
  if (decision.has_client_hello && listener.access_log != nullptr) {
    conn.log.sni.assign(hello_.server_name());
    conn.log.alpn.assign(hello_.alpn_count() > 0 ? hello_.alpn(0) : "");
  }
  ChooseGroup(conn, decision.group);
  PrepareOutgoingProxyHeader(conn, decision.proxy_header_bytes,
                             decision.has_client_hello);
  // Every byte peeked so far goes in the preamble; later ones queue on the
  // client endpoint and follow it.
  conn.preamble_end = PeekBuffer::kHeadroom + conn.peek.length;
  RINGWAY_LOG(kDebug,
              "shard %d: conn %d/%d routed \"%s\" to group %d after "
              "%d bytes",
              ctx_.shard_id, conn.slot, conn.generation, hello_.server_name(),
              decision.group, conn.peek.length);
  ConnectNext(conn);
}

void Relay::Reject(Connection& conn, PreambleProblem problem) {
  LoadSocketAddresses(conn);
  ctx_.stats->Add(ProblemCounter(problem));
  LogBadInput(problem, "listener \"%s\": closing connection from %s: %s",
              conn.listener->name,
              address::SocketAddress(conn.client_address).ToString(),
              PreambleProblemName(problem));
  Close(conn, CloseReason::kRejected);
}

void Relay::PrepareOutgoingProxyHeader(Connection& conn, size_t inbound_bytes,
                                       bool has_client_hello) {
  // Payload to relay starts after any inbound PROXY header.
  uint32_t begin = PeekBuffer::kHeadroom + static_cast<uint32_t>(inbound_bytes);
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
      if (has_client_hello) {
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

void Relay::SendPreamble(Connection& conn) {
  io_uring_sqe* sqe = ctx_.ring->GetSqe();
  io_uring_prep_send(sqe, conn.side[kUpstream].fd,
                     conn.peek.block + conn.preamble_begin,
                     conn.preamble_end - conn.preamble_begin, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, Tag(conn, kOpPreambleSend));
  ++conn.inflight;
  conn.side[kUpstream].sending = true;
}

void Relay::OnPreambleSent(Connection& conn, int32_t res) {
  conn.side[kUpstream].sending = false;
  if (res <= 0) {
    Close(conn, CloseReason::kUpstreamReset);
    return;
  }
  conn.preamble_begin += res;
  CountBytes(conn, kClient, res);
  if (conn.preamble_begin < conn.preamble_end) {
    SendPreamble(conn);
    return;
  }
  ctx_.peeks->Release(conn.peek);
  conn.side[kUpstream].writable = true;
  Flush(conn, kClient);
}

}  // namespace ringway::conn
