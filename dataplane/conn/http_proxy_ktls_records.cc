// HttpProxy: records that are not application data on an HTTP connection's
// kTLS socket (client or upstream). A receive meets one as EIO; it is then
// read whole with its type: close_notify ends that side's stream like a
// FIN, a TLS 1.3 ticket from the upstream is kept for resumption, a
// KeyUpdate (which the kernel before 6.14 cannot follow) ends the
// connection with a counter and a log line, anything else closes it.
// Application data read this way goes on as if the receive had read it.

#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "dataplane/common/log.h"
#include "dataplane/conn/http_proxy.h"
#include "dataplane/conn/http_proxy_internal.h"
#include "dataplane/http/real_client_address.h"
#include "dataplane/tls/client_context.h"
#include "dataplane/tls/ktls_control_records.h"

namespace ringway::conn {
namespace {

using stats::Counter;

// The largest TLS plaintext record (2^14), with room to spare.
constexpr size_t kMaxRecordBytes = 16 * 1024 + 256;

// As BoringSSL names a received alert ("TLSV1_ALERT_CERTIFICATE_REQUIRED"
// for "certificate required"), which DescribeUpstreamTlsError reads.
std::string AlertReason(uint8_t description) {
  std::string name = SSL_alert_desc_string_long(description);
  for (char& c : name) {
    c = c == ' ' ? '_' : static_cast<char>(absl::ascii_toupper(c));
  }
  return "TLS alert " + name;
}

}  // namespace

void HttpProxy::OnKtlsControlRecord(Connection& conn, int side) {
  HttpState& h = *conn.http;
  // Read straight into the side's plaintext queue: application data stays
  // there as a receive's would.
  buffer::ByteQueue& queue = side == kClient ? h.client_in : h.upstream_in;
  uint8_t* tail = queue.PrepareTail(kMaxRecordBytes);
  uint8_t type = 0;
  ssize_t n = tls::KtlsReceive(conn.side[side].fd, {tail, kMaxRecordBytes},
                               &type, MSG_DONTWAIT);
  auto received = [&](int32_t bytes) {
    if (side == kClient) {
      OnClientRecv(conn, bytes);
    } else {
      OnUpstreamRecv(conn, bytes);
    }
  };
  auto read_more = [&] {
    if (side == kClient) {
      MaybeArmClientRecv(conn);
    } else {
      MaybeArmUpstreamRecv(conn);
    }
  };
  if (n == -EAGAIN) {
    read_more();
    return;
  }
  if (n >= 0 && (n == 0 || type == tls::kRecordApplicationData)) {
    received(static_cast<int32_t>(n));  // data, or the end (FIN)
    return;
  }
  std::span<const uint8_t> record(tail, n > 0 ? static_cast<size_t>(n) : 0);
  if (n > 0 && type == tls::kRecordAlert) {
    if (tls::ClassifyAlert(record) == tls::KtlsControl::kCloseNotify) {
      received(0);  // the end of that side's stream
    } else if (side == kUpstream && !h.response_started && n == 2) {
      // A server refusing our certificate says so after our Finished,
      // once the kernel has the socket: the same 502 (or next server) as
      // when BoringSSL reads it.
      UpstreamTlsFailed(conn, AlertReason(record[1]));
    } else {
      Close(conn, side == kClient ? CloseReason::kClientReset
                                  : CloseReason::kUpstreamReset);
    }
    return;
  }
  std::vector<std::span<const uint8_t>> tickets;
  const tls::PostHandshakeRecord record_kind =
      n > 0 && type == tls::kRecordHandshake
          ? tls::ReadPostHandshakeRecord(record, side == kUpstream, &tickets)
          : tls::PostHandshakeRecord::kUnexpected;
  if (record_kind == tls::PostHandshakeRecord::kTickets) {
    ctx_.stats->Add(
        Counter::kKtlsTicketsStored,
        tls::ClientContext::KeepSessionTickets(
            h.upstream_tls != nullptr ? h.upstream_tls->ssl() : nullptr,
            tickets));
    read_more();  // tickets kept: on with the stream
    return;
  }
  if (record_kind == tls::PostHandshakeRecord::kKeyUpdate) {
    RINGWAY_LOG(kWarning,
                "listener \"%s\": kTLS: the %s of %s sent a TLS KeyUpdate, "
                "which this kernel cannot follow; closing the connection",
                conn.listener->name, SideName(side),
                http::IpText(conn.client_address));
    ctx_.stats->Add(Counter::kKtlsKeyUpdateCloses);
    // Inside a response the client must see it cut short.
    Close(conn, side == kUpstream && h.response_started
                    ? CloseReason::kUpstreamReset
                    : CloseReason::kDone);
    return;
  }
  RINGWAY_LOG(kInfo, "listener \"%s\": kTLS record from the %s of %s: %s",
              conn.listener->name, SideName(side),
              http::IpText(conn.client_address),
              n < 0 ? std::strerror(static_cast<int>(-n))
                    : "not one expected after the handshake");
  ctx_.stats->Add(Counter::kKtlsErrors);
  Close(conn, side == kClient ? CloseReason::kClientReset
                              : CloseReason::kUpstreamReset);
}

}  // namespace ringway::conn
