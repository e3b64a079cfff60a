#include <liburing.h>
#include <openssl/ssl.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
TEST(Smoke, Links) {
  struct io_uring ring;
  ASSERT_EQ(io_uring_queue_init(8, &ring, 0), 0);
  io_uring_queue_exit(&ring);
  SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  ASSERT_NE(ctx, nullptr);
  SSL_CTX_free(ctx);
  EXPECT_EQ(absl::StrCat("a", 1), "a1");
#ifndef OPENSSL_IS_BORINGSSL
#error not BoringSSL
#endif
}
