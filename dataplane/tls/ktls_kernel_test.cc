// kTLS with the real kernel: keys exported from BoringSSL installed on a
// TCP socket (TCP_ULP "tls", TLS_TX, TLS_RX), then a megabyte each way
// between that socket (plain send/recv: the kernel seals and opens the
// records) and a BoringSSL peer, compared byte for byte, and the kernel's
// own counters (/proc/net/tls_stat) showing it did the records.
//
// Needs a kernel with the `tls` module, so it runs inside the VM that
// //test:ktls_vm_test boots; elsewhere each case is skipped, saying why,
// unless RINGWAY_REQUIRE_KTLS=1 (set inside the VM) makes that a failure.

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "dataplane/tls/ktls_kernel_test_util.h"
#include "dataplane/tls/ktls_keys.h"
#include "dataplane/tls/ktls_socket.h"
#include "dataplane/tls/ktls_test_cases.h"
#include "dataplane/tls/test_server_ctx.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringway::tls {
namespace {

constexpr size_t kTransferBytes = 1 << 20;

using Case = KtlsTestCase;

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
  bssl::UniquePtr<SSL_CTX> server_ctx =
      TestServerCtx(c.version, c.cipher_list, /*tickets=*/false);
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

INSTANTIATE_TEST_SUITE_P(Kernel, KtlsKernelTest,
                         testing::ValuesIn(KtlsTestCases()), KtlsTestCaseName);

// The start-up probe ringway's `ktls: AUTO` relies on: every cipher where
// the kernel has kTLS, and a reason (not a crash, not a guess) where not.
TEST(KtlsProbeTest, FindsWhatTheKernelTakes) {
  const KtlsSupport support = ProbeKtlsSupport();
  if (!support.available) {
    EXPECT_THAT(support.reason, testing::HasSubstr("TCP_ULP tls: "));
    EXPECT_EQ(support.Describe(), "unavailable (" + support.reason + ")");
    if (getenv("RINGWAY_REQUIRE_KTLS") != nullptr) FAIL() << support.reason;
    GTEST_SKIP() << "no kTLS here: " << support.reason;
  }
  EXPECT_EQ(support.Describe(), "aes-128-gcm aes-256-gcm chacha20-poly1305");
  EXPECT_EQ(&KernelKtlsSupport(), &KernelKtlsSupport());  // probed once
}

}  // namespace
}  // namespace ringway::tls
