#include "dataplane/tls/client_context.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/strings/str_cat.h"
#include "dataplane/tls/boringssl_text.h"

namespace ringway::tls {
namespace {

// The slot an SSL reports new sessions to.
int SlotIndex() {
  static const int index =
      SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

bool IsIpLiteral(std::string_view name) {
  std::string text(name);
  in6_addr v6;
  in_addr v4;
  return inet_pton(AF_INET, text.c_str(), &v4) == 1 ||
         inet_pton(AF_INET6, text.c_str(), &v6) == 1;
}

std::string VerifyFailure(long result) {
  const char* what = X509_verify_cert_error_string(result);
  std::string_view kind;
  switch (result) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
      kind = "unknown CA";
      break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      kind = "name mismatch";
      break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      kind = "expired";
      break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      kind = "not yet valid";
      break;
    case X509_V_ERR_CERT_CHAIN_TOO_LONG:
      kind = "depth exceeded";
      break;
    default:
      kind = "rejected";
      break;
  }
  std::string text = "certificate verify failed: ";
  text.append(kind);
  return text + " (" + what + ")";
}

// BoringSSL reports a chain cut short by the depth limit as a missing
// issuer; this tells the two apart by checking the chain again without
// the limit (cold path: only after a failed handshake).
bool VerifiesWithoutDepthLimit(const SSL* ssl) {
  bssl::UniquePtr<X509> leaf(SSL_get_peer_certificate(ssl));
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  if (!leaf) return false;
  bssl::UniquePtr<X509_STORE_CTX> store_ctx(X509_STORE_CTX_new());
  if (!X509_STORE_CTX_init(store_ctx.get(),
                           SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl)),
                           leaf.get(), chain)) {
    return false;
  }
  X509_VERIFY_PARAM_set_depth(X509_STORE_CTX_get0_param(store_ctx.get()), 32);
  return X509_verify_cert(store_ctx.get()) == 1;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const ClientTlsConfig>> ClientTlsConfig::Build(
    ClientTlsOptions options) {
  if (options.verify && options.ca_pem.empty()) {
    return absl::InvalidArgumentError("verification needs a trusted CA file");
  }
  auto config = std::shared_ptr<ClientTlsConfig>(new ClientTlsConfig());
  config->options_ = std::move(options);
  config->alpn_wire_ = AlpnWire(config->options_.alpn);
  // Options BoringSSL must accept: checked once here, not per shard.
  auto probe = ClientContext::Create(config);
  if (!probe.ok()) return probe.status();
  return std::shared_ptr<const ClientTlsConfig>(std::move(config));
}

ClientContext::ClientContext(std::shared_ptr<const ClientTlsConfig> config)
    : config_(std::move(config)), ctx_(SSL_CTX_new(TLS_method())) {}

ClientContext::~ClientContext() = default;

absl::StatusOr<std::unique_ptr<ClientContext>> ClientContext::Create(
    std::shared_ptr<const ClientTlsConfig> config) {
  std::unique_ptr<ClientContext> context(new ClientContext(std::move(config)));
  if (!context->ctx_) return absl::InternalError("SSL_CTX_new failed");
  if (absl::Status s = context->Configure(); !s.ok()) return s;
  return context;
}

absl::Status ClientContext::Configure() {
  const ClientTlsOptions& o = config_->options();
  SSL_CTX* ctx = ctx_.get();
  if (!SSL_CTX_set_min_proto_version(ctx, o.min_version) ||
      !SSL_CTX_set_max_proto_version(ctx, o.max_version)) {
    return absl::InvalidArgumentError("unsupported TLS protocol version");
  }
  if (!o.cipher_list.empty() &&
      !SSL_CTX_set_strict_cipher_list(ctx, o.cipher_list.c_str())) {
    return absl::InvalidArgumentError(
        absl::StrCat("cipher list \"", o.cipher_list, "\": ", SslError()));
  }
  const std::string& alpn = config_->alpn_wire();
  if (!alpn.empty() && SSL_CTX_set_alpn_protos(
                           ctx, reinterpret_cast<const uint8_t*>(alpn.data()),
                           alpn.size()) != 0) {
    return absl::InvalidArgumentError("ALPN protocol list refused");
  }
  if (o.client_certificate != nullptr &&
      !SSL_CTX_set_chain_and_key(ctx, o.client_certificate->chain_data(),
                                 o.client_certificate->chain_size(),
                                 o.client_certificate->key(), nullptr)) {
    return absl::InvalidArgumentError(
        absl::StrCat("client certificate: ", SslError()));
  }
  if (o.session_reuse) {
    // Sessions live in the caller's slot, not in a cache of the context.
    SSL_CTX_set_session_cache_mode(
        ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL);
    SSL_CTX_sess_set_new_cb(ctx, &ClientContext::OnNewSession);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  }
  SSL_CTX_set_mode(
      ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!o.verify) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    return absl::OkStatus();
  }
  std::vector<bssl::UniquePtr<X509>> cas = ReadPemCertificates(o.ca_pem);
  if (cas.empty()) {
    return absl::InvalidArgumentError(
        "trusted CA file: no PEM certificate found");
  }
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  bool pins_a_leaf = false;
  for (auto& ca : cas) {
    X509_STORE_add_cert(store, ca.get());
    pins_a_leaf = pins_a_leaf || X509_check_ca(ca.get()) == 0;
  }
  // A file that lists a backend's own self-signed "snakeoil" certificate
  // (not a CA: CA:FALSE, no keyCertSign) trusts it as it is, as OpenSSL
  // (and so nginx) does for a self-signed certificate. BoringSSL finds no
  // issuer for such a leaf unless the certificates of the file are trust
  // anchors in their own right; files of CAs only keep the usual rule
  // (chains end at a self-signed CA).
  if (pins_a_leaf) X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
  SSL_CTX_set_verify_depth(ctx, o.verify_depth);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  return absl::OkStatus();
}

bssl::UniquePtr<SSL> ClientContext::NewSsl(const UpstreamPeerName& peer,
                                           UpstreamSessionSlot* slot) {
  bssl::UniquePtr<SSL> ssl(SSL_new(ctx_.get()));
  if (!ssl) return ssl;
  SSL_set_connect_state(ssl.get());
  std::string name(peer.name);
  if (peer.send_sni && !name.empty() && !IsIpLiteral(name)) {
    SSL_set_tlsext_host_name(ssl.get(), name.c_str());
  }
  if (config_->options().verify && !name.empty()) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    if (IsIpLiteral(name)) {
      X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param,
                                      X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, name.data(), name.size());
    }
  }
  if (config_->options().session_reuse && slot != nullptr) {
    SSL_set_ex_data(ssl.get(), SlotIndex(), slot);
    if (slot->session != nullptr &&
        SSL_SESSION_is_resumable(slot->session.get())) {
      SSL_set_session(ssl.get(), slot->session.get());
    }
  }
  return ssl;
}

int ClientContext::OnNewSession(SSL* ssl, SSL_SESSION* session) {
  auto* slot =
      static_cast<UpstreamSessionSlot*>(SSL_get_ex_data(ssl, SlotIndex()));
  if (slot == nullptr) return 0;  // not kept: BoringSSL frees it
  slot->session.reset(session);   // ours now
  return 1;
}

bool ClientContext::KeepSessionTicket(SSL* ssl,
                                      std::span<const uint8_t> message) {
  auto* slot =
      static_cast<UpstreamSessionSlot*>(SSL_get_ex_data(ssl, SlotIndex()));
  if (slot == nullptr) return false;
  SSL_SESSION* session =
      SSL_process_tls13_new_session_ticket(ssl, message.data(), message.size());
  if (session == nullptr) return false;
  slot->session.reset(session);
  return true;
}

size_t ClientContext::KeepSessionTickets(
    SSL* ssl, std::span<const std::span<const uint8_t>> messages) {
  if (ssl == nullptr) return 0;
  size_t kept = 0;
  for (std::span<const uint8_t> message : messages) {
    if (KeepSessionTicket(ssl, message)) ++kept;
  }
  return kept;
}

bool ClientContext::AwaitsSessionTickets(const SSL* ssl) {
  return SSL_version(ssl) == TLS1_3_VERSION &&
         SSL_get_ex_data(ssl, SlotIndex()) != nullptr;
}

std::string DescribeUpstreamTlsError(const SSL* ssl,
                                     std::string_view library_reason) {
  long result = SSL_get_verify_result(ssl);
  auto mentions = [&](std::string_view what) {
    return library_reason.find(what) != std::string_view::npos;
  };
  if (mentions("CERTIFICATE_VERIFY_FAILED") && result != X509_V_OK) {
    if (result == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY &&
        VerifiesWithoutDepthLimit(ssl)) {
      result = X509_V_ERR_CERT_CHAIN_TOO_LONG;
    }
    return VerifyFailure(result);
  }
  // The server's alerts about our certificate (or the lack of one).
  for (std::string_view alert :
       {"CERTIFICATE_REQUIRED", "BAD_CERTIFICATE", "UNKNOWN_CA",
        "CERTIFICATE_UNKNOWN", "ACCESS_DENIED", "HANDSHAKE_FAILURE"}) {
    if (mentions(alert)) {
      return "the server accepted no client certificate (alert: " +
             std::string(library_reason) + ")";
    }
  }
  return std::string(library_reason);
}

}  // namespace ringway::tls
