#include "dataplane/conn/access_log_lines.h"

#include <string>

#include "dataplane/address/ip_text.h"
#include "dataplane/conn/http_state.h"

namespace ringway::conn {
namespace {

uint64_t Since(uint64_t start_ns, uint64_t now_ns) {
  return start_ns != 0 && now_ns >= start_ns ? now_ns - start_ns
                                             : accesslog::kNotMeasured;
}

void AddTls(const tls::TlsSession* tls, accesslog::AccessEntry* entry) {
  if (tls == nullptr) return;
  entry->sni = tls->server_name();
  entry->alpn = tls->alpn();
  entry->tls_version = tls->version();
  entry->tls_cipher = tls->cipher();
}

}  // namespace

void LogConnection(accesslog::AccessLogWriter& writer, const Connection& conn,
                   uint64_t now_ns) {
  const ConnectionLog& log = conn.log;
  accesslog::AccessEntry entry;
  entry.kind = "tcp";
  entry.listener = conn.listener->name;
  const address::IpText peer(conn.client_address);
  if (conn.http != nullptr && !conn.http->client_ip.empty()) {
    entry.client = conn.http->client_ip;
  } else if (conn.client_known) {
    entry.client = peer.view();
  }
  if (conn.client_known) {
    entry.client_port = address::PortOf(conn.client_address);
  }
  if (conn.http != nullptr) {
    AddTls(conn.http->tls.get(), &entry);
  } else {
    entry.sni = log.sni;
    entry.alpn = log.alpn;
    entry.tls_version = log.tls_version;
    entry.tls_cipher = log.tls_cipher;
  }
  entry.tls_ns = log.tls_ns;
  if (conn.group != nullptr) entry.upstream_group = conn.group->name;
  if (conn.server != nullptr) entry.upstream = conn.server->address_text;
  entry.bytes_received = log.bytes[kClient];
  entry.bytes_sent = log.bytes[kUpstream];
  entry.connect_ns = log.connect_ns;
  entry.first_byte_ns = log.first_byte_ns;
  entry.duration_ns = Since(log.accepted_ns, now_ns);
  entry.end = CloseReasonName(log.end);
  writer.Write(conn.listener->access_log, entry);
}

void LogHttpRequest(accesslog::AccessLogWriter& writer, const Connection& conn,
                    uint64_t now_ns, CloseReason end) {
  const HttpState& h = *conn.http;
  const ConnectionLog& log = conn.log;
  accesslog::AccessEntry entry;
  entry.kind = "http";
  entry.listener = conn.listener->name;
  const address::IpText ip_text(conn.client_address);
  const std::string_view peer =
      conn.client_known ? ip_text.view() : std::string_view();
  // A request refused before it was routed has no real client yet: the
  // TCP peer stands in.
  entry.client = h.client_ip.empty() ? peer : std::string_view(h.client_ip);
  // The TCP peer's port, when the client is that peer (not a client a
  // trusted proxy named in a header).
  if (conn.client_known && entry.client == peer) {
    entry.client_port = address::PortOf(conn.client_address);
  }
  AddTls(h.tls.get(), &entry);
  if (h.vhost != nullptr) entry.route = h.vhost->name;
  if (h.location != nullptr && conn.group != nullptr) {
    entry.upstream_group = conn.group->name;
    if (conn.server != nullptr) entry.upstream = conn.server->address_text;
  }
  entry.method = h.log_method;
  entry.host = h.log_host;
  entry.path = h.log_path;
  entry.status = h.status;
  entry.bytes_received = log.bytes[kClient] - h.log_bytes_at_start[kClient];
  entry.bytes_sent = log.bytes[kUpstream] - h.log_bytes_at_start[kUpstream];
  entry.connect_ns = log.connect_ns;
  entry.tls_ns = h.tls != nullptr ? log.tls_ns : accesslog::kNotMeasured;
  entry.first_byte_ns = log.first_byte_ns;
  entry.duration_ns = Since(h.request_started_ns, now_ns);
  entry.end = CloseReasonName(end);
  writer.Write(conn.listener->access_log, entry);
}

}  // namespace ringway::conn
