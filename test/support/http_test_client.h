// Plain-HTTP helpers for the HTTP proxy's integration tests: route tables
// in front of the echo backend, and a raw-socket client that reads whole
// responses framed by Content-Length.

#ifndef RINGWAY_TEST_SUPPORT_HTTP_TEST_CLIENT_H_
#define RINGWAY_TEST_SUPPORT_HTTP_TEST_CLIENT_H_

#include <unistd.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "dataplane/address/socket_address.h"
#include "gtest/gtest.h"
#include "test/support/tcp_client.h"

namespace ringway::test {

inline std::string Group(const std::string& name, const std::string& address,
                         const std::string& extra = "") {
  return absl::StrCat("upstream_groups { name: \"", name,
                      "\" servers { address: \"", address, "\" } ", extra,
                      " }\n");
}

// Plain HTTP listener "web": vhost app.test → group "app", with an HSTS
// header added; `extra` goes inside http {}.
inline std::string PlainTable(const std::string& backend,
                              const std::string& extra = "") {
  return absl::StrCat(
      "listeners { name: \"web\" address: \"127.0.0.1:0\" http { ",
      "virtual_hosts { server_names: \"app.test\" ",
      "locations { path_prefix: \"/\" upstream_group: \"app\" } ",
      "response_headers { name: \"Strict-Transport-Security\" value: "
      "\"max-age=63072000\" } ",
      "response_headers { name: \"X-Content-Type-Options\" value: "
      "\"nosniff\" } } ",
      extra, " } }\n", Group("app", backend));
}

// Everything `fd` sends until the response `count` is complete, where each
// response is framed by Content-Length (the tests' backend always sets it).
inline std::string ReadResponses(int fd, int count) {
  std::string all;
  size_t pos = 0;
  for (int i = 0; i < count; ++i) {
    size_t end;
    while ((end = all.find("\r\n\r\n", pos)) == std::string::npos) {
      std::string more = ReadExactly(fd, 1);
      if (more.empty()) return all;
      all += more;
    }
    std::string head = all.substr(pos, end + 4 - pos);
    size_t length = 0;
    for (absl::string_view line : absl::StrSplit(head, "\r\n")) {
      if (absl::StartsWithIgnoreCase(line, "content-length:")) {
        length = std::stoul(std::string(line.substr(15)));
      }
    }
    size_t have = all.size() - (end + 4);
    if (have < length) all += ReadExactly(fd, length - have);
    pos = end + 4 + length;
  }
  return all;
}

inline std::string RoundTrip(const address::SocketAddress& to,
                             const std::string& request, int responses = 1) {
  int fd = ConnectTo(to);
  EXPECT_GE(fd, 0);
  EXPECT_TRUE(SendAll(fd, request));
  std::string reply = ReadResponses(fd, responses);
  close(fd);
  return reply;
}

}  // namespace ringway::test

#endif  // RINGWAY_TEST_SUPPORT_HTTP_TEST_CLIENT_H_
