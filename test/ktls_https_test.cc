// kTLS on an HTTPS listener: once the client's handshake is done its
// socket goes to the kernel, and ringway reads request heads and writes
// responses in plaintext on it; large bodies are spliced between it and
// the backend's socket. Real sockets: a BoringSSL
// client, ringway, the HTTP echo backend. Inside the VM of
// //test:ktls_vm_test the kernel does the client's records; here every
// connection falls back to BoringSSL's and says so in the counters.
// Either way the exchanges are the same.

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "control/certificate_files_fixture.h"
#include "dataplane/stats/shard_stats.h"
#include "dataplane/tls/ktls_kernel_test_util.h"
#include "dataplane/tls/ktls_socket.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/ktls_test_client.h"
#include "test/support/eventually.h"
#include "test/support/http_echo_backend.h"
#include "test/support/proxy_fixture.h"
#include "test/support/tcp_client.h"
#include "test/support/tls_echo_backend.h"

namespace ringway::test {
namespace {

using stats::Counter;
using ::testing::HasSubstr;

struct Client {
  uint16_t version = 0;
  const char* ciphers = nullptr;
  const char* name = "";
};

// One response with a Content-Length body, read from `ssl`.
struct Response {
  std::string head;
  std::string body;
};

bool ReadResponse(SSL* ssl, Response* out) {
  std::string bytes;
  char buffer[16 * 1024];
  size_t head_end = std::string::npos;
  size_t length = 0;
  for (;;) {
    if (head_end == std::string::npos) {
      head_end = bytes.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        out->head = bytes.substr(0, head_end + 4);
        size_t at = absl::AsciiStrToLower(out->head).find("content-length: ");
        if (at == std::string::npos) return false;
        size_t eol = out->head.find("\r\n", at);
        if (!absl::SimpleAtoi(out->head.substr(at + 16, eol - at - 16),
                              &length)) {
          return false;
        }
      }
    }
    if (head_end != std::string::npos &&
        bytes.size() >= head_end + 4 + length) {
      out->body = bytes.substr(head_end + 4, length);
      return bytes.size() == head_end + 4 + length;
    }
    int n = SSL_read(ssl, buffer, sizeof(buffer));
    if (n <= 0) return false;
    bytes.append(buffer, static_cast<size_t>(n));
  }
}

bool WriteAll(SSL* ssl, const std::string& bytes) {
  for (size_t at = 0; at < bytes.size();) {
    int n = SSL_write(
        ssl, bytes.data() + at,
        static_cast<int>(std::min<size_t>(bytes.size() - at, 64 * 1024)));
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

// GET `path` on a kept-alive connection: true with the response read.
bool Get(SSL* ssl, const std::string& path, Response* response) {
  return WriteAll(ssl,
                  "GET " + path + " HTTP/1.1\r\nHost: a.example.org\r\n\r\n") &&
         ReadResponse(ssl, response);
}

class KtlsHttpsTest : public control::CertificateFilesTest,
                      public testing::WithParamInterface<Client> {
 protected:
  // HTTPS listener "web" → group "tls" re-encrypting to `backend`.
  std::string ReencryptTable(const std::string& backend,
                             const std::string& group = "") const {
    return absl::StrCat(
        "listeners { name: \"web\" address: \"127.0.0.1:0\" https { tls { ",
        Cert("a.pem", "a.key"),
        " } virtual_hosts { server_names: \"a.example.org\" locations { "
        "path_prefix: \"/\" upstream_group: \"tls\" } } } }\n"
        "upstream_groups { name: \"tls\" servers { address: \"",
        backend, "\" } tls { } ", group, " }\n");
  }

  // HTTPS listener "web" → plain group "echo".
  std::string Table(const std::string& backend,
                    const std::string& listener_tls = "") const {
    return absl::StrCat(
        "listeners { name: \"web\" address: \"127.0.0.1:0\" https { tls { ",
        Cert("a.pem", "a.key"), " ", listener_tls,
        " } virtual_hosts { server_names: \"a.example.org\" locations { "
        "path_prefix: \"/\" upstream_group: \"echo\" } } } }\n"
        "upstream_groups { name: \"echo\" servers { address: \"",
        backend, "\" } }\n");
  }
};

// Three requests on one kept-alive connection (one with a 1 MiB body),
// then the client's close_notify.
TEST_P(KtlsHttpsTest, KeptAliveRequestsInPlaintextOnTheKernelsSocket) {
  const bool kernel = KernelHasKtls();
  HttpEchoBackend backend;
  auto proxy = StartProxy(Table(backend.address()), 1);
  ASSERT_NE(proxy, nullptr);
  std::map<std::string, long> before;
  if (kernel) before = tls::TlsStats();

  bssl::UniquePtr<SSL> ssl = ConnectTls(proxy->listener_address("web"),
                                        GetParam().version, GetParam().ciphers);
  ASSERT_NE(ssl, nullptr);
  Response response;
  ASSERT_TRUE(Get(ssl.get(), "/first", &response));
  EXPECT_THAT(response.head, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(response.body, HasSubstr("GET /first HTTP/1.1\r\n"));
  EXPECT_THAT(response.body, HasSubstr("X-Forwarded-Proto: https\r\n"));

  const std::string payload = RandomBytes(1 << 20, 21);
  ASSERT_TRUE(WriteAll(
      ssl.get(), absl::StrCat("POST /upload HTTP/1.1\r\nHost: a.example.org\r\n"
                              "Content-Length: ",
                              payload.size(), "\r\n\r\n", payload)));
  ASSERT_TRUE(ReadResponse(ssl.get(), &response));
  EXPECT_THAT(response.head, HasSubstr("HTTP/1.1 200"));
  ASSERT_GT(response.body.size(), payload.size());
  EXPECT_TRUE(absl::EndsWith(response.body, payload))
      << "the request body came back changed";

  ASSERT_TRUE(Get(ssl.get(), "/third", &response));
  EXPECT_THAT(response.body, HasSubstr("GET /third HTTP/1.1\r\n"));
  EXPECT_EQ(backend.requests(), 3);

  SSL_shutdown(ssl.get());  // our close_notify ends the connection
  char byte;
  EXPECT_LE(SSL_read(ssl.get(), &byte, 1), 0);
  close(SSL_get_fd(ssl.get()));
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kConnectionsOpen) == 0; }));
  EXPECT_EQ(proxy->Total(Counter::kKtlsErrors), 0u);

  const admin::Stats stats = proxy->Stats();
  ASSERT_EQ(stats.listeners_size(), 1);
  const admin::ListenerKtls& listener = stats.listeners(0);
  EXPECT_EQ(listener.listener(), "web");
  if (kernel) {
    EXPECT_EQ(proxy->Total(Counter::kKtlsConnections), 1u);
    // The upload and its echo: spliced between the kernel's TLS socket and
    // the backend's, never through ringway.
    EXPECT_EQ(proxy->Total(Counter::kHttpBodiesSpliced), 2u);
    // Only the client's socket: the kernel opened and sealed its records.
    std::map<std::string, long> after = tls::TlsStats();
    EXPECT_EQ(after["TlsTxSw"] - before["TlsTxSw"], 1);
    EXPECT_EQ(after["TlsRxSw"] - before["TlsRxSw"], 1);
    EXPECT_EQ(after["TlsDecryptError"], before["TlsDecryptError"]);
    EXPECT_EQ(listener.ktls_connections(), 1u);
    EXPECT_EQ(listener.ktls_fallbacks(), 0u);
  } else {
    EXPECT_EQ(proxy->Total(Counter::kKtlsConnections), 0u);
    EXPECT_EQ(proxy->Total(Counter::kKtlsFallbackKernel), 1u);
    EXPECT_EQ(proxy->Total(Counter::kHttpBodiesSpliced), 0u);
    EXPECT_EQ(listener.ktls_connections(), 0u);
    EXPECT_EQ(listener.ktls_fallbacks(), 1u);
    EXPECT_EQ(listener.ktls_last_fallback(),
              "kernel: " + tls::KernelKtlsSupport().reason);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Versions, KtlsHttpsTest,
    testing::Values(
        Client{TLS1_3_VERSION, nullptr, "Tls13"},
        Client{TLS1_2_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384", "Tls12Aes256"},
        Client{TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305", "Tls12Chacha"}),
    [](const testing::TestParamInfo<Client>& info) {
      return std::string(info.param.name);
    });

using KtlsHttpsBehaviourTest = KtlsHttpsTest;

// A client's KeyUpdate: BoringSSL follows it in user space; with kTLS the
// kernel (before 6.14) cannot, and ringway ends that connection with a
// counter and a log line instead of spinning on the record.
TEST_F(KtlsHttpsBehaviourTest, ClientKeyUpdate) {
  const bool kernel = KernelHasKtls();
  HttpEchoBackend backend;
  auto proxy = StartProxy(Table(backend.address()), 1);
  ASSERT_NE(proxy, nullptr);
  bssl::UniquePtr<SSL> ssl =
      ConnectTls(proxy->listener_address("web"), TLS1_3_VERSION);
  ASSERT_NE(ssl, nullptr);
  const std::string request = "GET /k HTTP/1.1\r\nHost: a.example.org\r\n\r\n";
  Response response;
  ASSERT_TRUE(WriteAll(ssl.get(), request));
  ASSERT_TRUE(ReadResponse(ssl.get(), &response));
  SSL_key_update(ssl.get(), SSL_KEY_UPDATE_NOT_REQUESTED);
  const bool second =
      WriteAll(ssl.get(), request) && ReadResponse(ssl.get(), &response);
  close(SSL_get_fd(ssl.get()));
  EXPECT_TRUE(
      Eventually([&] { return proxy->Total(Counter::kConnectionsOpen) == 0; }));
  EXPECT_EQ(second, !kernel);
  EXPECT_EQ(proxy->Total(Counter::kKtlsKeyUpdateCloses), kernel ? 1u : 0u);
  // Still serving.
  bssl::UniquePtr<SSL> next =
      ConnectTls(proxy->listener_address("web"), TLS1_3_VERSION);
  ASSERT_NE(next, nullptr);
  ASSERT_TRUE(WriteAll(next.get(), request));
  EXPECT_TRUE(ReadResponse(next.get(), &response));
}

// A KeyUpdate that arrives with the client's Finished (one segment:
// Finished, KeyUpdate asking for ours, the request) is read by BoringSSL
// while the socket settles for the kernel; its acknowledgement, sealed with
// the old key, must leave before the new keys go to the kernel, or the
// client cannot read the response.
TEST_F(KtlsHttpsBehaviourTest, KeyUpdateWithTheClientsFinished) {
  const bool kernel = KernelHasKtls();
  HttpEchoBackend backend;
  auto proxy = StartProxy(Table(backend.address()), 1);
  ASSERT_NE(proxy, nullptr);
  int fd = ConnectTo(proxy->listener_address("web"));
  ASSERT_GE(fd, 0);
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION);
  bssl::UniquePtr<SSL> ssl(SSL_new(ctx.get()));
  // The client writes into a BIO pair: nothing leaves until we send it.
  BIO* inner = nullptr;
  BIO* outer = nullptr;
  ASSERT_EQ(BIO_new_bio_pair(&inner, 0, &outer, 0), 1);
  bssl::UniquePtr<BIO> outer_owner(outer);
  SSL_set_bio(ssl.get(), inner, inner);
  SSL_set_tlsext_host_name(ssl.get(), "a.example.org");
  SSL_set_connect_state(ssl.get());
  auto send_written = [&] {
    std::string out;
    char buffer[4096];
    for (int n; (n = BIO_read(outer, buffer, sizeof(buffer))) > 0;) {
      out.append(buffer, static_cast<size_t>(n));
    }
    return SendAll(fd, out);
  };
  for (int r; (r = SSL_do_handshake(ssl.get())) != 1;) {
    ASSERT_EQ(SSL_get_error(ssl.get(), r), SSL_ERROR_WANT_READ);
    ASSERT_TRUE(send_written());
    char buffer[4096];
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    ASSERT_GT(n, 0);
    for (ssize_t at = 0; at < n;) {
      int w = BIO_write(outer, buffer + at, static_cast<int>(n - at));
      ASSERT_GT(w, 0);
      at += w;
    }
  }
  const std::string request =
      "GET /after-update HTTP/1.1\r\nHost: a.example.org\r\n\r\n";
  ASSERT_EQ(SSL_key_update(ssl.get(), SSL_KEY_UPDATE_REQUESTED), 1);
  ASSERT_EQ(
      SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())),
      static_cast<int>(request.size()));
  ASSERT_TRUE(send_written());  // Finished, KeyUpdate, request: one send
  SSL_set_fd(ssl.get(), fd);    // from here the socket itself
  Response response;
  ASSERT_TRUE(ReadResponse(ssl.get(), &response))
      << "ringway's records after the KeyUpdate were unreadable";
  EXPECT_THAT(response.body, HasSubstr("GET /after-update HTTP/1.1\r\n"));
  close(fd);
  EXPECT_EQ(proxy->Total(Counter::kKtlsKeyUpdateCloses), 0u);
  EXPECT_EQ(proxy->Total(Counter::kKtlsConnections), kernel ? 1u : 0u);
}

// Terminate and re-encrypt over HTTP: the client's socket and the
// upstream's both go to the kernel; the upload and its echo are spliced
// from one kTLS socket to the other, and the upstream connection (kept
// with the kernel) serves the next request without a new handshake.
TEST_F(KtlsHttpsBehaviourTest, ReencryptingLocationSplicesKernelToKernel) {
  const bool kernel = KernelHasKtls();
  TlsEchoBackend backend({.version = TLS1_3_VERSION, .http = true});
  auto proxy = StartProxy(ReencryptTable(backend.address(), "keepalive: 4"), 1);
  ASSERT_NE(proxy, nullptr);
  std::map<std::string, long> before;
  if (kernel) before = tls::TlsStats();
  bssl::UniquePtr<SSL> ssl =
      ConnectTls(proxy->listener_address("web"), TLS1_3_VERSION);
  ASSERT_NE(ssl, nullptr);
  const std::string payload = RandomBytes(1 << 20, 31);
  Response response;
  ASSERT_TRUE(WriteAll(
      ssl.get(), absl::StrCat("POST /up HTTP/1.1\r\nHost: a.example.org\r\n"
                              "Content-Length: ",
                              payload.size(), "\r\n\r\n", payload)));
  ASSERT_TRUE(ReadResponse(ssl.get(), &response));
  EXPECT_THAT(response.head, HasSubstr("HTTP/1.1 200"));
  EXPECT_TRUE(absl::EndsWith(response.body, payload));
  ASSERT_TRUE(Get(ssl.get(), "/next", &response));
  EXPECT_THAT(response.body, HasSubstr("GET /next HTTP/1.1\r\n"));
  close(SSL_get_fd(ssl.get()));
  EXPECT_EQ(backend.requests(), 2);
  EXPECT_EQ(backend.handshakes(), 1) << "the upstream connection was kept";
  EXPECT_EQ(proxy->Total(Counter::kKtlsErrors), 0u);
  if (kernel) {
    EXPECT_EQ(proxy->Total(Counter::kKtlsConnections), 2u);  // both sockets
    EXPECT_EQ(proxy->Total(Counter::kHttpBodiesSpliced), 2u);
    std::map<std::string, long> after = tls::TlsStats();
    EXPECT_EQ(after["TlsTxSw"] - before["TlsTxSw"], 2);
    EXPECT_EQ(after["TlsRxSw"] - before["TlsRxSw"], 2);
    EXPECT_EQ(after["TlsDecryptError"], before["TlsDecryptError"]);
  } else {
    EXPECT_EQ(proxy->Total(Counter::kKtlsFallbackKernel), 2u);
    EXPECT_EQ(proxy->Total(Counter::kHttpBodiesSpliced), 0u);
  }
}

// A TLS 1.3 server that wants a client certificate refuses its absence
// with an alert after ringway's Finished, which with kTLS the kernel's
// socket delivers: the same 502, counted as a TLS error, as when BoringSSL
// reads it.
TEST_F(KtlsHttpsBehaviourTest, UpstreamRefusingUsAfterTheHandshakeIs502) {
  TlsEchoBackend backend({.version = TLS1_3_VERSION,
                          .http = true,
                          .require_client_certificate = true});
  auto proxy = StartProxy(ReencryptTable(backend.address()), 1);
  ASSERT_NE(proxy, nullptr);
  bssl::UniquePtr<SSL> ssl = ConnectTls(proxy->listener_address("web"));
  ASSERT_NE(ssl, nullptr);
  Response response;
  ASSERT_TRUE(Get(ssl.get(), "/mtls", &response));
  EXPECT_THAT(response.head, HasSubstr("HTTP/1.1 502"));
  close(SSL_get_fd(ssl.get()));
  EXPECT_EQ(proxy->Total(Counter::kUpstreamTlsErrors), 1u);
  EXPECT_EQ(proxy->Total(Counter::kHttpBadGateway), 1u);
  EXPECT_EQ(proxy->Total(Counter::kKtlsErrors), 0u);
}

// ktls: OFF: BoringSSL's records, and no fallback counted.
TEST_F(KtlsHttpsBehaviourTest, OffKeepsUserSpaceRecords) {
  HttpEchoBackend backend;
  auto proxy = StartProxy(Table(backend.address(), "ktls: OFF"), 1);
  ASSERT_NE(proxy, nullptr);
  bssl::UniquePtr<SSL> ssl = ConnectTls(proxy->listener_address("web"));
  ASSERT_NE(ssl, nullptr);
  Response response;
  ASSERT_TRUE(Get(ssl.get(), "/off", &response));
  EXPECT_THAT(response.body, HasSubstr("GET /off HTTP/1.1\r\n"));
  close(SSL_get_fd(ssl.get()));
  EXPECT_EQ(proxy->Total(Counter::kKtlsConnections), 0u);
  EXPECT_EQ(proxy->Total(Counter::kKtlsFallbackKernel), 0u);
  EXPECT_EQ(proxy->Total(Counter::kKtlsFallbackCipher), 0u);
}

}  // namespace
}  // namespace ringway::test
