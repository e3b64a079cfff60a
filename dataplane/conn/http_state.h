// What an HTTP listener's connection carries beyond the L4 Connection: the
// client's TLS session, the bytes on their way in each direction, and the
// request/response exchange in progress.
//
// One request is in flight at a time (pipelined requests wait in
// `client_in` until the response before them is complete), so responses go
// out in request order without queueing them. Objects come from the
// HttpProxy's pool and keep their buffers' capacity when reused: a warm
// connection allocates nothing per request. Shard-local.

#ifndef RINGWAY_DATAPLANE_CONN_HTTP_STATE_H_
#define RINGWAY_DATAPLANE_CONN_HTTP_STATE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "dataplane/buffer/byte_queue.h"
#include "dataplane/codec/http_chunked_decoder.h"
#include "dataplane/codec/http_message.h"
#include "dataplane/codec/http_request_parser.h"
#include "dataplane/codec/http_response_parser.h"
#include "dataplane/io/pipe_pool.h"
#include "dataplane/route/route_snapshot.h"
#include "dataplane/tls/tls_session.h"

namespace ringway::conn {

enum class HttpPhase : uint8_t {
  kProxyHeader,   // reading an inbound PROXY header
  kHandshake,     // TLS handshake with the client
  kRequestHead,   // reading the next request head (or idle keep-alive)
  kConnecting,    // request routed; upstream connect in flight
  kExchange,      // request body up, response down
  kTunnel,        // after 101: bytes both ways until either side ends
  kKtlsHandover,  // stopping at record boundaries for kTLS
  kFlushClose,    // last bytes to the client, then close
};

// Bytes to send on one socket. Appended to while a send is in flight, so
// the bytes of that send are kept apart (`sending`) until it completes.
struct OutQueue {
  std::string pending;
  std::string sending;
  size_t sent = 0;  // of `sending`
  bool in_flight = false;

  bool idle() const { return !in_flight && pending.empty(); }
  size_t bytes() const { return pending.size() + sending.size() - sent; }
};

// A Content-Length body moved socket → pipe → socket by splice, where
// both sockets carry plaintext (plain TCP, or the kernel's TLS): the bytes
// never enter user space (http_proxy_body_splice.cc).
struct BodySplice {
  bool active = false;
  io::Pipe pipe;  // from the shard's pool while active
  uint32_t in_pipe = 0;
  bool poll_in = false;   // POLLIN on the source socket in flight
  bool poll_out = false;  // POLLOUT on the destination socket in flight
};

struct HttpState;
// The client's (upstream's) bytes are TLS records ringway seals and opens
// itself.
bool ClientSealed(const HttpState& h);
bool UpstreamSealed(const HttpState& h);

struct HttpState {
  HttpPhase phase = HttpPhase::kRequestHead;
  // Stream mode (ListenerRoutes::tls_stream): no HTTP; once the client's
  // TLS handshake (if any) is done, the listener's group is connected (with
  // TLS if it re-encrypts) and bytes are tunnelled both ways.
  bool stream = false;
  // TLS sides that may go to the kernel (no side has ktls OFF): only whole
  // records are given to BoringSSL until the kernel takes them or not
  // (http_proxy_ktls.cc). Stream mode: both sides, then the Relay; HTTPS
  // listeners: the client side, after its handshake.
  bool ktls_candidate = false;
  // Sent to the upstream ahead of everything, in the clear (an outgoing
  // PROXY header in stream mode).
  std::string upstream_preamble;

  // Client side.
  std::unique_ptr<tls::TlsSession> tls;  // HTTPS listeners
  // The kernel has the client's records (kTLS): the socket carries
  // plaintext as on a plain listener; `tls` stays for what the handshake
  // learnt (SNI, ALPN, client certificate).
  bool client_ktls = false;
  buffer::ByteQueue client_raw;     // TLS or PROXY bytes not yet taken
  buffer::ByteQueue client_in;      // plaintext from the client
  std::string client_out;           // plaintext for the client (TLS seals it)
  OutQueue client_send;             // plain listeners: what goes on the wire
  bool client_tls_sending = false;  // a send of tls->output() in flight
  bool client_recv_armed = false;
  bool client_eof = false;
  // Real client address after any PROXY header and trusted header, as
  // text for forwarded headers and logs.
  std::string client_ip;
  bool local_address_known = false;  // Connection::local_address, from PROXY
  std::string client_verify;         // "SUCCESS", "NONE", "FAILED:..." or ""
  std::string client_subject;        // RFC 2253, verified clients only

  // Upstream side (socket in Connection::side[kUpstream]).
  buffer::ByteQueue upstream_in;
  OutQueue upstream_send;
  bool upstream_recv_armed = false;
  bool upstream_eof = false;
  uint16_t upstream_inflight = 0;  // ops naming the upstream socket
  bool upstream_dropping = false;  // cancel issued; close at 0 inflight
  // Keep-alive to the upstream: asked for this request; the connection
  // came from the idle pool; the request head, kept for one retry on a
  // fresh connection when a reused one turns out closed (bodiless
  // requests only).
  bool upstream_keep = false;
  bool upstream_reused = false;
  bool upstream_retried = false;
  std::string retry_head;
  bool request_idempotent = false;  // may go to another server on failure
  bool retry_after_drop = false;    // RetryRequest waits for the old socket
  std::string resend;               // what that retry sends first
  // Re-encryption (the group has tls): the upstream's TLS session. Its
  // ciphertext arrives in upstream_raw and is decrypted into upstream_in;
  // upstream_send.pending is sealed into upstream_tls->output(), which is
  // what goes on the wire.
  std::unique_ptr<tls::TlsSession> upstream_tls;
  buffer::ByteQueue upstream_raw;
  bool upstream_handshaking = false;
  bool upstream_close_notify = false;              // queued (tunnel end)
  const std::string* upstream_tls_name = nullptr;  // of the server tried
  // HTTP mode: the upstream socket may go to the kernel after its
  // handshake (the group's ktls is not OFF); is settling at a record
  // boundary for it; went (its records are the kernel's, `upstream_tls`
  // stays for tickets and what the handshake learnt).
  bool upstream_ktls_candidate = false;
  bool upstream_ktls_settling = false;
  bool upstream_ktls = false;

  // By the side the body is read from: kClient the request's, kUpstream
  // the response's.
  BodySplice body_splice[2];

  // The exchange in progress.
  codec::HttpRequestParser request_parser;
  codec::HttpRequest request;  // views valid only until client_in moves
  codec::HttpResponseParser response_parser;
  codec::HttpResponse response;  // views valid only until upstream_in moves
  codec::HttpChunkedDecoder request_chunks;
  codec::HttpChunkedDecoder response_chunks;
  uint32_t requests = 0;  // on this connection, the current one included
  uint64_t request_started_ns = 0;  // head routed; 0: no request
  // The request's access log line (logged listeners only): the response's
  // status (the upstream's or ringway's own; 0: none yet), what the head
  // asked for, and Connection::log.bytes when it started.
  int status = 0;
  std::string log_method;
  std::string log_host;
  std::string log_path;
  uint64_t log_bytes_at_start[2] = {0, 0};
  // Scalars kept from the request head once its bytes are consumed.
  codec::HttpMethod method = codec::HttpMethod::kGet;
  codec::HttpVersion client_version = codec::HttpVersion::kHttp11;
  codec::HttpBodyKind request_body = codec::HttpBodyKind::kNone;
  uint64_t request_left = 0;  // kContentLength bytes still to forward
  bool request_keep_alive = false;
  bool request_upgrade = false;
  bool request_done = false;
  bool response_head_done = false;
  bool response_started = false;  // bytes of a response reached client_out
  bool response_from_upstream = false;  // (not one of ringway's own)
  codec::HttpBodyKind response_body = codec::HttpBodyKind::kNone;
  uint64_t response_left = 0;
  bool keep_client = false;  // the client connection outlives the response
  const route::VirtualHost* vhost = nullptr;
  const route::HttpLocation* location = nullptr;
  route::HttpLocation acme_location;  // when the ACME group takes a request
  // The response is complete; the next request waits for the upstream
  // socket to be released.
  bool exchange_finished = false;
  // Tunnel: our FIN sent on each side.
  bool client_shut = false;
  bool upstream_shut = false;
  bool close_notify_queued = false;
  // Set by a drain: the next response closes the connection.
  bool closing_soon = false;

  // Resets everything for the next connection; buffers keep their
  // capacity.
  void ResetConnection() {
    phase = HttpPhase::kRequestHead;
    log_bytes_at_start[0] = log_bytes_at_start[1] = 0;
    stream = false;
    ktls_candidate = false;
    upstream_preamble.clear();
    tls.reset();
    client_ktls = false;
    client_raw.Clear();
    client_in.Clear();
    client_out.clear();
    client_send.pending.clear();
    client_send.sending.clear();
    client_send.sent = 0;
    client_send.in_flight = false;
    client_tls_sending = false;
    client_recv_armed = false;
    client_eof = false;
    client_ip.clear();
    local_address_known = false;
    client_verify.clear();
    client_subject.clear();
    upstream_in.Clear();
    upstream_send.pending.clear();
    upstream_send.sending.clear();
    upstream_send.sent = 0;
    upstream_send.in_flight = false;
    upstream_recv_armed = false;
    upstream_eof = false;
    upstream_inflight = 0;
    upstream_dropping = false;
    ResetUpstreamTls();
    requests = 0;
    method = codec::HttpMethod::kGet;
    client_version = codec::HttpVersion::kHttp11;
    client_shut = false;
    upstream_shut = false;
    close_notify_queued = false;
    closing_soon = false;
    ResetExchange();
  }

  void ResetUpstreamTls() {
    upstream_tls.reset();
    upstream_raw.Clear();
    upstream_handshaking = false;
    upstream_close_notify = false;
    upstream_tls_name = nullptr;
    upstream_ktls_candidate = false;
    upstream_ktls_settling = false;
    upstream_ktls = false;
  }

  // Resets the exchange for the next request on the same connection.
  void ResetExchange() {
    request_started_ns = 0;
    status = 0;
    log_method.clear();
    log_host.clear();
    log_path.clear();
    request_parser.Reset();
    response_parser.Reset();
    request_chunks.Reset();
    response_chunks.Reset();
    request_body = codec::HttpBodyKind::kNone;
    request_left = 0;
    request_keep_alive = false;
    request_upgrade = false;
    request_done = false;
    response_head_done = false;
    response_started = false;
    response_from_upstream = false;
    upstream_keep = false;
    upstream_reused = false;
    upstream_retried = false;
    retry_head.clear();
    request_idempotent = false;
    retry_after_drop = false;
    resend.clear();
    response_body = codec::HttpBodyKind::kNone;
    response_left = 0;
    keep_client = false;
    vhost = nullptr;
    location = nullptr;
    exchange_finished = false;
  }
};

inline bool ClientSealed(const HttpState& h) {
  return h.tls != nullptr && !h.client_ktls;
}

inline bool UpstreamSealed(const HttpState& h) {
  return h.upstream_tls != nullptr && !h.upstream_ktls;
}

}  // namespace ringway::conn

#endif  // RINGWAY_DATAPLANE_CONN_HTTP_STATE_H_
