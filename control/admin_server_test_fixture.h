// The admin socket server under test (admin_server_test.cc: its commands;
// admin_server_access_test.cc: who may use it and clients that misbehave):
// a RingwayServer on a unique socket path, raw exchanges with it as
// ringwayctl makes them, and upstreams that refuse every connection.
//
// Self-contained on purpose: //test/support depends on //control (the proxy
// fixture), so using its helpers here would tie the two packages in a cycle.

#ifndef RINGWAY_CONTROL_ADMIN_SERVER_TEST_FIXTURE_H_
#define RINGWAY_CONTROL_ADMIN_SERVER_TEST_FIXTURE_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "control/admin_protocol.h"
#include "control/admin_request.h"
#include "control/admin_server.h"
#include "control/admin_text.h"
#include "control/ringway_server.h"
#include "dataplane/address/socket_address.h"
#include "dataplane/stats/shard_stats.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/admin.pb.h"

namespace ringway::control::admin_test {

// One TCP listener "l4" relaying to group "g" = {server}.
inline std::string Table(const std::string& server) {
  return absl::StrCat(
      "listeners { name: \"l4\" address: \"127.0.0.1:0\" tcp_proxy { "
      "upstream_group: \"g\" } }\n"
      "upstream_groups { name: \"g\" servers { address: \"",
      server, "\" } }\n");
}

// Two errors: an unknown group and a bad port.
inline constexpr char kBadTable[] =
    "listeners { name: \"l4\" address: \"127.0.0.1:0\" tcp_proxy { "
    "upstream_group: \"nope\" } }\n"
    "upstream_groups { name: \"g\" servers { address: \"127.0.0.1:99999\" } "
    "}\n";

// A socket path in a fresh directory of this test's (mode 0700), short
// enough for sun_path.
inline std::string UniqueSocketPath() {
  char dir[] = "/tmp/ringway-admin-test-XXXXXX";
  if (mkdtemp(dir) == nullptr) return "/nonexistent/admin.sock";
  return std::string(dir) + "/admin.sock";
}

// Polls `done` every 5 ms for up to 5 s.
template <typename Predicate>
inline bool WaitFor(Predicate done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    usleep(5000);
  }
  return done();
}

// 30 s send and receive timeouts: a wedged server fails the test.
inline void SetTimeouts(int fd) {
  timeval timeout{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
}

// A connected admin client, or -1.
inline int ConnectAdmin(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  SetTimeouts(fd);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return -1;
  }
  return fd;
}

// A connected TCP client, or -1.
inline int ConnectTcp(const address::SocketAddress& to) {
  int fd = socket(to.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  SetTimeouts(fd);
  if (connect(fd, to.sockaddr_ptr(), to.length()) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

inline bool SendAll(int fd, const std::string& data) {
  for (size_t off = 0; off < data.size();) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += n;
  }
  return true;
}

// Everything the peer sent up to its close; a marker if it was not a
// clean close (the read timed out or failed).
inline std::string ReadReply(int fd) {
  std::string reply;
  char buffer[64 * 1024];
  while (true) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n == 0) return reply;
    if (n < 0) return reply + "<no EOF: read timed out or failed>";
    reply.append(buffer, n);
  }
}

// A TCP port on 127.0.0.1 that refuses connections: bound, never listening,
// so the kernel answers SYNs with a reset. Held for the test's duration, so
// no other socket can take the port.
class RefusingUpstream {
 public:
  RefusingUpstream() : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) ==
            0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      address_ = absl::StrCat("127.0.0.1:", ntohs(address.sin_port));
    }
  }
  ~RefusingUpstream() { close(fd_); }
  RefusingUpstream(const RefusingUpstream&) = delete;
  RefusingUpstream& operator=(const RefusingUpstream&) = delete;

  // "127.0.0.1:port"; "" if it could not bind.
  const std::string& address() const { return address_; }

 private:
  int fd_;
  std::string address_;
};

inline admin::Request Apply(const std::string& table,
                            const std::string& source) {
  admin::Request request;
  request.mutable_apply_routes()->set_table(table);
  request.mutable_apply_routes()->set_source(source);
  return request;
}

inline admin::Request Diff(const std::string& table) {
  admin::Request request;
  request.mutable_diff_routes()->set_table(table);
  return request;
}

inline admin::Request Show() {
  admin::Request request;
  request.mutable_show_routes();
  return request;
}

inline admin::Request Rollback() {
  admin::Request request;
  request.mutable_rollback_routes();
  return request;
}

inline admin::Request GetStats() {
  admin::Request request;
  request.mutable_get_stats();
  return request;
}

inline std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // As ringway's main(): a client that hung up must not kill the process
    // when the server writes its answer.
    signal(SIGPIPE, SIG_IGN);
    ASSERT_NE(first_.address(), "");
    ASSERT_NE(second_.address(), "");
    socket_path_ = UniqueSocketPath();
    ServerOptions options;
    options.config_text = Table(first_.address());
    options.config_source = "test";
    options.shards = 1;
    options.admin_socket = socket_path_;
    auto server = RingwayServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  void TearDown() override {
    server_.reset();
    // The server removes its socket file when it stops.
    EXPECT_NE(access(socket_path_.c_str(), F_OK), 0) << socket_path_;
  }

  // Raw bytes, then EOF; what came back.
  std::string ExchangeBytes(const std::string& bytes) {
    int fd = ConnectAdmin(socket_path_);
    if (fd < 0) return "<cannot connect to " + socket_path_ + ">";
    bool sent = SendAll(fd, bytes);
    shutdown(fd, SHUT_WR);
    std::string reply = ReadReply(fd);
    close(fd);
    return sent ? reply : reply + "<request not fully sent>";
  }

  // One request as ringwayctl sends it. A reply that does not parse fails
  // the test (and comes back with its message saying so).
  admin::Reply Exchange(const admin::Request& request) {
    const std::string bytes = ExchangeBytes(FormatAdminRequest(request));
    return ParseReply(bytes);
  }

  static admin::Reply ParseReply(const std::string& bytes) {
    admin::Reply reply;
    if (!reply.ParseFromString(bytes)) {
      ADD_FAILURE() << "not an admin::Reply: " << bytes;
      reply.set_status(admin::Reply::BAD_REQUEST);
      reply.set_message("<unparsable reply>");
    }
    return reply;
  }

  uint64_t version() { return server_->routes().current()->version; }

  // The table the shard serves new connections from: what an apply or a
  // rollback changed where it matters, not only in the RouteTable.
  uint64_t shard_version() {
    return server_->shard(0).stats().snapshot_version.load();
  }

  // Upstreams of the start-up table and of the one tests apply. Neither
  // accepts: no test needs bytes relayed, and "refused" moves counters.
  RefusingUpstream first_;
  RefusingUpstream second_;
  std::string socket_path_;
  std::unique_ptr<RingwayServer> server_;
};

}  // namespace ringway::control::admin_test

#endif  // RINGWAY_CONTROL_ADMIN_SERVER_TEST_FIXTURE_H_
