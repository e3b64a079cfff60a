// kTLS through ringway: a tls_terminate listener re-encrypting to a TLS
// backend, with BoringSSL clients and backend on real sockets. Where the
// kernel has kTLS (inside the VM of //test:ktls_vm_test) both of ringway's
// sockets go to the kernel after the handshakes and the payload is spliced
// between them; here (no `tls` module) every connection falls back to
// BoringSSL's records, and says so in the counters. Either way the bytes
// arrive intact, close_notify ends the stream cleanly both ways, and the
// upstream session is resumed.

#include <netinet/in.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "control/certificate_files_fixture.h"
#include "dataplane/stats/shard_stats.h"
#include "dataplane/tls/ktls_kernel_test_util.h"
#include "dataplane/tls/ktls_socket.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/ktls_test_client.h"
#include "test/support/eventually.h"
#include "test/support/proxy_fixture.h"
#include "test/support/tcp_client.h"
#include "test/support/tls_echo_backend.h"

namespace ringway::test {
namespace {

using stats::Counter;
using ::testing::HasSubstr;

constexpr size_t kChunk = 64 * 1024;

struct Endpoints {
  uint16_t client_version = 0;
  const char* client_ciphers = nullptr;
  uint16_t backend_version = 0;
  const char* backend_ciphers = nullptr;
  const char* name = "";
};

// The test PKI's files come from the config tests' fixture.
class KtlsProxyTest : public control::CertificateFilesTest,
                      public testing::WithParamInterface<Endpoints> {
 protected:
  // tls_terminate "term" → group "tls" re-encrypting to `backend`.
  std::string Table(const std::string& backend,
                    const std::string& listener_tls = "",
                    const std::string& group_tls = "") const {
    return absl::StrCat(
        "listeners { name: \"term\" address: \"127.0.0.1:0\" tls_terminate { "
        "tls { ",
        Cert("a.pem", "a.key"), " ", listener_tls,
        " } upstream_group: \"tls\" } }\n"
        "upstream_groups { name: \"tls\" servers { address: \"",
        backend, "\" } tls { ", group_tls, " } }\n");
  }

  bssl::UniquePtr<SSL> Connect(control::RingwayServer& proxy, uint16_t version,
                               const char* ciphers) {
    return ConnectTls(proxy.listener_address("term"), version, ciphers);
  }

  // Sends `payload` a chunk at a time, reading each chunk's echo before the
  // next; true if everything came back identical.
  static bool EchoThrough(SSL* ssl, const std::string& payload,
                          size_t* echoed = nullptr) {
    std::string back(kChunk, '\0');
    for (size_t at = 0; at < payload.size(); at += kChunk) {
      size_t n = std::min(kChunk, payload.size() - at);
      if (SSL_write(ssl, payload.data() + at, static_cast<int>(n)) !=
          static_cast<int>(n)) {
        return false;
      }
      for (size_t got = 0; got < n;) {
        int r = SSL_read(ssl, back.data() + got, static_cast<int>(n - got));
        if (r <= 0) return false;
        got += static_cast<size_t>(r);
      }
      if (back.compare(0, n, payload, at, n) != 0) return false;
      if (echoed != nullptr) *echoed = at + n;
    }
    return true;
  }

  // Our close_notify out, the backend's back: a clean TLS end both ways.
  static void CloseCleanly(SSL* ssl) {
    SSL_shutdown(ssl);
    char byte;
    int r = SSL_read(ssl, &byte, 1);
    EXPECT_EQ(r, 0);
    EXPECT_EQ(SSL_get_error(ssl, r), SSL_ERROR_ZERO_RETURN)
        << "ringway passed the backend's close_notify on";
    close(SSL_get_fd(ssl));
  }
};

TEST_P(KtlsProxyTest, BytesIntactAndCleanCloseThroughTheKernelOrUserSpace) {
  const Endpoints& e = GetParam();
  const bool kernel = KernelHasKtls();
  TlsEchoBackend backend(
      {.version = e.backend_version, .cipher_list = e.backend_ciphers});
  auto proxy = StartProxy(Table(backend.address()), 1);
  ASSERT_NE(proxy, nullptr);
  std::map<std::string, long> before;
  if (kernel) before = tls::TlsStats();

  bssl::UniquePtr<SSL> ssl =
      Connect(*proxy, e.client_version, e.client_ciphers);
  ASSERT_NE(ssl, nullptr);
  const std::string payload = RandomBytes(4 << 20, 7);
  size_t echoed = 0;
  EXPECT_TRUE(EchoThrough(ssl.get(), payload, &echoed))
      << echoed << " of " << payload.size() << " bytes came back intact";
  CloseCleanly(ssl.get());
  EXPECT_TRUE(Eventually([&] { return backend.finished() == 1; }));
  EXPECT_EQ(backend.close_notifies(), 1) << "the client's close_notify";
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kConnectionsOpen) == 0; }));

  if (kernel) {
    EXPECT_EQ(proxy->Total(Counter::kKtlsConnections), 1u);
    EXPECT_EQ(proxy->Total(Counter::kKtlsFallbackCipher), 0u);
    EXPECT_EQ(proxy->Total(Counter::kKtlsErrors), 0u);
    EXPECT_GE(proxy->Total(Counter::kDirectionsSpliced), 2u);
    // Both of ringway's sockets: the kernel sealed and opened the records.
    std::map<std::string, long> after = tls::TlsStats();
    EXPECT_EQ(after["TlsTxSw"] - before["TlsTxSw"], 2);
    EXPECT_EQ(after["TlsRxSw"] - before["TlsRxSw"], 2);
    EXPECT_EQ(after["TlsDecryptError"], before["TlsDecryptError"]);
  } else {
    EXPECT_EQ(proxy->Total(Counter::kKtlsConnections), 0u);
    EXPECT_EQ(proxy->Total(Counter::kKtlsFallbackKernel), 1u);
    EXPECT_EQ(proxy->Total(Counter::kDirectionsSpliced), 0u);
  }
  // Per listener (client sockets) and per server (upstream sockets), with
  // the reason of a fallback.
  const admin::Stats stats = proxy->Stats();
  ASSERT_EQ(stats.listeners_size(), 1);
  ASSERT_GE(stats.upstreams_size(), 1);
  const admin::ListenerKtls& listener = stats.listeners(0);
  const admin::UpstreamServer& server =
      stats.upstreams(stats.upstreams_size() - 1);
  EXPECT_EQ(listener.listener(), "term");
  if (kernel) {
    EXPECT_EQ(listener.ktls_connections(), 1u);
    EXPECT_EQ(listener.ktls_fallbacks(), 0u);
    EXPECT_EQ(listener.ktls_last_fallback(), "");
    EXPECT_EQ(server.ktls_connections(), 1u);
    EXPECT_EQ(server.ktls_fallbacks(), 0u);
    EXPECT_EQ(server.ktls_last_fallback(), "");
  } else {
    const std::string reason = "kernel: " + tls::KernelKtlsSupport().reason;
    EXPECT_EQ(listener.ktls_connections(), 0u);
    EXPECT_EQ(listener.ktls_fallbacks(), 1u);
    EXPECT_EQ(listener.ktls_last_fallback(), reason);
    EXPECT_EQ(server.ktls_connections(), 0u);
    EXPECT_EQ(server.ktls_fallbacks(), 1u);
    EXPECT_EQ(server.ktls_last_fallback(), reason);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Versions, KtlsProxyTest,
    testing::Values(Endpoints{TLS1_3_VERSION, nullptr, TLS1_3_VERSION, nullptr,
                              "Tls13ToTls13"},
                    Endpoints{TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256",
                              TLS1_3_VERSION, nullptr, "Tls12Aes128ToTls13"},
                    Endpoints{TLS1_3_VERSION, nullptr, TLS1_2_VERSION,
                              "ECDHE-ECDSA-AES256-GCM-SHA384",
                              "Tls13ToTls12Aes256"},
                    Endpoints{TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305",
                              TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305",
                              "Tls12ChachaBothWays"}),
    [](const testing::TestParamInfo<Endpoints>& info) {
      return std::string(info.param.name);
    });

using KtlsProxyBehaviourTest = KtlsProxyTest;

// TLS 1.3 tickets the backend sends after the handshake reach the group's
// session slot even when the kernel has the records by then: the next
// connection resumes.
TEST_F(KtlsProxyBehaviourTest, UpstreamSessionResumedAfterKtls) {
  const bool kernel = KernelHasKtls();
  TlsEchoBackend backend({.version = TLS1_3_VERSION});
  auto proxy = StartProxy(Table(backend.address()), 1);
  ASSERT_NE(proxy, nullptr);
  for (int i = 0; i < 2; ++i) {
    bssl::UniquePtr<SSL> ssl = Connect(*proxy, 0, nullptr);
    ASSERT_NE(ssl, nullptr);
    EXPECT_TRUE(EchoThrough(ssl.get(), RandomBytes(256 << 10, i)));
    CloseCleanly(ssl.get());
    EXPECT_TRUE(Eventually([&] { return backend.finished() == i + 1; }));
  }
  EXPECT_EQ(backend.handshakes(), 2);
  EXPECT_EQ(backend.resumed(), 1);
  EXPECT_EQ(proxy->Total(Counter::kUpstreamTlsResumed), 1u);
  EXPECT_EQ(proxy->Total(Counter::kKtlsConnections), kernel ? 2u : 0u);
}

// A KeyUpdate from the backend: BoringSSL follows it in user space; the
// kernel (before 6.14) cannot, so with kTLS ringway ends that connection,
// counted and logged, without spinning, and goes on serving.
TEST_F(KtlsProxyBehaviourTest, UpstreamKeyUpdate) {
  const bool kernel = KernelHasKtls();
  TlsEchoBackend backend(
      {.version = TLS1_3_VERSION, .key_update_after = 256 << 10});
  auto proxy = StartProxy(Table(backend.address()), 1);
  ASSERT_NE(proxy, nullptr);
  bssl::UniquePtr<SSL> ssl = Connect(*proxy, 0, nullptr);
  ASSERT_NE(ssl, nullptr);
  const std::string payload = RandomBytes(1 << 20, 3);
  size_t echoed = 0;
  const bool all = EchoThrough(ssl.get(), payload, &echoed);
  close(SSL_get_fd(ssl.get()));
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kConnectionsOpen) == 0; }));
  if (kernel) {
    EXPECT_FALSE(all);
    EXPECT_GE(echoed, size_t{256} << 10) << "bytes before the KeyUpdate";
    EXPECT_EQ(proxy->Total(Counter::kKtlsKeyUpdateCloses), 1u);
  } else {
    EXPECT_TRUE(all) << echoed;
    EXPECT_EQ(proxy->Total(Counter::kKtlsKeyUpdateCloses), 0u);
  }
  // Still serving.
  bssl::UniquePtr<SSL> next = Connect(*proxy, 0, nullptr);
  ASSERT_NE(next, nullptr);
  EXPECT_TRUE(EchoThrough(next.get(), "after"));
}

// The client's last bytes and close_notify arrive while ringway's socket to
// the backend is full (the backend reads nothing until the client sent
// everything): the direction ends only once every byte and then the
// close_notify got out, whatever the socket buffer refused on the way.
TEST_F(KtlsProxyBehaviourTest, CloseNotifyBehindAFullSocketBuffer) {
  TlsEchoBackend backend(
      {.version = TLS1_3_VERSION, .digest = true, .hold_reads = true});
  auto proxy = StartProxy(Table(backend.address()), 1);
  ASSERT_NE(proxy, nullptr);
  bssl::UniquePtr<SSL> ssl = Connect(*proxy, 0, nullptr);
  ASSERT_NE(ssl, nullptr);
  const std::string payload = RandomBytes(768 << 10, 11);
  std::atomic<bool> written{false};
  std::thread writer([&] {
    for (size_t at = 0; at < payload.size(); at += kChunk) {
      ASSERT_EQ(
          SSL_write(ssl.get(), payload.data() + at, static_cast<int>(kChunk)),
          static_cast<int>(kChunk));
    }
    SSL_shutdown(ssl.get());  // our close_notify
    written = true;
  });
  // Everything may fit in the buffers on the way (then the backend starts
  // behind all of it); if it does not, the writer needs the backend.
  Eventually([&] { return written.load(); }, 2000);
  backend.ReleaseReads();
  writer.join();

  uint8_t expected[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(payload.data()), payload.size(),
         expected);
  uint8_t digest[SHA256_DIGEST_LENGTH];
  ASSERT_EQ(SSL_read(ssl.get(), digest, sizeof(digest)),
            static_cast<int>(sizeof(digest)));
  EXPECT_EQ(memcmp(digest, expected, sizeof(digest)), 0)
      << "the backend read other bytes than the client sent";
  char byte;
  int r = SSL_read(ssl.get(), &byte, 1);
  EXPECT_EQ(SSL_get_error(ssl.get(), r), SSL_ERROR_ZERO_RETURN);
  close(SSL_get_fd(ssl.get()));
  EXPECT_TRUE(Eventually([&] { return backend.finished() == 1; }));
  EXPECT_EQ(backend.close_notifies(), 1);
  EXPECT_EQ(proxy->Total(Counter::kKtlsErrors), 0u);
}

// ktls: OFF on both sides: user-space records, and no fallback counted
// (nothing was asked of the kernel).
TEST_F(KtlsProxyBehaviourTest, OffKeepsUserSpaceRecords) {
  TlsEchoBackend backend({.version = TLS1_3_VERSION});
  auto proxy =
      StartProxy(Table(backend.address(), "ktls: OFF", "ktls: OFF"), 1);
  ASSERT_NE(proxy, nullptr);
  bssl::UniquePtr<SSL> ssl = Connect(*proxy, 0, nullptr);
  ASSERT_NE(ssl, nullptr);
  EXPECT_TRUE(EchoThrough(ssl.get(), RandomBytes(512 << 10, 5)));
  CloseCleanly(ssl.get());
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kConnectionsOpen) == 0; }));
  EXPECT_EQ(proxy->Total(Counter::kKtlsConnections), 0u);
  EXPECT_EQ(proxy->Total(Counter::kKtlsFallbackKernel), 0u);
  EXPECT_EQ(proxy->Total(Counter::kKtlsFallbackCipher), 0u);
  EXPECT_EQ(proxy->Total(Counter::kDirectionsSpliced), 0u);
}

}  // namespace
}  // namespace ringway::test
