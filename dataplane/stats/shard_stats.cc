#include "dataplane/stats/shard_stats.h"

namespace ringway::stats {

std::string_view CounterName(Counter counter) {
  switch (counter) {
    case Counter::kConnectionsTotal:
      return "connections_total";
    case Counter::kConnectionsOpen:
      return "connections_open";
    case Counter::kBytesClientToUpstream:
      return "bytes_client_to_upstream";
    case Counter::kBytesUpstreamToClient:
      return "bytes_upstream_to_client";
    case Counter::kUpstreamConnectsOk:
      return "upstream_connects_ok";
    case Counter::kUpstreamConnectRefused:
      return "upstream_connect_refused";
    case Counter::kUpstreamConnectTimeout:
      return "upstream_connect_timeout";
    case Counter::kUpstreamConnectOtherError:
      return "upstream_connect_other_error";
    case Counter::kUpstreamUnavailable:
      return "upstream_unavailable";
    case Counter::kClientResets:
      return "client_resets";
    case Counter::kUpstreamResets:
      return "upstream_resets";
    case Counter::kIdleTimeouts:
      return "idle_timeouts";
    case Counter::kAcceptErrors:
      return "accept_errors";
    case Counter::kConnectionLimit:
      return "connection_limit";
    case Counter::kDrainForcedCloses:
      return "drain_forced_closes";
    case Counter::kProxyHeadersAccepted:
      return "proxy_headers_accepted";
    case Counter::kDirectionsSpliced:
      return "directions_spliced";
    case Counter::kHttpBodiesSpliced:
      return "http_bodies_spliced";
    case Counter::kBadClientHelloToDefault:
      return "bad_client_hello_to_default";
    case Counter::kProxyHeaderUntrusted:
      return "proxy_header_untrusted";
    case Counter::kProxyHeaderMalformed:
      return "proxy_header_malformed";
    case Counter::kProxyHeaderMissing:
      return "proxy_header_missing";
    case Counter::kNotTls:
      return "not_tls";
    case Counter::kClientHelloMalformed:
      return "client_hello_malformed";
    case Counter::kClientHelloTooLarge:
      return "client_hello_too_large";
    case Counter::kNoRoute:
      return "no_route";
    case Counter::kPeekTimeouts:
      return "peek_timeouts";
    case Counter::kPeekClientClosed:
      return "peek_client_closed";
    case Counter::kTlsHandshakes:
      return "tls_handshakes";
    case Counter::kTlsResumed:
      return "tls_resumed";
    case Counter::kHttpRequests:
      return "http_requests";
    case Counter::kHttpRedirects:
      return "http_redirects";
    case Counter::kHttpUpgrades:
      return "http_upgrades";
    case Counter::kTlsHandshakeErrors:
      return "tls_handshake_errors";
    case Counter::kHttpBadRequests:
      return "http_bad_requests";
    case Counter::kHttpNoVirtualHost:
      return "http_no_virtual_host";
    case Counter::kHttpBadGateway:
      return "http_bad_gateway";
    case Counter::kHttpGatewayTimeouts:
      return "http_gateway_timeouts";
    case Counter::kHttpClientTimeouts:
      return "http_client_timeouts";
    case Counter::kHttpUpstreamReuses:
      return "http_upstream_reuses";
    case Counter::kUpstreamTlsHandshakes:
      return "upstream_tls_handshakes";
    case Counter::kUpstreamTlsResumed:
      return "upstream_tls_resumed";
    case Counter::kUpstreamTlsErrors:
      return "upstream_tls_errors";
    case Counter::kHealthChecksPassed:
      return "health_checks_passed";
    case Counter::kHealthChecksFailed:
      return "health_checks_failed";
    case Counter::kKtlsConnections:
      return "ktls_connections";
    case Counter::kKtlsFallbackKernel:
      return "ktls_fallback_kernel";
    case Counter::kKtlsFallbackCipher:
      return "ktls_fallback_cipher";
    case Counter::kKtlsTicketsStored:
      return "ktls_tickets_stored";
    case Counter::kKtlsRefused:
      return "ktls_refused";
    case Counter::kKtlsKeyUpdateCloses:
      return "ktls_key_update_closes";
    case Counter::kKtlsErrors:
      return "ktls_errors";
    case Counter::kAccessLogLines:
      return "access_log_lines";
    case Counter::kAccessLogDropped:
      return "access_log_dropped";
    case Counter::kAccessLogWriteErrors:
      return "access_log_write_errors";
    case Counter::kNumCounters:
      break;
  }
  return "unknown";
}

std::string_view HistogramName(Histogram histogram) {
  switch (histogram) {
    case Histogram::kUpstreamConnect:
      return "upstream_connect";
    case Histogram::kTlsHandshake:
      return "tls_handshake";
    case Histogram::kHttpRequest:
      return "http_request";
    case Histogram::kNumHistograms:
      break;
  }
  return "?";
}

bool IsErrorCounter(Counter counter) {
  return counter >= Counter::kHealthChecksFailed &&
         counter < Counter::kNumCounters;
}

}  // namespace ringway::stats
