#include "dataplane/tls/server_context.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "dataplane/tls/boringssl_text.h"

namespace ringway::tls {
namespace {

constexpr uint16_t kExtSignatureAlgorithms = 13;
constexpr uint16_t kExtSupportedVersions = 43;
constexpr uint16_t kEcdsaP256Sha256 = 0x0403;
constexpr uint16_t kTls13 = 0x0304;

// True when the big-endian u16 list (after a `prefix_bytes` length) holds
// `wanted`.
bool U16ListHas(const uint8_t* data, size_t length, size_t prefix_bytes,
                uint16_t wanted) {
  if (length < prefix_bytes) return false;
  for (size_t i = prefix_bytes; i + 1 < length; i += 2) {
    if ((data[i] << 8 | data[i + 1]) == wanted) return true;
  }
  return false;
}

bool OffersEcdsaSuite(const SSL_CLIENT_HELLO* hello) {
  for (size_t i = 0; i + 1 < hello->cipher_suites_len; i += 2) {
    const uint16_t suite =
        hello->cipher_suites[i] << 8 | hello->cipher_suites[i + 1];
    // TLS_ECDHE_ECDSA_WITH_*: AES-GCM, ChaCha20, AES-CBC.
    if (suite == 0xc02b || suite == 0xc02c || suite == 0xcca9 ||
        suite == 0xc009 || suite == 0xc00a) {
      return true;
    }
  }
  return false;
}

// The client can verify an ECDSA P-256 signature on a suite we may pick.
bool ClientTakesEcdsa(const SSL_CLIENT_HELLO* hello) {
  const uint8_t* data;
  size_t length;
  if (!SSL_early_callback_ctx_extension_get(hello, kExtSignatureAlgorithms,
                                            &data, &length) ||
      !U16ListHas(data, length, 2, kEcdsaP256Sha256)) {
    return false;
  }
  if (SSL_early_callback_ctx_extension_get(hello, kExtSupportedVersions, &data,
                                           &length) &&
      U16ListHas(data, length, 1, kTls13) &&
      SSL_get_max_proto_version(hello->ssl) >= kTls13) {
    return true;  // TLS 1.3 suites do not depend on the key type
  }
  return OffersEcdsaSuite(hello);
}

absl::StatusOr<std::vector<bssl::UniquePtr<X509>>> ReadCas(
    const std::string& pem) {
  std::vector<bssl::UniquePtr<X509>> cas = ReadPemCertificates(pem);
  if (cas.empty()) {
    return absl::InvalidArgumentError("client CA: no PEM certificate found");
  }
  return cas;
}

int ExDataIndex() {
  static const int index =
      SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// kOptional: a bad or missing certificate does not end the handshake; the
// result is read afterwards (SSL_get_verify_result) and forwarded.
int AcceptAnyChain(int /*preverify_ok*/, X509_STORE_CTX* /*store*/) {
  return 1;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const ServerTlsConfig>> ServerTlsConfig::Build(
    ServerTlsOptions options,
    std::vector<std::shared_ptr<const ServerCertificate>> certificates,
    size_t default_certificate) {
  if (certificates.empty()) {
    return absl::InvalidArgumentError("at least one certificate is required");
  }
  if (default_certificate >= certificates.size()) {
    return absl::InvalidArgumentError("default certificate out of range");
  }
  auto config = std::shared_ptr<ServerTlsConfig>(new ServerTlsConfig());
  config->options_ = std::move(options);
  config->certificates_ = std::move(certificates);
  config->alpn_wire_ = AlpnWire(config->options_.alpn);
  for (const auto& cert : config->certificates_) {
    for (const std::string& name : cert->names()) {
      if (name.rfind("*.", 0) == 0) {
        config->wildcard_[name.substr(2)].push_back(cert.get());
      } else {
        config->exact_[name].push_back(cert.get());
      }
    }
  }
  // The default's names, so an RSA twin of the default certificate is
  // chosen for RSA-only clients too.
  const ServerCertificate* primary =
      config->certificates_[default_certificate].get();
  config->default_.push_back(primary);
  for (const auto& cert : config->certificates_) {
    if (cert.get() != primary && cert->names() == primary->names()) {
      config->default_.push_back(cert.get());
    }
  }
  // Options BoringSSL must accept: checked once here, not per shard.
  auto probe = ServerContext::Create(config);
  if (!probe.ok()) return probe.status();
  return std::shared_ptr<const ServerTlsConfig>(std::move(config));
}

const ServerCertificate* ServerTlsConfig::Pick(const Candidates& candidates,
                                               bool client_takes_ecdsa) const {
  for (const ServerCertificate* cert : candidates) {
    if (cert->is_ecdsa() == client_takes_ecdsa) return cert;
  }
  return candidates.front();  // only one key type for this name
}

const ServerCertificate* ServerTlsConfig::Select(
    std::string_view server_name, bool client_takes_ecdsa) const {
  if (!server_name.empty()) {
    std::string name(server_name);
    if (auto it = exact_.find(name); it != exact_.end()) {
      return Pick(it->second, client_takes_ecdsa);
    }
    if (size_t dot = name.find('.'); dot != std::string::npos) {
      if (auto it = wildcard_.find(name.substr(dot + 1));
          it != wildcard_.end()) {
        return Pick(it->second, client_takes_ecdsa);
      }
    }
    if (options_.unknown_server_name == UnknownServerName::kRefuse) {
      return nullptr;
    }
  }
  return Pick(default_, client_takes_ecdsa);
}

ServerContext::ServerContext(std::shared_ptr<const ServerTlsConfig> config)
    : config_(std::move(config)), ctx_(SSL_CTX_new(TLS_method())) {
  if (config_->options().tickets) {
    tickets_ = std::make_unique<TicketKeyCache>(config_->options().tickets);
  }
}

ServerContext::~ServerContext() = default;

absl::StatusOr<std::unique_ptr<ServerContext>> ServerContext::Create(
    std::shared_ptr<const ServerTlsConfig> config) {
  std::unique_ptr<ServerContext> context(new ServerContext(std::move(config)));
  if (!context->ctx_) return absl::InternalError("SSL_CTX_new failed");
  if (absl::Status s = context->Configure(); !s.ok()) return s;
  return context;
}

absl::Status ServerContext::Configure() {
  const ServerTlsOptions& o = config_->options();
  SSL_CTX* ctx = ctx_.get();
  SSL_CTX_set_ex_data(ctx, ExDataIndex(), this);
  if (!SSL_CTX_set_min_proto_version(ctx, o.min_version) ||
      !SSL_CTX_set_max_proto_version(ctx, o.max_version)) {
    return absl::InvalidArgumentError("unsupported TLS protocol version");
  }
  if (!o.cipher_list.empty() &&
      !SSL_CTX_set_strict_cipher_list(ctx, o.cipher_list.c_str())) {
    return absl::InvalidArgumentError(
        absl::StrCat("cipher list \"", o.cipher_list, "\": ", SslError()));
  }
  if (!SSL_CTX_set1_curves_list(ctx, o.groups.c_str())) {
    return absl::InvalidArgumentError(
        absl::StrCat("groups \"", o.groups, "\": ", SslError()));
  }
  SSL_CTX_set_select_certificate_cb(ctx, &ServerContext::SelectCertificate);
  if (!o.alpn.empty()) {
    SSL_CTX_set_alpn_select_cb(ctx, &ServerContext::SelectAlpn, this);
  }
  static constexpr uint8_t kSessionContext[] = "ringway";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext));
  SSL_CTX_set_session_cache_mode(ctx, o.session_cache_size > 0
                                          ? SSL_SESS_CACHE_SERVER
                                          : SSL_SESS_CACHE_OFF);
  SSL_CTX_sess_set_cache_size(ctx, o.session_cache_size);
  if (tickets_) {
    SSL_CTX_set_tlsext_ticket_key_cb(ctx, &ServerContext::TicketKey);
    // A ticket opens in its period and the next one.
    SSL_CTX_set_timeout(
        ctx,
        static_cast<uint32_t>(absl::ToInt64Seconds(o.tickets->period() * 2)));
  } else {
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  }
  SSL_CTX_set_mode(
      ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (o.verify_client == ClientVerify::kOff) return absl::OkStatus();
  auto cas = ReadCas(o.client_ca_pem);
  if (!cas.ok()) return cas.status();
  bssl::UniquePtr<STACK_OF(X509_NAME)> names(sk_X509_NAME_new_null());
  for (auto& ca : *cas) {
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca.get());
    sk_X509_NAME_push(names.get(),
                      X509_NAME_dup(X509_get_subject_name(ca.get())));
  }
  SSL_CTX_set_client_CA_list(ctx, names.release());
  SSL_CTX_set_verify_depth(ctx, o.verify_depth);
  if (o.verify_client == ClientVerify::kRequired) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, &AcceptAnyChain);
  }
  return absl::OkStatus();
}

bssl::UniquePtr<SSL> ServerContext::NewSsl() {
  bssl::UniquePtr<SSL> ssl(SSL_new(ctx_.get()));
  if (ssl) SSL_set_accept_state(ssl.get());
  return ssl;
}

ServerContext* ServerContext::From(const SSL* ssl) {
  return static_cast<ServerContext*>(
      SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ExDataIndex()));
}

enum ssl_select_cert_result_t ServerContext::SelectCertificate(
    const SSL_CLIENT_HELLO* hello) {
  SSL* ssl = hello->ssl;
  const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  std::string name = absl::AsciiStrToLower(sni != nullptr ? sni : "");
  const ServerCertificate* cert =
      From(ssl)->config_->Select(name, ClientTakesEcdsa(hello));
  if (cert == nullptr) return ssl_select_cert_error;  // unknown name, refused
  if (!SSL_set_chain_and_key(ssl, cert->chain_data(), cert->chain_size(),
                             cert->key(), nullptr)) {
    return ssl_select_cert_error;
  }
  const std::string& ocsp = cert->ocsp_response();
  if (!ocsp.empty() &&
      !SSL_set_ocsp_response(ssl, reinterpret_cast<const uint8_t*>(ocsp.data()),
                             ocsp.size())) {
    return ssl_select_cert_error;
  }
  return ssl_select_cert_success;
}

int ServerContext::SelectAlpn(SSL* /*ssl*/, const uint8_t** out,
                              uint8_t* out_len, const uint8_t* in,
                              unsigned in_len, void* arg) {
  const std::string& ours =
      static_cast<ServerContext*>(arg)->config_->alpn_wire();
  uint8_t* selected = nullptr;
  // Server preference order (RFC 7301 3.2 leaves it to the server).
  if (SSL_select_next_proto(&selected, out_len,
                            reinterpret_cast<const uint8_t*>(ours.data()),
                            static_cast<unsigned>(ours.size()), in,
                            in_len) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

int ServerContext::TicketKey(SSL* ssl, uint8_t* name, uint8_t* iv,
                             EVP_CIPHER_CTX* cipher, HMAC_CTX* hmac,
                             int encrypt) {
  TicketKeyCache& cache = *From(ssl)->tickets_;
  const absl::Time now = absl::Now();
  if (encrypt) {
    const tls::TicketKey& key = cache.Current(now);
    std::memcpy(name, key.name.data(), key.name.size());
    RAND_bytes(iv, 16);
    return EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr,
                              key.aes_key.data(), iv) &&
                   HMAC_Init_ex(hmac, key.hmac_key.data(), key.hmac_key.size(),
                                EVP_sha256(), nullptr)
               ? 1
               : -1;
  }
  bool renew = false;
  const tls::TicketKey* key = cache.Find(name, now, &renew);
  if (key == nullptr) return 0;  // unknown or expired: a full handshake
  if (!HMAC_Init_ex(hmac, key->hmac_key.data(), key->hmac_key.size(),
                    EVP_sha256(), nullptr) ||
      !EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr,
                          key->aes_key.data(), iv)) {
    return -1;
  }
  return renew ? 2 : 1;
}

}  // namespace ringway::tls
