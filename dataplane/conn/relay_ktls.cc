// Relay: connections whose TLS records the kernel does (kTLS), handed over
// by the HttpProxy once every TLS side reached a record boundary. Payload
// moves by splice as on any spliced connection: decrypted by one socket's
// kTLS RX into the pipe, encrypted by the other's kTLS TX on the way out.
// What is not application data stops a splice (EINVAL) and is read here
// whole: close_notify ends the direction like a FIN, a TLS 1.3 ticket from
// the upstream is kept for resumption, and a KeyUpdate, which the kernel
// before 6.14 cannot follow, ends the connection with a counter and a log
// line instead of spinning on a record nobody reads (HAProxy issue 3450).

#include <cerrno>
#include <cstring>
#include <vector>

#include "dataplane/common/log.h"
#include "dataplane/conn/relay.h"
#include "dataplane/tls/client_context.h"
#include "dataplane/tls/ktls_control_records.h"

namespace ringway::conn {
namespace {

using stats::Counter;

// The largest TLS plaintext record (2^14), with room to spare.
constexpr size_t kMaxRecordBytes = 16 * 1024 + 256;

}  // namespace

void Relay::StartKtls(Connection& conn) {
  conn.state = ConnectionState::kRelaying;
  Touch(conn);
  if (conn.idle_timeout_ns != 0) {
    ctx_.timers->Schedule(&conn.deadline, now_ns_ + conn.idle_timeout_ns);
  }
  for (Endpoint& side : conn.side) side.writable = true;
  StartSplice(conn, kClient);
  if (conn.state == ConnectionState::kClosing) return;
  StartSplice(conn, kUpstream);
}

bool Relay::OnKtlsRecord(Connection& conn, int d) {
  Endpoint& src = conn.side[d];
  uint8_t record[kMaxRecordBytes];
  uint8_t type = 0;
  ssize_t n = tls::KtlsReceive(src.fd, record, &type, MSG_DONTWAIT);
  if (n == -EAGAIN) return false;
  if (n == 0) {
    OnEof(conn, d);
    return false;
  }
  if (n < 0 || type == tls::kRecordApplicationData) {
    // Data splice refused, or a bad record (EBADMSG): nothing to trust.
    RINGWAY_LOG(kInfo, "shard %d: kTLS %s record: %s", ctx_.shard_id,
                SideName(d),
                n < 0 ? std::strerror(static_cast<int>(-n))
                      : "application data that splice refused");
    ctx_.stats->Add(Counter::kKtlsErrors);
    Close(conn, ResetReason(d));
    return false;
  }
  std::span<const uint8_t> bytes(record, static_cast<size_t>(n));
  if (type == tls::kRecordAlert) {
    if (tls::ClassifyAlert(bytes) == tls::KtlsControl::kCloseNotify) {
      src.close_notify = true;
      OnEof(conn, d);
    } else {
      Close(conn, ResetReason(d));
    }
    return false;
  }
  std::vector<std::span<const uint8_t>> tickets;
  const tls::PostHandshakeRecord record_kind =
      type == tls::kRecordHandshake
          ? tls::ReadPostHandshakeRecord(bytes, d == kUpstream, &tickets)
          : tls::PostHandshakeRecord::kUnexpected;
  switch (record_kind) {
    case tls::PostHandshakeRecord::kTickets:
      ctx_.stats->Add(
          Counter::kKtlsTicketsStored,
          tls::ClientContext::KeepSessionTickets(
              conn.upstream_tls != nullptr ? conn.upstream_tls->ssl() : nullptr,
              tickets));
      break;
    case tls::PostHandshakeRecord::kKeyUpdate:
      RINGWAY_LOG(kWarning,
                  "shard %d: kTLS: the %s sent a TLS KeyUpdate, which this "
                  "kernel cannot follow; closing the connection",
                  ctx_.shard_id, SideName(d));
      ctx_.stats->Add(Counter::kKtlsKeyUpdateCloses);
      Close(conn, CloseReason::kDone);
      return false;
    case tls::PostHandshakeRecord::kUnexpected:
      RINGWAY_LOG(kInfo,
                  "shard %d: kTLS %s sent a record of type %d not expected "
                  "after the handshake",
                  ctx_.shard_id, SideName(d), type);
      ctx_.stats->Add(Counter::kKtlsErrors);
      Close(conn, ResetReason(d));
      return false;
  }
  return true;
}

// close_notify before our FIN, so the peer sees a clean end of the TLS
// stream. The kernel may still hold sealed records that TCP had no room
// for (they go when it has): wait for POLLOUT first, and again if the
// alert itself finds no room (MSG_DONTWAIT), rather than drop it or let
// the FIN overtake them.
bool Relay::SendKtlsCloseNotify(Connection& conn, int d) {
  Endpoint& dst = conn.side[1 - d];
  if (!dst.close_notify_polled) {
    dst.close_notify_polled = true;
    ArmPollOut(conn, d);
    return false;
  }
  int error = tls::KtlsSendCloseNotify(dst.fd);
  if (error == -EAGAIN || error == -ENOMEM) {
    ArmPollOut(conn, d);
    return false;
  }
  if (error != 0) {
    RINGWAY_LOG(kDebug, "shard %d: kTLS close_notify to the %s: %s",
                ctx_.shard_id, SideName(1 - d), std::strerror(-error));
  }
  dst.close_notify_sent = true;
  return true;
}

}  // namespace ringway::conn
