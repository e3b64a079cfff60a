// The `ktls` mode of TLS-terminating listeners and re-encrypting groups:
// AUTO by default, OFF and ON taken, and ON refused (naming the kernel's
// reason) on a kernel without kTLS, on every kind of listener and group.

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "control/certificate_files_fixture.h"
#include "control/config_compiler.h"
#include "dataplane/tls/ktls_socket.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringway::control {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class KtlsConfigTest : public CertificateFilesTest {
 protected:
  // A tls_terminate listener to a re-encrypting group, with `listener` and
  // `group` inside their tls blocks.
  std::string Table(const std::string& listener, const std::string& group) {
    return absl::StrCat(
        "listeners { name: \"term\" address: \"127.0.0.1:0\" tls_terminate { "
        "tls { ",
        Cert("a.pem", "a.key"), " ", listener,
        " } upstream_group: \"tls\" } }\n"
        "upstream_groups { name: \"tls\" servers { address: \"127.0.0.1:1\" } "
        "tls { ",
        group, " } }");
  }
};

TEST_F(KtlsConfigTest, AutoByDefaultAndOffTaken) {
  CompileResult result = CompileConfigText(Table("", ""));
  ASSERT_TRUE(result.ok()) << absl::StrJoin(result.errors, "\n");
  EXPECT_EQ(result.snapshot->listeners[0].http.ktls, route::KtlsMode::kAuto);
  EXPECT_EQ(result.snapshot->groups[0].ktls, route::KtlsMode::kAuto);

  result = CompileConfigText(Table("ktls: OFF", "ktls: OFF"));
  ASSERT_TRUE(result.ok()) << absl::StrJoin(result.errors, "\n");
  EXPECT_EQ(result.snapshot->listeners[0].http.ktls, route::KtlsMode::kOff);
  EXPECT_EQ(result.snapshot->groups[0].ktls, route::KtlsMode::kOff);
}

// Which branch runs depends on the kernel: here (no `tls` module) ON is
// refused; inside the kTLS VM it is taken.
TEST_F(KtlsConfigTest, OnNeedsAKernelWithKtls) {
  CompileResult result = CompileConfigText(Table("ktls: ON", "ktls: ON"));
  const tls::KtlsSupport& kernel = tls::KernelKtlsSupport();
  if (kernel.available) {
    ASSERT_TRUE(result.ok()) << absl::StrJoin(result.errors, "\n");
    EXPECT_EQ(result.snapshot->listeners[0].http.ktls, route::KtlsMode::kOn);
    EXPECT_EQ(result.snapshot->groups[0].ktls, route::KtlsMode::kOn);
    return;
  }
  EXPECT_FALSE(kernel.reason.empty());
  EXPECT_THAT(
      result.errors,
      ElementsAre(
          AllOf(HasSubstr("upstream_groups[0].tls.ktls: ON, but this kernel "
                          "has no kTLS ("),
                HasSubstr(kernel.reason)),
          HasSubstr("listeners[0].tls_terminate.tls.ktls: ON, but this kernel "
                    "has no kTLS")));
}

// HTTPS listeners and the groups behind HTTP locations hand their records
// to the kernel too: ON is taken there where the kernel has kTLS, and
// refused, naming the reason, where it has not.
TEST_F(KtlsConfigTest, HttpsListenersAndHttpGroupsTakeOn) {
  CompileResult result = CompileConfigText(absl::StrCat(
      "listeners { name: \"web\" address: \"127.0.0.1:0\" https { tls { ",
      Cert("a.pem", "a.key"),
      " ktls: ON } virtual_hosts { server_names: \"a.example.org\" "
      "locations { path_prefix: \"/\" upstream_group: \"g\" } } } }\n"
      "upstream_groups { name: \"g\" servers { address: \"127.0.0.1:1\" } "
      "tls { ktls: ON } }"));
  if (tls::KernelKtlsSupport().available) {
    ASSERT_TRUE(result.ok()) << absl::StrJoin(result.errors, "\n");
    EXPECT_EQ(result.snapshot->listeners[0].http.ktls, route::KtlsMode::kOn);
    EXPECT_EQ(result.snapshot->groups[0].ktls, route::KtlsMode::kOn);
    return;
  }
  EXPECT_THAT(
      result.errors,
      ElementsAre(HasSubstr("upstream_groups[0].tls.ktls: ON, but this kernel "
                            "has no kTLS"),
                  HasSubstr("listeners[0].https.tls.ktls: ON, but this kernel "
                            "has no kTLS")));
}

}  // namespace
}  // namespace ringway::control
