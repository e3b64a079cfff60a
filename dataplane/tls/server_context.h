// The TLS server side of a terminating listener. `ServerTlsConfig` is what
// the control thread loads (certificates, CA, options): immutable and
// shared. Each shard builds its own `ServerContext` (one SSL_CTX) from it,
// so the TLS 1.2 session cache is per shard and takes no lock another shard
// waits on; ticket keys come from a shared secret, so a ticket sealed on
// one shard resumes on any other.
//
// Certificate choice happens in BoringSSL's early ClientHello callback: by
// server name (exact, then "*." wildcard one label deep, then the default
// or a refusal), then by key type: ECDSA when the client can verify
// ecdsa_secp256r1_sha256, else RSA.
//
//   auto config = ServerTlsConfig::Build(options, {rsa_cert, ecdsa_cert});
//   auto context = ServerContext::Create(*config);  // on the shard
//   TlsSession session(context->NewSsl());

#ifndef RINGWAY_DATAPLANE_TLS_SERVER_CONTEXT_H_
#define RINGWAY_DATAPLANE_TLS_SERVER_CONTEXT_H_

#include <openssl/base.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "dataplane/tls/server_certificate.h"
#include "dataplane/tls/ticket_keys.h"

namespace ringway::tls {

enum class UnknownServerName { kDefaultCertificate, kRefuse };
enum class ClientVerify { kOff, kOptional, kRequired };

struct ServerTlsOptions {
  uint16_t min_version = 0x0303;  // TLS 1.2
  uint16_t max_version = 0x0304;  // TLS 1.3
  // TLS 1.2 cipher suites, BoringSSL syntax; empty: BoringSSL's default.
  // (TLS 1.3 suites are not configurable in BoringSSL.)
  std::string cipher_list;
  // Key exchange groups in preference order.
  std::string groups = "X25519:P-256:P-384";
  // ALPN protocols offered, in preference order; empty: no ALPN.
  std::vector<std::string> alpn = {"http/1.1"};
  UnknownServerName unknown_server_name =
      UnknownServerName::kDefaultCertificate;
  // TLS 1.2 session-ID cache entries per shard; 0: off.
  size_t session_cache_size = 20'000;
  // Seals session tickets; nullptr: no tickets.
  std::shared_ptr<const TicketKeySource> tickets;
  ClientVerify verify_client = ClientVerify::kOff;
  std::string client_ca_pem;  // required unless verify_client is kOff
  int verify_depth = 1;       // intermediates allowed above the client cert
};

// Immutable, shared by every shard.
class ServerTlsConfig {
 public:
  // Fails (naming the problem) on an empty certificate list, a default
  // index out of range, unparsable groups/ciphers, or a missing CA.
  static absl::StatusOr<std::shared_ptr<const ServerTlsConfig>> Build(
      ServerTlsOptions options,
      std::vector<std::shared_ptr<const ServerCertificate>> certificates,
      size_t default_certificate = 0);

  const ServerTlsOptions& options() const { return options_; }
  // The certificate for `server_name` (lower case, may be empty) and the
  // client's ability to verify ECDSA; nullptr when the name is unknown and
  // unknown names are refused.
  const ServerCertificate* Select(std::string_view server_name,
                                  bool client_takes_ecdsa) const;
  const std::string& alpn_wire() const { return alpn_wire_; }

 private:
  using Candidates = std::vector<const ServerCertificate*>;
  const ServerCertificate* Pick(const Candidates& candidates,
                                bool client_takes_ecdsa) const;

  ServerTlsOptions options_;
  std::vector<std::shared_ptr<const ServerCertificate>> certificates_;
  absl::flat_hash_map<std::string, Candidates> exact_;
  absl::flat_hash_map<std::string, Candidates> wildcard_;  // "example.org"
  Candidates default_;
  std::string alpn_wire_;  // length-prefixed protocol list
};

// One shard's SSL_CTX. Shard-local: only that shard's thread uses it.
class ServerContext {
 public:
  static absl::StatusOr<std::unique_ptr<ServerContext>> Create(
      std::shared_ptr<const ServerTlsConfig> config);
  ~ServerContext();

  // A server SSL for one connection (no BIO yet).
  bssl::UniquePtr<SSL> NewSsl();
  const ServerTlsConfig& config() const { return *config_; }

 private:
  explicit ServerContext(std::shared_ptr<const ServerTlsConfig> config);
  absl::Status Configure();

  static enum ssl_select_cert_result_t SelectCertificate(
      const SSL_CLIENT_HELLO* hello);
  static int SelectAlpn(SSL* ssl, const uint8_t** out, uint8_t* out_len,
                        const uint8_t* in, unsigned in_len, void* arg);
  static int TicketKey(SSL* ssl, uint8_t* name, uint8_t* iv,
                       EVP_CIPHER_CTX* cipher, HMAC_CTX* hmac, int encrypt);
  static ServerContext* From(const SSL* ssl);

  std::shared_ptr<const ServerTlsConfig> config_;
  bssl::UniquePtr<SSL_CTX> ctx_;
  std::unique_ptr<TicketKeyCache> tickets_;
};

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_SERVER_CONTEXT_H_
