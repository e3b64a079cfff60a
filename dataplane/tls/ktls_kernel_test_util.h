// Helpers of the kernel kTLS tests (ktls_kernel_test.cc,
// ktls_kernel_records_test.cc), which run inside the VM of
// //test:ktls_vm_test.

#ifndef RINGWAY_DATAPLANE_TLS_KTLS_KERNEL_TEST_UTIL_H_
#define RINGWAY_DATAPLANE_TLS_KTLS_KERNEL_TEST_UTIL_H_

#include <openssl/ssl.h>

#include <cstdint>
#include <map>
#include <string>

namespace ringway::tls {

// /proc/net/tls_stat by name.
std::map<std::string, long> TlsStats();

// A connected TCP pair over loopback (gtest assertions on failure).
void ConnectedPair(int* client, int* server);

// Installs the kernel's record layer on `fd` with `ssl`'s keys. Returns ""
// or why it could not.
std::string EnableKtls(int fd, const SSL* ssl);

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_KTLS_KERNEL_TEST_UTIL_H_
