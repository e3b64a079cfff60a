// The kTLS test matrix shared by the software-model test
// (ktls_keys_test.cc) and the real-kernel test (ktls_kernel_test.cc), so
// both cover the same connections: TLS 1.2 with each AEAD the kernel has,
// TLS 1.3 with the suite BoringSSL picks, the kernel (or its model) on the
// client side and on the server side.

#ifndef RINGWAY_DATAPLANE_TLS_KTLS_TEST_CASES_H_
#define RINGWAY_DATAPLANE_TLS_KTLS_TEST_CASES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/tls/ktls_keys.h"
#include "gtest/gtest.h"

namespace ringway::tls {

struct KtlsTestCase {
  const char* name;
  uint16_t version;
  const char* cipher_list;  // TLS 1.2 only
  KtlsCipher cipher;
  bool kernel_is_server;  // the side whose keys go to the kernel (model)
};

inline std::vector<KtlsTestCase> KtlsTestCases() {
  const KtlsTestCase base[] = {
      {"Tls12Aes128Gcm", 0x0303, "ECDHE-ECDSA-AES128-GCM-SHA256",
       KtlsCipher::kAes128Gcm, false},
      {"Tls12Aes256Gcm", 0x0303, "ECDHE-ECDSA-AES256-GCM-SHA384",
       KtlsCipher::kAes256Gcm, false},
      {"Tls12Chacha20", 0x0303, "ECDHE-ECDSA-CHACHA20-POLY1305",
       KtlsCipher::kChacha20Poly1305, false},
      // BoringSSL picks AES-128-GCM where AES runs in hardware.
      {"Tls13Aes128Gcm", 0x0304, "", KtlsCipher::kAes128Gcm, false},
  };
  std::vector<KtlsTestCase> cases;
  for (KtlsTestCase c : base) {
    cases.push_back(c);
    c.kernel_is_server = true;
    cases.push_back(c);
  }
  return cases;
}

inline std::string KtlsTestCaseName(
    const testing::TestParamInfo<KtlsTestCase>& info) {
  return std::string(info.param.name) +
         (info.param.kernel_is_server ? "_Server" : "_Client");
}

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_KTLS_TEST_CASES_H_
