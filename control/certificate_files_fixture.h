// A test fixture for config compiler tests that need certificate files: the
// test PKI's files in a fresh directory (keys mode 0600, one 0644 to be
// refused), and the `certificates { ... }` text naming them.

#ifndef RINGWAY_CONTROL_CERTIFICATE_FILES_FIXTURE_H_
#define RINGWAY_CONTROL_CERTIFICATE_FILES_FIXTURE_H_

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "dataplane/tls/test_pki.h"
#include "gtest/gtest.h"

namespace ringway::control {

class CertificateFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/ringway-config-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    const tls::TestPki& pki = tls::GetTestPki();
    Write("a.pem", pki.a_ecdsa.cert_pem, 0644);
    Write("a.key", pki.a_ecdsa.key_pem, 0600);
    Write("open.key", pki.a_ecdsa.key_pem, 0644);
    Write("rsa.key", pki.a_rsa.key_pem, 0600);  // not a.pem's key
  }
  void TearDown() override {
    EXPECT_EQ(std::system(absl::StrCat("rm -rf ", dir_).c_str()), 0);
  }
  void Write(const std::string& name, const std::string& text, mode_t mode) {
    std::string path = absl::StrCat(dir_, "/", name);
    std::ofstream(path) << text;
    chmod(path.c_str(), mode);
  }
  std::string Cert(const std::string& cert, const std::string& key) const {
    return absl::StrCat("certificates { cert_file: \"", dir_, "/", cert,
                        "\" key_file: \"", dir_, "/", key, "\" }");
  }
  std::string dir_;
};

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_CERTIFICATE_FILES_FIXTURE_H_
