// ClientContext (ringway towards its upstreams) against ServerContext in
// memory: verification off and on (CA, name, expiry, depth) with the
// reason each failure reports, SNI, ALPN, a client certificate to a server
// that requires one, and session reuse through the per-server slot.

#include "dataplane/tls/client_context.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "dataplane/tls/certificate_generator.h"
#include "dataplane/tls/server_certificate.h"
#include "dataplane/tls/server_context.h"
#include "dataplane/tls/test_pki.h"
#include "dataplane/tls/ticket_keys.h"
#include "dataplane/tls/tls_session.h"
#include "dataplane/tls/tls_test_pair.h"
#include "gtest/gtest.h"

namespace ringway::tls {
namespace {

std::shared_ptr<const ServerCertificate> Load(const std::string& chain_pem,
                                              const std::string& key_pem) {
  auto cert = ServerCertificate::FromPem(chain_pem, key_pem);
  EXPECT_TRUE(cert.ok()) << cert.status();
  return *cert;
}

std::shared_ptr<const ServerCertificate> Load(const GeneratedCertificate& c) {
  return Load(c.cert_pem, c.key_pem);
}

std::unique_ptr<ServerContext> Server(
    std::vector<std::shared_ptr<const ServerCertificate>> certs,
    ServerTlsOptions options = {}) {
  auto config = ServerTlsConfig::Build(std::move(options), std::move(certs));
  EXPECT_TRUE(config.ok()) << config.status();
  auto context = ServerContext::Create(*config);
  EXPECT_TRUE(context.ok()) << context.status();
  return std::move(*context);
}

std::unique_ptr<ServerContext> ServerA(ServerTlsOptions options = {}) {
  return Server({Load(GetTestPki().a_ecdsa)}, std::move(options));
}

std::unique_ptr<ClientContext> Client(ClientTlsOptions options) {
  auto config = ClientTlsConfig::Build(std::move(options));
  EXPECT_TRUE(config.ok()) << config.status();
  auto context = ClientContext::Create(*config);
  EXPECT_TRUE(context.ok()) << context.status();
  return std::move(*context);
}

ClientTlsOptions Verifying(const GeneratedCertificate& ca, int depth = 1) {
  ClientTlsOptions o;
  o.verify = true;
  o.ca_pem = ca.cert_pem;
  o.verify_depth = depth;
  return o;
}

Pair Connect(ClientContext& client, ServerContext& server,
             const UpstreamPeerName& peer,
             UpstreamSessionSlot* slot = nullptr) {
  Pair pair;
  pair.client = std::make_unique<TlsSession>(client.NewSsl(peer, slot));
  pair.server = std::make_unique<TlsSession>(server.NewSsl());
  return pair;
}

std::string ClientFailure(Pair& p) {
  EXPECT_FALSE(p.Handshake());
  return DescribeUpstreamTlsError(p.client->ssl(), p.client->error_reason());
}

TEST(ClientContextTest, VerificationOffTakesAnUnknownSelfSignedServer) {
  auto snakeoil =
      GenerateCertificate({.common_name = "backend", .dns_names = {"backend"}});
  ASSERT_TRUE(snakeoil.ok());
  auto server = Server({Load(*snakeoil)});
  auto client = Client({});
  Pair p = Connect(*client, *server, {"10.0.0.7"});
  ASSERT_TRUE(p.Handshake()) << p.client->error_reason();
  EXPECT_EQ(p.client->version(), "TLSv1.3");
  EXPECT_EQ(p.server->server_name(), "");  // SNI is off by default
}

TEST(ClientContextTest, VerifiedByCaAndName) {
  auto server = ServerA();
  auto client = Client(Verifying(GetTestPki().ca));
  Pair p = Connect(*client, *server, {"a.example.org", true});
  ASSERT_TRUE(p.Handshake()) << p.client->error_reason();
  EXPECT_EQ(p.server->server_name(), "a.example.org");
  EXPECT_EQ(SSL_get_verify_result(p.client->ssl()), X509_V_OK);
}

TEST(ClientContextTest, WrongNameFailsAsNameMismatch) {
  auto server = ServerA();
  auto client = Client(Verifying(GetTestPki().ca));
  Pair p = Connect(*client, *server, {"b.example.net", true});
  std::string why = ClientFailure(p);
  EXPECT_NE(why.find("certificate verify failed: name mismatch"),
            std::string::npos)
      << why;
}

TEST(ClientContextTest, IpLiteralNameIsCheckedAsAnAddress) {
  auto server = ServerA();
  auto client = Client(Verifying(GetTestPki().ca));
  Pair p = Connect(*client, *server, {"127.0.0.1", true});
  std::string why = ClientFailure(p);
  EXPECT_NE(why.find("name mismatch"), std::string::npos) << why;
  EXPECT_EQ(p.server->server_name(), "");  // no SNI for an address
}

TEST(ClientContextTest, WrongCaFailsAsUnknownCa) {
  auto server = ServerA();
  auto client = Client(Verifying(GetTestPki().other_ca));
  Pair p = Connect(*client, *server, {"a.example.org", true});
  std::string why = ClientFailure(p);
  EXPECT_NE(why.find("certificate verify failed: unknown CA"),
            std::string::npos)
      << why;
}

TEST(ClientContextTest, ExpiredCertificateFailsAsExpired) {
  const TestPki& pki = GetTestPki();
  auto expired = GenerateCertificate({.common_name = "old.example.org",
                                      .dns_names = {"old.example.org"},
                                      .not_before_days = -10,
                                      .days = 5,
                                      .issuer = &pki.ca});
  ASSERT_TRUE(expired.ok());
  // ServerCertificate refuses to load it, so a bare BoringSSL server.
  bssl::UniquePtr<SSL_CTX> server(SSL_CTX_new(TLS_method()));
  bssl::UniquePtr<BIO> cert_bio(
      BIO_new_mem_buf(expired->cert_pem.data(), expired->cert_pem.size()));
  bssl::UniquePtr<X509> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  bssl::UniquePtr<BIO> key_bio(
      BIO_new_mem_buf(expired->key_pem.data(), expired->key_pem.size()));
  bssl::UniquePtr<EVP_PKEY> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(SSL_CTX_use_certificate(server.get(), cert.get()));
  ASSERT_TRUE(SSL_CTX_use_PrivateKey(server.get(), key.get()));
  auto client = Client(Verifying(pki.ca));
  Pair p;
  p.client = std::make_unique<TlsSession>(
      client->NewSsl({"old.example.org", true}, nullptr));
  bssl::UniquePtr<SSL> server_ssl(SSL_new(server.get()));
  SSL_set_accept_state(server_ssl.get());
  p.server = std::make_unique<TlsSession>(std::move(server_ssl));
  std::string why = ClientFailure(p);
  EXPECT_NE(why.find("certificate verify failed: expired"), std::string::npos)
      << why;
}

TEST(ClientContextTest, VerifyDepthCountsIntermediates) {
  auto root = GenerateCertificate({.common_name = "root", .is_ca = true});
  ASSERT_TRUE(root.ok());
  auto intermediate = GenerateCertificate(
      {.common_name = "intermediate", .is_ca = true, .issuer = &*root});
  ASSERT_TRUE(intermediate.ok());
  auto leaf = GenerateCertificate({.common_name = "deep.example.org",
                                   .dns_names = {"deep.example.org"},
                                   .issuer = &*intermediate});
  ASSERT_TRUE(leaf.ok());
  auto server =
      Server({Load(leaf->cert_pem + intermediate->cert_pem, leaf->key_pem)});
  {
    auto client = Client(Verifying(*root, /*depth=*/2));
    Pair p = Connect(*client, *server, {"deep.example.org", true});
    EXPECT_TRUE(p.Handshake()) << p.client->error_reason();
  }
  {
    // As nginx's proxy_ssl_verify_depth: 1 takes a leaf signed by the
    // trusted CA itself, 2 one intermediate between them.
    auto client = Client(Verifying(*root, /*depth=*/1));
    Pair p = Connect(*client, *server, {"deep.example.org", true});
    std::string why = ClientFailure(p);
    EXPECT_NE(why.find("certificate verify failed: depth exceeded"),
              std::string::npos)
        << why;
  }
}

TEST(ClientContextTest, ClientCertificateForAServerThatRequiresOne) {
  const TestPki& pki = GetTestPki();
  ServerTlsOptions strict;
  strict.verify_client = ClientVerify::kRequired;
  strict.client_ca_pem = pki.ca.cert_pem;
  auto server = ServerA(strict);

  ClientTlsOptions with_cert;
  with_cert.client_certificate = Load(pki.client);
  auto client = Client(with_cert);
  Pair p = Connect(*client, *server, {"a.example.org", true});
  ASSERT_TRUE(p.Handshake()) << p.server->error_reason();
  EXPECT_EQ(p.server->PeerVerifyResult(), "SUCCESS");
  EXPECT_EQ(p.server->PeerSubject(), "CN=client");

  // Without one, TLS 1.3 ends the client's handshake first; the server's
  // alert arrives with the first read.
  auto bare = Client({});
  Pair q = Connect(*bare, *server, {"a.example.org", true});
  EXPECT_FALSE(q.Handshake());
  if (q.client_result == TlsResult::kOk) {
    uint8_t buffer[256];
    size_t n = 0;
    q.client->SetInput(q.to_client);
    EXPECT_EQ(q.client->Read(buffer, &n), TlsResult::kError);
  }
  std::string why =
      DescribeUpstreamTlsError(q.client->ssl(), q.client->error_reason());
  EXPECT_NE(why.find("the server accepted no client certificate"),
            std::string::npos)
      << why;
}

TEST(ClientContextTest, AlpnOffered) {
  auto server = ServerA();  // selects http/1.1
  ClientTlsOptions o;
  o.alpn = {"h2", "http/1.1"};
  auto client = Client(o);
  Pair p = Connect(*client, *server, {"a.example.org"});
  ASSERT_TRUE(p.Handshake());
  EXPECT_EQ(p.client->alpn(), "http/1.1");
}

class SessionReuseTest : public ::testing::TestWithParam<uint16_t> {};

TEST_P(SessionReuseTest, SecondConnectionResumesThroughTheSlot) {
  ServerTlsOptions server_options;
  server_options.tickets = TicketKeySource::Random(absl::Hours(12));
  auto server = ServerA(server_options);
  ClientTlsOptions o;
  o.max_version = GetParam();
  auto client = Client(o);
  UpstreamSessionSlot slot;
  {
    Pair p = Connect(*client, *server, {"a.example.org"}, &slot);
    ASSERT_TRUE(p.Handshake());
    EXPECT_FALSE(p.client->resumed());
    // TLS 1.3 tickets come after the handshake, with the server's data.
    EXPECT_EQ(Pair::Transfer(*p.server, *p.client, &p.to_client, "hi"), "hi");
  }
  ASSERT_NE(slot.session, nullptr);
  Pair again = Connect(*client, *server, {"a.example.org"}, &slot);
  ASSERT_TRUE(again.Handshake());
  EXPECT_TRUE(again.client->resumed());

  ClientTlsOptions off = o;
  off.session_reuse = false;
  auto fresh_client = Client(off);
  UpstreamSessionSlot unused;
  Pair fresh = Connect(*fresh_client, *server, {"a.example.org"}, &unused);
  ASSERT_TRUE(fresh.Handshake());
  EXPECT_EQ(Pair::Transfer(*fresh.server, *fresh.client, &fresh.to_client, "x"),
            "x");
  EXPECT_FALSE(fresh.client->resumed());
  EXPECT_EQ(unused.session, nullptr);
}

INSTANTIATE_TEST_SUITE_P(Versions, SessionReuseTest,
                         ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION));

TEST(ClientTlsConfigTest, RejectsVerificationWithoutCaAndBadCiphers) {
  ClientTlsOptions no_ca;
  no_ca.verify = true;
  EXPECT_FALSE(ClientTlsConfig::Build(no_ca).ok());
  ClientTlsOptions bad_ciphers;
  bad_ciphers.cipher_list = "NOT-A-CIPHER";
  auto built = ClientTlsConfig::Build(bad_ciphers);
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.status().message().find("NOT-A-CIPHER"), std::string::npos);
}

}  // namespace
}  // namespace ringway::tls
