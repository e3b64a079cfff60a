// Starts an in-process ringway (the same RingwayServer the binary runs) on a
// route table written by the test, with listeners on kernel-chosen ports.

#ifndef RINGWAY_TEST_SUPPORT_PROXY_FIXTURE_H_
#define RINGWAY_TEST_SUPPORT_PROXY_FIXTURE_H_

#include <signal.h>
#include <sys/resource.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "control/ringway_server.h"
#include "gtest/gtest.h"

namespace ringway::test {

// One listener "l4" on 127.0.0.1:0 relaying to group "g" of `servers`.
inline std::string TcpTable(const std::vector<std::string>& servers,
                            const std::string& extra_listener_fields = "",
                            const std::string& extra_group_fields = "") {
  std::string table = absl::StrCat(
      "listeners { name: \"l4\" address: \"127.0.0.1:0\" tcp_proxy { "
      "upstream_group: \"g\" } ",
      extra_listener_fields, " }\nupstream_groups { name: \"g\" ",
      extra_group_fields);
  for (const std::string& s : servers) {
    absl::StrAppend(&table, " servers { address: \"", s, "\" }");
  }
  return table + " }\n";
}

inline std::unique_ptr<control::RingwayServer> StartProxy(
    const std::string& table, int shards = 0) {
  // Relays hold six fds per connection; tests open a thousand.
  rlimit files;
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
  // As ringway's main(): a peer's reset must not kill the process.
  signal(SIGPIPE, SIG_IGN);
  control::ServerOptions options;
  options.config_text = table;
  options.config_source = "test";
  options.shards = shards;
  auto server = control::RingwayServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

}  // namespace ringway::test

#endif  // RINGWAY_TEST_SUPPORT_PROXY_FIXTURE_H_
