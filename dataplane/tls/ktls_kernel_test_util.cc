#include "dataplane/tls/ktls_kernel_test_util.h"

#include <arpa/inet.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "dataplane/tls/ktls_keys.h"
#include "dataplane/tls/ktls_socket.h"
#include "dataplane/tls/test_pki.h"
#include "gtest/gtest.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

namespace ringway::tls {

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

std::string EnableKtls(int fd, const SSL* ssl) {
  absl::Status installed = InstallKtls(fd, ssl);
  return installed.ok() ? "" : std::string(installed.message());
}

}  // namespace ringway::tls
