// TlsSession and ServerContext against a BoringSSL client, in memory: the
// two sessions' output buffers are pumped into each other, split the way a
// socket may split them.

#include "dataplane/tls/tls_session.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "dataplane/tls/server_certificate.h"
#include "dataplane/tls/server_context.h"
#include "dataplane/tls/test_pki.h"
#include "dataplane/tls/ticket_keys.h"
#include "dataplane/tls/tls_test_pair.h"
#include "gtest/gtest.h"

namespace ringway::tls {
namespace {

std::shared_ptr<const ServerCertificate> Load(const GeneratedCertificate& c) {
  auto cert = ServerCertificate::FromPem(c.cert_pem, c.key_pem);
  EXPECT_TRUE(cert.ok()) << cert.status();
  return *cert;
}

std::shared_ptr<const ServerTlsConfig> Config(ServerTlsOptions options = {}) {
  const TestPki& pki = GetTestPki();
  auto config = ServerTlsConfig::Build(std::move(options),
                                       {Load(pki.fallback), Load(pki.a_ecdsa),
                                        Load(pki.a_rsa), Load(pki.wildcard)});
  EXPECT_TRUE(config.ok()) << config.status();
  return *config;
}

std::unique_ptr<ServerContext> Shard(std::shared_ptr<const ServerTlsConfig> c) {
  auto context = ServerContext::Create(std::move(c));
  EXPECT_TRUE(context.ok()) << context.status();
  return std::move(*context);
}

struct ClientOptions {
  std::string server_name;
  uint16_t max_version = TLS1_3_VERSION;
  std::vector<uint16_t> verify_algorithms;  // empty: BoringSSL's default
  bool alpn_http11 = true;
  SSL_SESSION* session = nullptr;
  const GeneratedCertificate* certificate = nullptr;
  bool ocsp = false;
};

// TLS 1.3 clients learn resumable sessions from NewSessionTicket, after the
// handshake: BoringSSL hands them to this callback.
thread_local bssl::UniquePtr<SSL_SESSION> last_session;
int KeepSession(SSL* /*ssl*/, SSL_SESSION* session) {
  last_session.reset(session);
  return 1;  // we own it now
}

// A BoringSSL client.
std::unique_ptr<TlsSession> NewClient(const ClientOptions& o) {
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  SSL_CTX_set_max_proto_version(ctx.get(), o.max_version);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_CLIENT);
  SSL_CTX_sess_set_new_cb(ctx.get(), &KeepSession);
  if (!o.verify_algorithms.empty()) {
    SSL_CTX_set_verify_algorithm_prefs(ctx.get(), o.verify_algorithms.data(),
                                       o.verify_algorithms.size());
  }
  bssl::UniquePtr<SSL> ssl(SSL_new(ctx.get()));
  SSL_set_connect_state(ssl.get());
  if (!o.server_name.empty()) {
    SSL_set_tlsext_host_name(ssl.get(), o.server_name.c_str());
  }
  if (o.alpn_http11) {
    static const uint8_t kAlpn[] = "\x08http/1.1";
    SSL_set_alpn_protos(ssl.get(), kAlpn, sizeof(kAlpn) - 1);
  }
  if (o.session != nullptr) SSL_set_session(ssl.get(), o.session);
  if (o.ocsp) SSL_enable_ocsp_stapling(ssl.get());
  if (o.certificate != nullptr) {
    auto cert = ServerCertificate::FromPem(o.certificate->cert_pem,
                                           o.certificate->key_pem);
    SSL_set_chain_and_key(ssl.get(), (*cert)->chain_data(),
                          (*cert)->chain_size(), (*cert)->key(), nullptr);
  }
  return std::make_unique<TlsSession>(std::move(ssl));
}

Pair Connect(ServerContext& server, const ClientOptions& o) {
  Pair pair;
  pair.client = NewClient(o);
  pair.server = std::make_unique<TlsSession>(server.NewSsl());
  return pair;
}

std::string PeerCommonName(const TlsSession& client) {
  bssl::UniquePtr<X509> peer(SSL_get_peer_certificate(client.ssl()));
  if (!peer) return "";
  char cn[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(peer.get()), NID_commonName,
                            cn, sizeof(cn));
  return cn;
}

int PeerKeyType(const TlsSession& client) {
  bssl::UniquePtr<X509> peer(SSL_get_peer_certificate(client.ssl()));
  bssl::UniquePtr<EVP_PKEY> key(X509_get_pubkey(peer.get()));
  return EVP_PKEY_id(key.get());
}

TEST(TlsSessionTest, Tls13HandshakeAlpnAndDataBothWays) {
  auto context = Shard(Config());
  Pair p = Connect(*context, {.server_name = "a.example.org"});
  ASSERT_TRUE(p.Handshake()) << p.server->error_reason();
  EXPECT_EQ(p.server->version(), "TLSv1.3");
  EXPECT_EQ(p.server->alpn(), "http/1.1");
  EXPECT_EQ(p.server->server_name(), "a.example.org");
  EXPECT_EQ(
      Pair::Transfer(*p.client, *p.server, &p.to_server, "GET / HTTP/1.1"),
      "GET / HTTP/1.1");
  EXPECT_EQ(Pair::Transfer(*p.server, *p.client, &p.to_client, "HTTP/1.1 200"),
            "HTTP/1.1 200");
}

TEST(TlsSessionTest, HandshakeSurvivesOneByteSegments) {
  auto context = Shard(Config());
  Pair p = Connect(*context, {.server_name = "a.example.org"});
  ASSERT_TRUE(p.Handshake(/*chunk=*/1)) << p.server->error_reason();
  EXPECT_TRUE(p.server->handshake_done());
}

TEST(TlsSessionTest, Tls12WhenTheClientStopsThere) {
  auto context = Shard(Config());
  Pair p = Connect(*context, {.server_name = "a.example.org",
                              .max_version = TLS1_2_VERSION});
  ASSERT_TRUE(p.Handshake()) << p.server->error_reason();
  EXPECT_EQ(p.server->version(), "TLSv1.2");
  EXPECT_EQ(PeerKeyType(*p.client), EVP_PKEY_EC);
}

TEST(TlsSessionTest, CertificateChosenByServerName) {
  auto context = Shard(Config());
  struct Case {
    const char* sni;
    const char* common_name;
  } cases[] = {{"a.example.org", "a.example.org"},
               {"A.Example.ORG", "a.example.org"},
               {"b.example.org", "wildcard"},
               {"x.b.example.org", "default.test"},  // one label deep only
               {"other.test", "default.test"},
               {"", "default.test"}};
  for (const Case& c : cases) {
    Pair p = Connect(*context, {.server_name = c.sni});
    ASSERT_TRUE(p.Handshake()) << c.sni << ": " << p.server->error_reason();
    EXPECT_EQ(PeerCommonName(*p.client), c.common_name) << c.sni;
  }
}

TEST(TlsSessionTest, UnknownServerNameRefusedWhenConfigured) {
  auto context =
      Shard(Config({.unknown_server_name = UnknownServerName::kRefuse}));
  Pair unknown = Connect(*context, {.server_name = "other.test"});
  EXPECT_FALSE(unknown.Handshake());
  EXPECT_EQ(unknown.server_result, TlsResult::kError);
  Pair known = Connect(*context, {.server_name = "a.example.org"});
  EXPECT_TRUE(known.Handshake()) << known.server->error_reason();
}

TEST(TlsSessionTest, RsaForClientsThatCannotVerifyEcdsa) {
  auto context = Shard(Config());
  for (uint16_t max_version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    Pair rsa_only =
        Connect(*context, {.server_name = "a.example.org",
                           .max_version = max_version,
                           .verify_algorithms = {SSL_SIGN_RSA_PSS_RSAE_SHA256,
                                                 SSL_SIGN_RSA_PKCS1_SHA256}});
    ASSERT_TRUE(rsa_only.Handshake()) << rsa_only.server->error_reason();
    EXPECT_EQ(PeerKeyType(*rsa_only.client), EVP_PKEY_RSA) << max_version;
    Pair any = Connect(
        *context, {.server_name = "a.example.org", .max_version = max_version});
    ASSERT_TRUE(any.Handshake());
    EXPECT_EQ(PeerKeyType(*any.client), EVP_PKEY_EC) << max_version;
  }
}

TEST(TlsSessionTest, AlpnWithoutOverlapIsRefused) {
  auto context = Shard(Config({.alpn = {"h2"}}));
  Pair p = Connect(*context, {.server_name = "a.example.org"});
  EXPECT_FALSE(p.Handshake());
}

// A ticket sealed by shard 0 opens on shard 1: both derive the same keys.
TEST(TlsSessionTest, TicketFromOneShardResumesOnAnother) {
  auto config = Config({.tickets = TicketKeySource::Random(absl::Hours(1))});
  auto shard0 = Shard(config);
  auto shard1 = Shard(config);
  for (uint16_t version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    last_session.reset();
    Pair first = Connect(
        *shard0, {.server_name = "a.example.org", .max_version = version});
    ASSERT_TRUE(first.Handshake());
    // TLS 1.3 tickets arrive after the handshake, with the first data.
    Pair::Transfer(*first.server, *first.client, &first.to_client, "hi");
    bssl::UniquePtr<SSL_SESSION> session = std::move(last_session);
    ASSERT_TRUE(session);
    Pair again = Connect(*shard1, {.server_name = "a.example.org",
                                   .max_version = version,
                                   .session = session.get()});
    ASSERT_TRUE(again.Handshake());
    EXPECT_TRUE(again.server->resumed()) << version;
  }
}

TEST(TlsSessionTest, TicketsFromAnotherSecretDoNotResume) {
  auto shard0 =
      Shard(Config({.tickets = TicketKeySource::Random(absl::Hours(1))}));
  auto elsewhere =
      Shard(Config({.tickets = TicketKeySource::Random(absl::Hours(1))}));
  last_session.reset();
  Pair first = Connect(*shard0, {.server_name = "a.example.org"});
  ASSERT_TRUE(first.Handshake());
  Pair::Transfer(*first.server, *first.client, &first.to_client, "hi");
  bssl::UniquePtr<SSL_SESSION> session = std::move(last_session);
  ASSERT_TRUE(session);
  Pair again = Connect(
      *elsewhere, {.server_name = "a.example.org", .session = session.get()});
  ASSERT_TRUE(again.Handshake());
  EXPECT_FALSE(again.server->resumed());
}

// Without tickets, TLS 1.2 resumes by session ID from the shard's own cache.
TEST(TlsSessionTest, Tls12SessionCacheIsPerShard) {
  auto config = Config();  // no ticket source
  auto shard0 = Shard(config);
  auto shard1 = Shard(config);
  Pair first = Connect(
      *shard0, {.server_name = "a.example.org", .max_version = TLS1_2_VERSION});
  ASSERT_TRUE(first.Handshake());
  bssl::UniquePtr<SSL_SESSION> session(SSL_get1_session(first.client->ssl()));
  Pair same = Connect(*shard0, {.server_name = "a.example.org",
                                .max_version = TLS1_2_VERSION,
                                .session = session.get()});
  ASSERT_TRUE(same.Handshake());
  EXPECT_TRUE(same.server->resumed());
  Pair other = Connect(*shard1, {.server_name = "a.example.org",
                                 .max_version = TLS1_2_VERSION,
                                 .session = session.get()});
  ASSERT_TRUE(other.Handshake());
  EXPECT_FALSE(other.server->resumed());
}

TEST(TlsSessionTest, OcspResponseIsStapled) {
  const TestPki& pki = GetTestPki();
  auto cert = ServerCertificate::FromPem(pki.a_ecdsa.cert_pem,
                                         pki.a_ecdsa.key_pem, "ocsp-response");
  ASSERT_TRUE(cert.ok());
  auto config = ServerTlsConfig::Build({}, {*cert});
  ASSERT_TRUE(config.ok());
  auto context = Shard(*config);
  Pair p = Connect(*context, {.server_name = "a.example.org", .ocsp = true});
  ASSERT_TRUE(p.Handshake());
  const uint8_t* data = nullptr;
  size_t length = 0;
  SSL_get0_ocsp_response(p.client->ssl(), &data, &length);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(data), length),
            "ocsp-response");
}

TEST(TlsSessionTest, RequiredClientCertificate) {
  const TestPki& pki = GetTestPki();
  auto context = Shard(Config({.verify_client = ClientVerify::kRequired,
                               .client_ca_pem = pki.ca.cert_pem,
                               .verify_depth = 2}));
  Pair none = Connect(*context, {.server_name = "a.example.org"});
  EXPECT_FALSE(none.Handshake());
  Pair stranger = Connect(
      *context, {.server_name = "a.example.org", .certificate = &pki.stranger});
  EXPECT_FALSE(stranger.Handshake());
  Pair good = Connect(
      *context, {.server_name = "a.example.org", .certificate = &pki.client});
  ASSERT_TRUE(good.Handshake()) << good.server->error_reason();
  EXPECT_EQ(SSL_get_verify_result(good.server->ssl()), X509_V_OK);
}

TEST(TlsSessionTest, OptionalClientCertificateRecordsTheResult) {
  const TestPki& pki = GetTestPki();
  auto context = Shard(Config({.verify_client = ClientVerify::kOptional,
                               .client_ca_pem = pki.ca.cert_pem}));
  Pair none = Connect(*context, {.server_name = "a.example.org"});
  ASSERT_TRUE(none.Handshake());
  bssl::UniquePtr<X509> no_peer(SSL_get_peer_certificate(none.server->ssl()));
  EXPECT_EQ(no_peer, nullptr);
  Pair stranger = Connect(
      *context, {.server_name = "a.example.org", .certificate = &pki.stranger});
  ASSERT_TRUE(stranger.Handshake());
  EXPECT_NE(SSL_get_verify_result(stranger.server->ssl()), X509_V_OK);
}

TEST(TlsSessionTest, CloseNotifyEndsTheStream) {
  auto context = Shard(Config());
  Pair p = Connect(*context, {.server_name = "a.example.org"});
  ASSERT_TRUE(p.Handshake());
  p.client->Shutdown();
  Move(*p.client, &p.to_server);
  p.server->SetInput(p.to_server);
  uint8_t buffer[64];
  size_t n = 0;
  EXPECT_EQ(p.server->Read(buffer, &n), TlsResult::kClosed);
}

TEST(TlsSessionTest, GarbageIsAnErrorWithAReason) {
  auto context = Shard(Config());
  TlsSession server(context->NewSsl());
  const std::string junk = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  server.SetInput({reinterpret_cast<const uint8_t*>(junk.data()), junk.size()});
  EXPECT_EQ(server.Handshake(), TlsResult::kError);
  EXPECT_FALSE(server.error_reason().empty());
}

TEST(TlsSessionTest, BadOptionsAreRefusedWhenBuilt) {
  const TestPki& pki = GetTestPki();
  auto bad_groups =
      ServerTlsConfig::Build({.groups = "X25519:nope"}, {Load(pki.a_ecdsa)});
  ASSERT_FALSE(bad_groups.ok());
  EXPECT_NE(bad_groups.status().message().find("groups"), std::string::npos);
  auto bad_ciphers = ServerTlsConfig::Build({.cipher_list = "NOT-A-CIPHER"},
                                            {Load(pki.a_ecdsa)});
  EXPECT_FALSE(bad_ciphers.ok());
  auto no_ca = ServerTlsConfig::Build(
      {.verify_client = ClientVerify::kRequired}, {Load(pki.a_ecdsa)});
  EXPECT_FALSE(no_ca.ok());
  EXPECT_FALSE(ServerTlsConfig::Build({}, {}).ok());
}

// A large body sealed through a small output buffer, sent in pieces as a
// slow socket would take it: every byte arrives, in order (a record left
// half-written in BoringSSL would stall or fail the next Seal).
TEST(TlsSessionTest, SealFillsASmallOutputAndResumesAfterEachSend) {
  auto context = Shard(Config());
  Pair p;
  p.client = NewClient({.server_name = "a.example.org"});
  bssl::UniquePtr<SSL> ssl = context->NewSsl();
  p.server = std::make_unique<TlsSession>(std::move(ssl),
                                          /*output_capacity=*/20 * 1024);
  ASSERT_TRUE(p.Handshake());
  std::string body(1 << 20, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7);
  size_t sealed = 0;
  std::string got;
  uint8_t buffer[16384];
  for (int round = 0; round < 10'000 && got.size() < body.size(); ++round) {
    sealed +=
        p.server->Seal({reinterpret_cast<const uint8_t*>(body.data()) + sealed,
                        body.size() - sealed});
    ASSERT_LE(p.server->output().size(), 20u * 1024);
    // The "socket" takes 3000 bytes at a time.
    auto out = p.server->output();
    size_t n = std::min<size_t>(3000, out.size());
    p.to_client.insert(p.to_client.end(), out.begin(), out.begin() + n);
    p.server->ConsumeOutput(n);
    p.client->SetInput(p.to_client);
    for (;;) {
      size_t read = 0;
      if (p.client->Read(buffer, &read) != TlsResult::kOk) break;
      got.append(reinterpret_cast<char*>(buffer), read);
    }
    p.to_client.erase(p.to_client.begin(),
                      p.to_client.begin() + p.client->TakeInputConsumed());
  }
  EXPECT_EQ(sealed, body.size());
  EXPECT_TRUE(got == body) << got.size() << " of " << body.size();
}

}  // namespace
}  // namespace ringway::tls
