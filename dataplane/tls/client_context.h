// The TLS client side towards upstream servers (nginx `proxy_ssl_*`,
// HAProxy `server ... ssl`). `ClientTlsConfig` is what the control thread
// loads for an upstream group (trusted CAs, client certificate, options):
// immutable and shared. Each shard builds its own `ClientContext` (one
// SSL_CTX) from it.
//
// Verification is off by default, as in nginx: the connection is encrypted
// but the server is not authenticated (right for backends with a fresh
// self-signed "snakeoil" certificate). With `verify`, the chain must lead
// to a trusted CA within `verify_depth`, and the name the connection was
// made for must be in the certificate.
//
// Sessions are resumed per upstream server: the caller keeps the last
// session a server gave (`UpstreamSessionSlot`, filled by BoringSSL's
// new-session callback, TLS 1.3 tickets included) and offers it on the next
// connection to that server.
//
//   auto config = ClientTlsConfig::Build(options);         // control thread
//   auto context = ClientContext::Create(*config);         // on the shard
//   TlsSession session(context->NewSsl({"backend.internal", true}, &slot));

#ifndef RINGWAY_DATAPLANE_TLS_CLIENT_CONTEXT_H_
#define RINGWAY_DATAPLANE_TLS_CLIENT_CONTEXT_H_

#include <openssl/base.h>
#include <openssl/ssl.h>  // bssl::UniquePtr<SSL_SESSION> needs its deleter

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/tls/server_certificate.h"

namespace ringway::tls {

struct ClientTlsOptions {
  uint16_t min_version = 0x0303;  // TLS 1.2
  uint16_t max_version = 0x0304;  // TLS 1.3
  // TLS 1.2 cipher suites, BoringSSL syntax; empty: BoringSSL's default.
  std::string cipher_list;
  // ALPN protocols offered to the server; empty: no ALPN extension.
  std::vector<std::string> alpn;
  // Check the server's chain against `ca_pem` and its name.
  bool verify = false;
  std::string ca_pem;    // required with verify
  int verify_depth = 1;  // intermediates allowed below the trusted CA
  // Presented when the server asks (mTLS); null: none.
  std::shared_ptr<const ServerCertificate> client_certificate;
  // Offer the server's last session on the next connection to it.
  bool session_reuse = true;
};

// Immutable, shared by every shard.
class ClientTlsConfig {
 public:
  // Fails (naming the problem) on unusable versions, ciphers or CAs.
  static absl::StatusOr<std::shared_ptr<const ClientTlsConfig>> Build(
      ClientTlsOptions options);

  const ClientTlsOptions& options() const { return options_; }
  const std::string& alpn_wire() const { return alpn_wire_; }

 private:
  ClientTlsOptions options_;
  std::string alpn_wire_;
};

// Where a server's resumable session is kept between connections (per
// server and shard). The SSL that fills it must not outlive it.
struct UpstreamSessionSlot {
  bssl::UniquePtr<SSL_SESSION> session;
};

// For one connection: the name verified against the server's certificate
// (a DNS name or an IP literal) and whether it is sent as SNI.
struct UpstreamPeerName {
  std::string_view name;
  bool send_sni = false;
};

// One shard's SSL_CTX towards one upstream group. Shard-local.
class ClientContext {
 public:
  static absl::StatusOr<std::unique_ptr<ClientContext>> Create(
      std::shared_ptr<const ClientTlsConfig> config);
  ~ClientContext();

  // A client SSL for one connection (no BIO yet). `slot` (may be null)
  // offers its session for resumption and receives the server's new ones.
  bssl::UniquePtr<SSL> NewSsl(const UpstreamPeerName& peer,
                              UpstreamSessionSlot* slot);
  const ClientTlsConfig& config() const { return *config_; }

  // A TLS 1.3 NewSessionTicket message (its 4-byte header included) that
  // arrived on a kTLS socket after the kernel took `ssl`'s records: kept in
  // the slot `ssl` was made with, as if BoringSSL had read it. False when
  // `ssl` keeps no sessions or refuses the message.
  static bool KeepSessionTicket(SSL* ssl, std::span<const uint8_t> message);
  // Each of `messages` as KeepSessionTicket (`ssl` may be null: none
  // kept); returns how many were kept.
  static size_t KeepSessionTickets(
      SSL* ssl, std::span<const std::span<const uint8_t>> messages);
  // A TLS 1.3 `ssl` made with a session slot: tickets may still come.
  static bool AwaitsSessionTickets(const SSL* ssl);

 private:
  explicit ClientContext(std::shared_ptr<const ClientTlsConfig> config);
  absl::Status Configure();
  static int OnNewSession(SSL* ssl, SSL_SESSION* session);

  std::shared_ptr<const ClientTlsConfig> config_;
  bssl::UniquePtr<SSL_CTX> ctx_;
};

// Why a client handshake (or the first read after it) failed, in words an
// operator acts on: "certificate verify failed: unknown CA (unable to get
// local issuer certificate)", "... name mismatch ...", "... expired ...",
// "... depth exceeded ...", "the server accepted no client certificate
// (alert: ...)". `library_reason` is TlsSession::error_reason().
std::string DescribeUpstreamTlsError(const SSL* ssl,
                                     std::string_view library_reason);

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_CLIENT_CONTEXT_H_
