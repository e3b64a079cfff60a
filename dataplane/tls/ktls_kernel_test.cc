// kTLS with the real kernel: keys exported from BoringSSL installed on a
// TCP socket (TCP_ULP "tls", TLS_TX, TLS_RX), then a megabyte each way
// between that socket (plain send/recv: the kernel seals and opens the
// records) and a BoringSSL peer, compared byte for byte, and the kernel's
// own counters (/proc/net/tls_stat) showing it did the records.
//
// Needs a kernel with the `tls` module, so it runs inside the VM that
// //test:ktls_vm_test boots; elsewhere each case is skipped, saying why,
// unless RINGWAY_REQUIRE_KTLS=1 (set inside the VM) makes that a failure.

#include <arpa/inet.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "dataplane/tls/ktls_control_records.h"
#include "dataplane/tls/ktls_keys.h"
#include "dataplane/tls/openssl_server_test_util.h"
#include "dataplane/tls/test_pki.h"
#include "gtest/gtest.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

namespace ringway::tls {
namespace {

constexpr size_t kTransferBytes = 1 << 20;

struct Case {
  const char* name;
  uint16_t version;
  const char* cipher_list;  // TLS 1.2 only
  KtlsCipher cipher;
  bool kernel_is_server;
};

std::map<std::string, long> TlsStats() {
  std::map<std::string, long> stats;
  std::ifstream in("/proc/net/tls_stat");
  std::string name;
  long value;
  while (in >> name >> value) stats[name] = value;
  return stats;
}

// A connected TCP pair over loopback.
void ConnectedPair(int* client, int* server) {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(
      bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
      0);
  ASSERT_EQ(listen(listener, 1), 0);
  socklen_t length = sizeof(address);
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  *client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(
      connect(*client, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
      0);
  *server = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_GE(*server, 0);
  close(listener);
}

bssl::UniquePtr<SSL_CTX> ServerCtx(const Case& c, bool tickets = false) {
  const TestPki& pki = GetTestPki();
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  bssl::UniquePtr<BIO> cert_bio(
      BIO_new_mem_buf(pki.a_ecdsa.cert_pem.data(),
                      static_cast<int>(pki.a_ecdsa.cert_pem.size())));
  bssl::UniquePtr<X509> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  bssl::UniquePtr<BIO> key_bio(
      BIO_new_mem_buf(pki.a_ecdsa.key_pem.data(),
                      static_cast<int>(pki.a_ecdsa.key_pem.size())));
  bssl::UniquePtr<EVP_PKEY> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  SSL_CTX_use_certificate(ctx.get(), cert.get());
  SSL_CTX_use_PrivateKey(ctx.get(), key.get());
  SSL_CTX_set_min_proto_version(ctx.get(), c.version);
  SSL_CTX_set_max_proto_version(ctx.get(), c.version);
  if (c.version == 0x0303) {
    SSL_CTX_set_strict_cipher_list(ctx.get(), c.cipher_list);
  }
  // No session tickets: nothing but application data follows the
  // handshake, so the kernel's RX never meets a handshake record here.
  if (!tickets) {
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx.get(), 0);
  }
  return ctx;
}

// Installs the kernel's record layer on `fd` with `ssl`'s keys. Returns ""
// or why it could not.
std::string EnableKtls(int fd, const SSL* ssl) {
  if (setsockopt(fd, SOL_TCP, TCP_ULP, "tls", sizeof("tls")) != 0) {
    return absl::StrCat("TCP_ULP tls: ", std::strerror(errno));
  }
  for (KtlsDirection direction :
       {KtlsDirection::kTransmit, KtlsDirection::kReceive}) {
    absl::StatusOr<KtlsKeys> keys = ExportKtlsKeys(ssl, direction);
    if (!keys.ok()) return std::string(keys.status().message());
    KtlsCryptoInfo info(*keys);
    const int option = direction == KtlsDirection::kTransmit ? TLS_TX : TLS_RX;
    if (setsockopt(fd, SOL_TLS, option, info.data(),
                   static_cast<socklen_t>(info.size())) != 0) {
      return absl::StrCat(option == TLS_TX ? "TLS_TX: " : "TLS_RX: ",
                          std::strerror(errno));
    }
  }
  return "";
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 random(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(random());
  return s;
}

class KtlsKernelTest : public testing::TestWithParam<Case> {};

TEST_P(KtlsKernelTest, MegabyteEachWayThroughTheKernel) {
  const Case& c = GetParam();
  int client_fd = -1, server_fd = -1;
  ASSERT_NO_FATAL_FAILURE(ConnectedPair(&client_fd, &server_fd));
  bssl::UniquePtr<SSL_CTX> server_ctx = ServerCtx(c);
  bssl::UniquePtr<SSL_CTX> client_ctx(SSL_CTX_new(TLS_method()));
  SSL_CTX_set_min_proto_version(client_ctx.get(), c.version);
  SSL_CTX_set_max_proto_version(client_ctx.get(), c.version);
  bssl::UniquePtr<SSL> server(SSL_new(server_ctx.get()));
  bssl::UniquePtr<SSL> client(SSL_new(client_ctx.get()));
  SSL_set_fd(server.get(), server_fd);
  SSL_set_fd(client.get(), client_fd);
  int accepted = 0;
  std::thread server_side([&] { accepted = SSL_accept(server.get()); });
  const int connected = SSL_connect(client.get());
  server_side.join();
  ASSERT_EQ(connected, 1);
  ASSERT_EQ(accepted, 1);
  // A record each way through BoringSSL first: sequence numbers not zero.
  char byte = 0;
  ASSERT_EQ(SSL_write(client.get(), "c", 1), 1);
  ASSERT_EQ(SSL_read(server.get(), &byte, 1), 1);
  ASSERT_EQ(SSL_write(server.get(), "s", 1), 1);
  ASSERT_EQ(SSL_read(client.get(), &byte, 1), 1);

  SSL* kernel_ssl = c.kernel_is_server ? server.get() : client.get();
  SSL* peer = c.kernel_is_server ? client.get() : server.get();
  const int kernel_fd = c.kernel_is_server ? server_fd : client_fd;
  absl::StatusOr<KtlsKeys> keys =
      ExportKtlsKeys(kernel_ssl, KtlsDirection::kTransmit);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->cipher, c.cipher);
  const std::map<std::string, long> before = TlsStats();
  const std::string why = EnableKtls(kernel_fd, kernel_ssl);
  if (!why.empty()) {
    if (getenv("RINGWAY_REQUIRE_KTLS") != nullptr) FAIL() << why;
    GTEST_SKIP() << "no kernel TLS here: " << why;
  }

  // Kernel -> peer: plain send on the kTLS socket.
  const std::string down = RandomBytes(kTransferBytes, 1);
  std::thread sender([&] {
    size_t sent = 0;
    while (sent < down.size()) {
      ssize_t n =
          send(kernel_fd, down.data() + sent, down.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
  });
  std::string got;
  std::vector<char> buffer(64 * 1024);
  while (got.size() < down.size()) {
    int n = SSL_read(peer, buffer.data(), static_cast<int>(buffer.size()));
    if (n <= 0) break;
    got.append(buffer.data(), static_cast<size_t>(n));
  }
  sender.join();
  EXPECT_TRUE(got == down) << "kernel -> peer: " << got.size() << " bytes";

  // Peer -> kernel: plain recv on the kTLS socket.
  const std::string up = RandomBytes(kTransferBytes, 2);
  std::thread writer([&] {
    size_t sent = 0;
    while (sent < up.size()) {
      int n = SSL_write(
          peer, up.data() + sent,
          static_cast<int>(std::min<size_t>(16384, up.size() - sent)));
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
  });
  got.clear();
  while (got.size() < up.size()) {
    ssize_t n = recv(kernel_fd, buffer.data(), buffer.size(), 0);
    if (n <= 0) break;
    got.append(buffer.data(), static_cast<size_t>(n));
  }
  writer.join();
  EXPECT_TRUE(got == up) << "peer -> kernel: " << got.size() << " bytes";

  // The kernel did the records: a TX and an RX software context more.
  std::map<std::string, long> after = TlsStats();
  EXPECT_EQ(after["TlsTxSw"], before.at("TlsTxSw") + 1);
  EXPECT_EQ(after["TlsRxSw"], before.at("TlsRxSw") + 1);
  EXPECT_EQ(after["TlsDecryptError"], before.at("TlsDecryptError"));
  close(client_fd);
  close(server_fd);
}

// Records after the handshake, TLS 1.3, the kernel as the client: the
// server's NewSessionTickets arrive on the kTLS socket as handshake
// records and are kept for resumption; application data still flows;
// close_notify goes out through TLS_SET_RECORD_TYPE and comes back as an
// alert; a KeyUpdate is recognised (the 6.1 kernel cannot rekey, so the
// connection must end there) instead of failing or looping.
struct Tls13Connection {
  int client_fd = -1, server_fd = -1;
  bssl::UniquePtr<SSL_CTX> server_ctx, client_ctx;
  bssl::UniquePtr<SSL> server, client;
  ~Tls13Connection() {
    close(client_fd);
    close(server_fd);
  }
};

void ConnectTls13(Tls13Connection* t) {
  const Case c{"Tls13", 0x0304, "", KtlsCipher::kAes128Gcm, false};
  ASSERT_NO_FATAL_FAILURE(ConnectedPair(&t->client_fd, &t->server_fd));
  t->server_ctx = ServerCtx(c, /*tickets=*/true);
  t->client_ctx.reset(SSL_CTX_new(TLS_method()));
  SSL_CTX_set_min_proto_version(t->client_ctx.get(), 0x0304);
  SSL_CTX_set_session_cache_mode(t->client_ctx.get(), SSL_SESS_CACHE_CLIENT);
  t->server.reset(SSL_new(t->server_ctx.get()));
  t->client.reset(SSL_new(t->client_ctx.get()));
  SSL_set_fd(t->server.get(), t->server_fd);
  SSL_set_fd(t->client.get(), t->client_fd);
  int accepted = 0;
  std::thread server_side([&] { accepted = SSL_accept(t->server.get()); });
  const int connected = SSL_connect(t->client.get());
  server_side.join();
  ASSERT_EQ(connected, 1);
  ASSERT_EQ(accepted, 1);
  // Nothing read past the client's Finished: the tickets, whenever they
  // come, are the kernel's to read.
  const std::string why = EnableKtls(t->client_fd, t->client.get());
  if (!why.empty()) {
    if (getenv("RINGWAY_REQUIRE_KTLS") != nullptr) FAIL() << why;
    GTEST_SKIP() << "no kernel TLS here: " << why;
  }
}

// Reads records until `done` says stop (bounded); returns the controls
// seen and appends application data to `data`.
std::vector<KtlsControl> ReadRecords(
    Tls13Connection& t, std::string* data, int* tickets_kept,
    bool (*done)(const std::vector<KtlsControl>&, const std::string&)) {
  std::vector<KtlsControl> seen;
  std::vector<uint8_t> buffer(32 * 1024);
  for (int i = 0; i < 100 && !done(seen, *data); ++i) {
    uint8_t type = 0;
    ssize_t n = KtlsReceive(t.client_fd, buffer, &type);
    if (n <= 0) {
      ADD_FAILURE() << "KtlsReceive: " << n;
      break;
    }
    std::span<const uint8_t> record(buffer.data(), static_cast<size_t>(n));
    if (type == kRecordApplicationData) {
      data->append(reinterpret_cast<const char*>(record.data()), record.size());
    } else if (type == kRecordAlert) {
      seen.push_back(ClassifyAlert(record));
    } else if (type == kRecordHandshake) {
      std::vector<HandshakeMessage> messages;
      EXPECT_TRUE(SplitHandshakeMessages(record, &messages));
      for (const HandshakeMessage& m : messages) {
        seen.push_back(ClassifyHandshakeMessage(m));
        if (seen.back() != KtlsControl::kNewSessionTicket) continue;
        bssl::UniquePtr<SSL_SESSION> session(
            SSL_process_tls13_new_session_ticket(t.client.get(), m.bytes.data(),
                                                 m.bytes.size()));
        if (session != nullptr && SSL_SESSION_is_resumable(session.get())) {
          ++*tickets_kept;
        }
      }
    } else {
      seen.push_back(KtlsControl::kUnexpected);
    }
  }
  return seen;
}

TEST(KtlsKernelControlTest, TicketsDataAndCloseNotifyBothWays) {
  Tls13Connection t;
  ASSERT_NO_FATAL_FAILURE(ConnectTls13(&t));
  if (IsSkipped()) return;
  ASSERT_EQ(SSL_write(t.server.get(), "after tickets", 13), 13);
  std::string data;
  int tickets = 0;
  std::vector<KtlsControl> seen =
      ReadRecords(t, &data, &tickets,
                  [](const std::vector<KtlsControl>&, const std::string& d) {
                    return d == "after tickets";
                  });
  EXPECT_EQ(data, "after tickets");
  EXPECT_GE(tickets, 1) << "no resumable ticket kept";
  for (KtlsControl control : seen) {
    EXPECT_EQ(control, KtlsControl::kNewSessionTicket);
  }
  // Ours out through the kernel: the peer sees a clean end of stream.
  ASSERT_EQ(KtlsSendCloseNotify(t.client_fd), 0);
  char byte;
  EXPECT_EQ(SSL_read(t.server.get(), &byte, 1), 0);
  EXPECT_EQ(SSL_get_error(t.server.get(), 0), SSL_ERROR_ZERO_RETURN);
  // Theirs in.
  SSL_shutdown(t.server.get());
  seen = ReadRecords(t, &data, &tickets,
                     [](const std::vector<KtlsControl>& s, const std::string&) {
                       return !s.empty();
                     });
  EXPECT_EQ(seen, std::vector<KtlsControl>{KtlsControl::kCloseNotify});
}

TEST(KtlsKernelControlTest, KeyUpdateIsRecognisedNotFatal) {
  Tls13Connection t;
  ASSERT_NO_FATAL_FAILURE(ConnectTls13(&t));
  if (IsSkipped()) return;
  ASSERT_EQ(SSL_write(t.server.get(), "before", 6), 6);
  ASSERT_EQ(SSL_key_update(t.server.get(), SSL_KEY_UPDATE_NOT_REQUESTED), 1);
  ASSERT_EQ(SSL_write(t.server.get(), "after", 5), 5);  // new keys
  std::string data;
  int tickets = 0;
  std::vector<KtlsControl> seen =
      ReadRecords(t, &data, &tickets,
                  [](const std::vector<KtlsControl>& s, const std::string&) {
                    return !s.empty() && s.back() == KtlsControl::kKeyUpdate;
                  });
  EXPECT_EQ(data, "before");
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), KtlsControl::kKeyUpdate);
}

// TLS 1.3 with every suite, which only an OpenSSL peer lets us choose:
// `openssl s_server -www` (also in the VM) answers a request the kernel
// sealed with a page the kernel opens, its NewSessionTickets arriving as
// handshake records first.
struct OpensslSuite {
  const char* name;
  const char* suite;
  KtlsCipher cipher;
};

class KtlsKernelOpensslTest : public testing::TestWithParam<OpensslSuite> {};

TEST_P(KtlsKernelOpensslTest, KernelTalksToOpenssl) {
  const OpensslSuite& c = GetParam();
  if (!OpensslServer::Available()) {
    if (getenv("RINGWAY_REQUIRE_KTLS") != nullptr) FAIL() << "no openssl";
    GTEST_SKIP() << "no openssl command";
  }
  OpensslServer server;
  const int port = server.StartWww(GetTestPki().a_ecdsa,
                                   {"-tls1_3", "-ciphersuites", c.suite});
  ASSERT_GT(port, 0);
  const int fd = ConnectLoopback(port, 20);
  ASSERT_GE(fd, 0);
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  SSL_CTX_set_min_proto_version(ctx.get(), 0x0304);
  bssl::UniquePtr<SSL> ssl(SSL_new(ctx.get()));
  SSL_set_fd(ssl.get(), fd);
  ASSERT_EQ(SSL_connect(ssl.get()), 1);
  absl::StatusOr<KtlsKeys> keys =
      ExportKtlsKeys(ssl.get(), KtlsDirection::kTransmit);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->cipher, c.cipher);
  const std::string why = EnableKtls(fd, ssl.get());
  if (!why.empty()) {
    close(fd);
    if (getenv("RINGWAY_REQUIRE_KTLS") != nullptr) FAIL() << why;
    GTEST_SKIP() << "no kernel TLS here: " << why;
  }
  const std::string request = "GET / HTTP/1.0\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  std::string page;
  int tickets = 0;
  std::vector<uint8_t> buffer(32 * 1024);
  for (int i = 0; i < 200 && page.find("</HTML>") == std::string::npos; ++i) {
    uint8_t type = 0;
    const ssize_t n = KtlsReceive(fd, buffer, &type);
    if (n <= 0) break;
    const std::span<const uint8_t> record(buffer.data(),
                                          static_cast<size_t>(n));
    if (type == kRecordApplicationData) {
      page.append(reinterpret_cast<const char*>(record.data()), record.size());
    } else if (type == kRecordHandshake) {
      std::vector<HandshakeMessage> messages;
      ASSERT_TRUE(SplitHandshakeMessages(record, &messages));
      for (const HandshakeMessage& m : messages) {
        EXPECT_EQ(ClassifyHandshakeMessage(m), KtlsControl::kNewSessionTicket);
        ++tickets;
      }
    } else {
      break;  // close_notify
    }
  }
  close(fd);
  EXPECT_GE(tickets, 1);
  EXPECT_EQ(page.rfind("HTTP/1.0 200 ok", 0), 0u) << page.substr(0, 200);
  EXPECT_NE(page.find(absl::StrCat("Cipher is ", c.suite)), std::string::npos)
      << page;
}

INSTANTIATE_TEST_SUITE_P(
    Openssl, KtlsKernelOpensslTest,
    testing::Values(OpensslSuite{"Aes128Gcm", "TLS_AES_128_GCM_SHA256",
                                 KtlsCipher::kAes128Gcm},
                    OpensslSuite{"Aes256Gcm", "TLS_AES_256_GCM_SHA384",
                                 KtlsCipher::kAes256Gcm},
                    OpensslSuite{"Chacha20", "TLS_CHACHA20_POLY1305_SHA256",
                                 KtlsCipher::kChacha20Poly1305}),
    [](const testing::TestParamInfo<OpensslSuite>& info) {
      return std::string(info.param.name);
    });

std::vector<Case> Cases() {
  const Case base[] = {
      {"Tls12Aes128Gcm", 0x0303, "ECDHE-ECDSA-AES128-GCM-SHA256",
       KtlsCipher::kAes128Gcm, false},
      {"Tls12Aes256Gcm", 0x0303, "ECDHE-ECDSA-AES256-GCM-SHA384",
       KtlsCipher::kAes256Gcm, false},
      {"Tls12Chacha20", 0x0303, "ECDHE-ECDSA-CHACHA20-POLY1305",
       KtlsCipher::kChacha20Poly1305, false},
      // BoringSSL picks AES-128-GCM where AES runs in hardware.
      {"Tls13Aes128Gcm", 0x0304, "", KtlsCipher::kAes128Gcm, false},
  };
  std::vector<Case> cases;
  for (Case c : base) {
    cases.push_back(c);
    c.kernel_is_server = true;
    cases.push_back(c);
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Kernel, KtlsKernelTest, testing::ValuesIn(Cases()),
                         [](const testing::TestParamInfo<Case>& info) {
                           return absl::StrCat(info.param.name,
                                               info.param.kernel_is_server
                                                   ? "_Server"
                                                   : "_Client");
                         });

}  // namespace
}  // namespace ringway::tls
