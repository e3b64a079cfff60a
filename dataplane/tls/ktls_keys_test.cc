// kTLS keys exported from BoringSSL, shown to work without a kernel `tls`
// module: a software model of the kernel's record layer, built from the
// exact crypto info bytes ringway would give setsockopt, writes records
// the TLS peer reads and reads the records the peer writes. Both
// directions, both roles, TLS 1.2 and 1.3, AES-128-GCM, AES-256-GCM and
// ChaCha20-Poly1305. BoringSSL peers in memory cover TLS 1.2 (and TLS 1.3
// with the suite BoringSSL picks); OpenSSL's `s_server` over loopback
// covers every TLS 1.3 suite, since BoringSSL offers no way to choose one.

#include "dataplane/tls/ktls_keys.h"

#include <arpa/inet.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "dataplane/tls/client_context.h"
#include "dataplane/tls/ktls_record_model.h"
#include "dataplane/tls/ktls_test_cases.h"
#include "dataplane/tls/openssl_server_test_util.h"
#include "dataplane/tls/server_context.h"
#include "dataplane/tls/test_pki.h"
#include "dataplane/tls/tls_session.h"
#include "dataplane/tls/tls_test_pair.h"
#include "gtest/gtest.h"

namespace ringway::tls {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// ---------------------------------------------------------------------------
// The crypto info bytes.

TEST(KtlsCryptoInfoTest, MatchesTheKernelStructsAndParsesBack) {
  KtlsKeys keys;
  keys.version = 0x0304;
  keys.cipher = KtlsCipher::kAes256Gcm;
  keys.key_length = 32;
  for (size_t i = 0; i < 32; ++i) keys.key[i] = static_cast<uint8_t>(i);
  keys.iv_length = 12;
  for (size_t i = 0; i < 12; ++i) keys.iv[i] = static_cast<uint8_t>(0xa0 + i);
  keys.sequence = 0x0102030405060708;
  KtlsCryptoInfo info(keys);
  ASSERT_EQ(info.size(), sizeof(tls12_crypto_info_aes_gcm_256));
  tls12_crypto_info_aes_gcm_256 kernel;
  std::memcpy(&kernel, info.data(), sizeof(kernel));
  EXPECT_EQ(kernel.info.version, TLS_1_3_VERSION);
  EXPECT_EQ(kernel.info.cipher_type, TLS_CIPHER_AES_GCM_256);
  EXPECT_EQ(kernel.salt[0], 0xa0);  // the IV's first 4 bytes
  EXPECT_EQ(kernel.iv[0], 0xa4);    // its last 8
  EXPECT_EQ(kernel.key[31], 31);
  EXPECT_EQ(kernel.rec_seq[0], 0x01);  // big-endian
  EXPECT_EQ(kernel.rec_seq[7], 0x08);
  absl::StatusOr<KtlsKeys> back = ParseCryptoInfo(info.bytes());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, keys);

  keys.cipher = KtlsCipher::kChacha20Poly1305;
  keys.version = 0x0303;
  KtlsCryptoInfo chacha(keys);
  EXPECT_EQ(chacha.size(), sizeof(tls12_crypto_info_chacha20_poly1305));
  back = ParseCryptoInfo(chacha.bytes());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, keys);

  // TLS 1.2 AES-GCM: the 4-byte implicit IV, and the explicit nonce of
  // the next record is the sequence number.
  keys.cipher = KtlsCipher::kAes128Gcm;
  keys.key_length = 16;
  std::fill(keys.key.begin() + 16, keys.key.end(), 0);
  keys.iv_length = 4;
  keys.iv = {};
  keys.iv[0] = 0x11;
  KtlsCryptoInfo gcm12(keys);
  tls12_crypto_info_aes_gcm_128 k128;
  ASSERT_EQ(gcm12.size(), sizeof(k128));
  std::memcpy(&k128, gcm12.data(), sizeof(k128));
  EXPECT_EQ(k128.salt[0], 0x11);
  EXPECT_EQ(0, std::memcmp(k128.iv, k128.rec_seq, 8));
  back = ParseCryptoInfo(gcm12.bytes());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, keys);
}

TEST(KtlsCryptoInfoTest, RefusesBadBytes) {
  EXPECT_FALSE(ParseCryptoInfo({}).ok());
  KtlsKeys keys;
  keys.version = 0x0303;
  keys.key_length = 16;
  keys.iv_length = 4;
  KtlsCryptoInfo info(keys);
  EXPECT_FALSE(ParseCryptoInfo(info.bytes().first(info.size() - 1)).ok());
}

// ---------------------------------------------------------------------------
// BoringSSL peers in memory.

using Case = KtlsTestCase;

// Reads what `session` can decrypt from `inbox` (bounded).
std::string ReadAll(TlsSession& session, std::vector<uint8_t>* inbox) {
  std::string got;
  uint8_t buffer[4096];
  for (int i = 0; i < 100; ++i) {
    session.SetInput(*inbox);
    size_t n = 0;
    TlsResult r = session.Read(buffer, &n);
    inbox->erase(inbox->begin(), inbox->begin() + session.TakeInputConsumed());
    if (r != TlsResult::kOk) break;
    got.append(reinterpret_cast<char*>(buffer), n);
  }
  return got;
}

class KtlsKeysPairTest : public testing::TestWithParam<Case> {};

TEST_P(KtlsKeysPairTest, KernelModelAndPeerUnderstandEachOther) {
  const Case& c = GetParam();
  const TestPki& pki = GetTestPki();
  ServerTlsOptions server_options;
  server_options.min_version = server_options.max_version = c.version;
  if (c.version == 0x0303) server_options.cipher_list = c.cipher_list;
  auto certificate =
      ServerCertificate::FromPem(pki.a_ecdsa.cert_pem, pki.a_ecdsa.key_pem);
  ASSERT_TRUE(certificate.ok()) << certificate.status();
  auto server_config =
      ServerTlsConfig::Build(std::move(server_options), {*certificate});
  ASSERT_TRUE(server_config.ok()) << server_config.status();
  auto server_context = ServerContext::Create(*server_config);
  ASSERT_TRUE(server_context.ok()) << server_context.status();
  ClientTlsOptions client_options;
  client_options.min_version = client_options.max_version = c.version;
  auto client_config = ClientTlsConfig::Build(std::move(client_options));
  ASSERT_TRUE(client_config.ok()) << client_config.status();
  auto client_context = ClientContext::Create(*client_config);
  ASSERT_TRUE(client_context.ok()) << client_context.status();

  Pair p;
  p.client = std::make_unique<TlsSession>(
      (*client_context)->NewSsl({"a.example.org", true}, nullptr));
  p.server = std::make_unique<TlsSession>((*server_context)->NewSsl());
  ASSERT_TRUE(p.Handshake());
  // Records each way through BoringSSL first: the sequence numbers the
  // kernel takes over are not zero.
  EXPECT_EQ(Pair::Transfer(*p.client, *p.server, &p.to_server, "c1"), "c1");
  EXPECT_EQ(Pair::Transfer(*p.server, *p.client, &p.to_client, "s1"), "s1");
  EXPECT_EQ(Pair::Transfer(*p.client, *p.server, &p.to_server, "c2"), "c2");

  TlsSession& kernel_side = c.kernel_is_server ? *p.server : *p.client;
  TlsSession& peer = c.kernel_is_server ? *p.client : *p.server;
  std::vector<uint8_t>* to_peer =
      c.kernel_is_server ? &p.to_client : &p.to_server;
  std::vector<uint8_t>* to_kernel =
      c.kernel_is_server ? &p.to_server : &p.to_client;

  absl::StatusOr<KtlsKeys> tx =
      ExportKtlsKeys(kernel_side.ssl(), KtlsDirection::kTransmit);
  absl::StatusOr<KtlsKeys> rx =
      ExportKtlsKeys(kernel_side.ssl(), KtlsDirection::kReceive);
  ASSERT_TRUE(tx.ok()) << tx.status();
  ASSERT_TRUE(rx.ok()) << rx.status();
  EXPECT_EQ(tx->version, c.version);
  EXPECT_EQ(tx->cipher, c.cipher);
  EXPECT_GT(tx->sequence + rx->sequence, 0u);
  auto tx_model = KtlsRecordModel::Create(KtlsCryptoInfo(*tx).bytes());
  auto rx_model = KtlsRecordModel::Create(KtlsCryptoInfo(*rx).bytes());
  ASSERT_TRUE(tx_model.ok()) << tx_model.status();
  ASSERT_TRUE(rx_model.ok()) << rx_model.status();

  // Kernel TX -> peer: two records, one of them a full 16 KiB.
  const std::string big(16 * 1024, 'k');
  std::vector<uint8_t> wire;
  (*tx_model)->Seal(kContentApplicationData, Bytes("from the kernel "), &wire);
  (*tx_model)->Seal(kContentApplicationData, Bytes(big), &wire);
  to_peer->insert(to_peer->end(), wire.begin(), wire.end());
  EXPECT_EQ(ReadAll(peer, to_peer), "from the kernel " + big);

  // Peer -> kernel RX, the records BoringSSL seals.
  size_t n = 0;
  ASSERT_EQ(peer.Write(Bytes("from the peer"), &n), TlsResult::kOk);
  Move(peer, to_kernel);
  std::string got;
  size_t offset = 0;
  while (offset < to_kernel->size()) {
    size_t consumed = 0;
    auto record = (*rx_model)->Open(
        std::span<const uint8_t>(*to_kernel).subspan(offset), &consumed);
    ASSERT_TRUE(record.ok()) << record.status();
    offset += consumed;
    if (record->type == kContentApplicationData) got += record->plaintext;
  }
  EXPECT_EQ(got, "from the peer");

  // A record changed on the way does not authenticate.
  std::vector<uint8_t> forged;
  (*tx_model)->Seal(kContentApplicationData, Bytes("x"), &forged);
  forged.back() ^= 1;
  size_t consumed = 0;
  auto model_for_forged =
      KtlsRecordModel::Create(KtlsCryptoInfo(*tx).bytes());  // seq as sent
  EXPECT_FALSE((*model_for_forged)->Open(forged, &consumed).ok());
}

INSTANTIATE_TEST_SUITE_P(BoringSsl, KtlsKeysPairTest,
                         testing::ValuesIn(KtlsTestCases()), KtlsTestCaseName);

// ---------------------------------------------------------------------------
// OpenSSL's s_server over loopback, for the suites BoringSSL will not pick.

struct OpensslCase {
  const char* name;
  const char* version_flag;  // -tls1_2 / -tls1_3
  const char* suite_flag;    // -cipher / -ciphersuites
  const char* suite;
  KtlsCipher cipher;
};

class KtlsKeysOpensslTest : public testing::TestWithParam<OpensslCase> {};

TEST_P(KtlsKeysOpensslTest, KernelModelTalksToOpenssl) {
  const OpensslCase& c = GetParam();
  if (!OpensslServer::Available()) GTEST_SKIP() << "no openssl command";
  OpensslServer server;
  const int port = server.StartWww(GetTestPki().a_ecdsa,
                                   {c.version_flag, c.suite_flag, c.suite});
  ASSERT_GT(port, 0);

  int fd = ConnectLoopback(port, 10);
  ASSERT_GE(fd, 0);
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  SSL_CTX_set_min_proto_version(ctx.get(), 0x0303);
  SSL_CTX_set_max_proto_version(ctx.get(), 0x0304);
  bssl::UniquePtr<SSL> ssl(SSL_new(ctx.get()));
  SSL_set_fd(ssl.get(), fd);
  ASSERT_EQ(SSL_connect(ssl.get()), 1);

  auto tx = ExportKtlsKeys(ssl.get(), KtlsDirection::kTransmit);
  auto rx = ExportKtlsKeys(ssl.get(), KtlsDirection::kReceive);
  ASSERT_TRUE(tx.ok()) << tx.status();
  ASSERT_TRUE(rx.ok()) << rx.status();
  EXPECT_EQ(tx->cipher, c.cipher);
  auto tx_model = KtlsRecordModel::Create(KtlsCryptoInfo(*tx).bytes());
  auto rx_model = KtlsRecordModel::Create(KtlsCryptoInfo(*rx).bytes());
  ASSERT_TRUE(tx_model.ok() && rx_model.ok());

  // The request, sealed as the kernel would; OpenSSL answers it with its
  // status page, which the model opens (skipping TLS 1.3 tickets).
  std::vector<uint8_t> wire;
  (*tx_model)->Seal(kContentApplicationData, Bytes("GET / HTTP/1.0\r\n\r\n"),
                    &wire);
  ASSERT_EQ(send(fd, wire.data(), wire.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(wire.size()));
  std::vector<uint8_t> in;
  std::string page;
  for (int i = 0; i < 1000 && page.find("</HTML>") == std::string::npos; ++i) {
    uint8_t buffer[16384];
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    in.insert(in.end(), buffer, buffer + n);
    for (;;) {
      size_t consumed = 0;
      auto record = (*rx_model)->Open(in, &consumed);
      if (!record.ok()) {
        ASSERT_TRUE(absl::IsUnavailable(record.status())) << record.status();
        break;
      }
      in.erase(in.begin(), in.begin() + static_cast<long>(consumed));
      if (record->type == kContentApplicationData) page += record->plaintext;
    }
  }
  close(fd);
  // The whole page, which names the suite OpenSSL used.
  EXPECT_EQ(page.rfind("HTTP/1.0 200 ok", 0), 0u) << page.substr(0, 200);
  EXPECT_NE(page.find(absl::StrCat("Cipher is ", c.suite)), std::string::npos)
      << page;
  EXPECT_NE(page.find("</HTML>"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Openssl, KtlsKeysOpensslTest,
    testing::Values(
        OpensslCase{"Tls13Aes128Gcm", "-tls1_3", "-ciphersuites",
                    "TLS_AES_128_GCM_SHA256", KtlsCipher::kAes128Gcm},
        OpensslCase{"Tls13Aes256Gcm", "-tls1_3", "-ciphersuites",
                    "TLS_AES_256_GCM_SHA384", KtlsCipher::kAes256Gcm},
        OpensslCase{"Tls13Chacha20", "-tls1_3", "-ciphersuites",
                    "TLS_CHACHA20_POLY1305_SHA256",
                    KtlsCipher::kChacha20Poly1305},
        OpensslCase{"Tls12Aes256Gcm", "-tls1_2", "-cipher",
                    "ECDHE-ECDSA-AES256-GCM-SHA384", KtlsCipher::kAes256Gcm},
        OpensslCase{"Tls12Chacha20", "-tls1_2", "-cipher",
                    "ECDHE-ECDSA-CHACHA20-POLY1305",
                    KtlsCipher::kChacha20Poly1305}),
    [](const testing::TestParamInfo<OpensslCase>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace ringway::tls
