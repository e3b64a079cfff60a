// The admin socket as ringwayctl uses it (control/admin_protocol.h): one
// serialized admin::Request per connection, then EOF; the answer is a
// serialized admin::Reply. Every command's reply, the requests it must
// refuse, and clients that misbehave without wedging it.
//
// Self-contained on purpose: //test/support depends on //control (the proxy
// fixture), so using its helpers here would tie the two packages in a cycle.

#include "control/admin_server.h"

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
#include "control/admin_text.h"
#include "control/ringway_server.h"
#include "dataplane/address/socket_address.h"
#include "dataplane/stats/shard_stats.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/admin.pb.h"

namespace ringway::control {
namespace {

using stats::Counter;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

// One TCP listener "l4" relaying to group "g" = {server}.
std::string Table(const std::string& server) {
  return absl::StrCat(
      "listeners { name: \"l4\" address: \"127.0.0.1:0\" tcp_proxy { "
      "upstream_group: \"g\" } }\n"
      "upstream_groups { name: \"g\" servers { address: \"",
      server, "\" } }\n");
}

// Two errors: an unknown group and a bad port.
constexpr char kBadTable[] =
    "listeners { name: \"l4\" address: \"127.0.0.1:0\" tcp_proxy { "
    "upstream_group: \"nope\" } }\n"
    "upstream_groups { name: \"g\" servers { address: \"127.0.0.1:99999\" } "
    "}\n";

// A socket path in a fresh directory of this test's (mode 0700), short
// enough for sun_path.
std::string UniqueSocketPath() {
  char dir[] = "/tmp/ringway-admin-test-XXXXXX";
  if (mkdtemp(dir) == nullptr) return "/nonexistent/admin.sock";
  return std::string(dir) + "/admin.sock";
}

// Polls `done` every 5 ms for up to 5 s.
template <typename Predicate>
bool WaitFor(Predicate done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    usleep(5000);
  }
  return done();
}

// 30 s send and receive timeouts: a wedged server fails the test.
void SetTimeouts(int fd) {
  timeval timeout{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
}

// A connected admin client, or -1.
int ConnectAdmin(const std::string& path) {
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
int ConnectTcp(const address::SocketAddress& to) {
  int fd = socket(to.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  SetTimeouts(fd);
  if (connect(fd, to.sockaddr_ptr(), to.length()) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  for (size_t off = 0; off < data.size();) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += n;
  }
  return true;
}

// Everything the peer sent up to its close; a marker if it was not a
// clean close (the read timed out or failed).
std::string ReadReply(int fd) {
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

admin::Request Apply(const std::string& table, const std::string& source) {
  admin::Request request;
  request.mutable_apply_routes()->set_table(table);
  request.mutable_apply_routes()->set_source(source);
  return request;
}

admin::Request Diff(const std::string& table) {
  admin::Request request;
  request.mutable_diff_routes()->set_table(table);
  return request;
}

admin::Request Show() {
  admin::Request request;
  request.mutable_show_routes();
  return request;
}

admin::Request Rollback() {
  admin::Request request;
  request.mutable_rollback_routes();
  return request;
}

admin::Request GetStats() {
  admin::Request request;
  request.mutable_get_stats();
  return request;
}

std::vector<std::string> Lines(const std::string& text) {
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

TEST_F(AdminServerTest, RoutesShowDescribesTheRunningTable) {
  auto current = server_->routes().current();
  admin::Reply reply = Exchange(Show());
  EXPECT_EQ(reply.status(), admin::Reply::OK);
  const admin::RouteTable& table = reply.route_table();
  EXPECT_EQ(table.version(), 1u);
  EXPECT_EQ(table.content_hash(), current->content_hash);
  EXPECT_EQ(table.source(), "test");
  EXPECT_THAT(table.applied_at(),
              testing::MatchesRegex("20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9]"
                                    "[0-9]:[0-9][0-9]:[0-9][0-9]\\+00:00"));
  EXPECT_EQ(table.listeners(), 1u);
  EXPECT_EQ(table.upstream_groups(), 1u);
  EXPECT_EQ(table.config(), current->config_text);
  // ringwayctl's text of it.
  EXPECT_THAT(RouteTableText(table),
              StartsWith("version: 1\ncontent_hash: " + current->content_hash +
                         "\nsource: test\napplied_at: "));
  EXPECT_THAT(RouteTableText(table),
              HasSubstr("\nlisteners: 1\nupstream_groups: 1\n---\n" +
                        current->config_text));
}

TEST_F(AdminServerTest, ApplyOfAValidTablePublishesANewVersion) {
  admin::Reply reply =
      Exchange(Apply(Table(second_.address()), "next.textproto"));
  auto current = server_->routes().current();
  EXPECT_EQ(reply.status(), admin::Reply::OK);
  EXPECT_EQ(reply.message(),
            "applied: version 2, content hash " + current->content_hash);
  EXPECT_TRUE(reply.errors().empty());
  EXPECT_EQ(reply.route_table().version(), 2u);
  EXPECT_EQ(current->version, 2u);
  EXPECT_EQ(current->source, "next.textproto");
  EXPECT_THAT(current->config_text, HasSubstr(second_.address()));
  // Published: the shard serves new connections from it.
  EXPECT_EQ(shard_version(), 2u);
  const admin::RouteTable shown = Exchange(Show()).route_table();
  EXPECT_EQ(shown.version(), 2u);
  EXPECT_EQ(shown.content_hash(), current->content_hash);
  EXPECT_EQ(shown.source(), "next.textproto");
}

TEST_F(AdminServerTest, ApplyWithoutASourceNamesRingwayctl) {
  admin::Reply reply = Exchange(Apply(Table(second_.address()), ""));
  EXPECT_THAT(reply.message(), StartsWith("applied: version 2, "));
  EXPECT_EQ(server_->routes().current()->source, "ringwayctl");
}

TEST_F(AdminServerTest, ApplyOfAnInvalidTableIsRejectedWithItsErrors) {
  auto before = server_->routes().current();
  admin::Reply reply = Exchange(Apply(kBadTable, "bad.textproto"));
  EXPECT_EQ(reply.status(), admin::Reply::REJECTED);
  EXPECT_EQ(reply.message(),
            "rejected: 2 error(s); the running route table is unchanged");
  EXPECT_THAT(
      std::vector<std::string>(reply.errors().begin(), reply.errors().end()),
      UnorderedElementsAre(
          "listeners[0].tcp_proxy.upstream_group: unknown upstream group "
          "\"nope\"",
          StartsWith("upstream_groups[0].servers[0].address: bad port")));
  EXPECT_EQ(server_->routes().current(), before);
  EXPECT_EQ(version(), 1u);
  EXPECT_EQ(shard_version(), 1u);
  // A rejected table does not use up a version number either.
  EXPECT_THAT(Exchange(Apply(Table(second_.address()), "")).message(),
              StartsWith("applied: version 2, "));
}

TEST_F(AdminServerTest, ApplyThatMovesAListenerIsRejected) {
  std::string moved = Table(second_.address());
  moved.replace(moved.find("127.0.0.1:0"), 11, "127.0.0.1:1");
  admin::Reply reply = Exchange(Apply(moved, "moved"));
  EXPECT_EQ(reply.status(), admin::Reply::REJECTED);
  EXPECT_EQ(reply.message(),
            "rejected: 1 error(s); the running route table is unchanged");
  ASSERT_EQ(reply.errors_size(), 1);
  EXPECT_THAT(reply.errors(0), HasSubstr("needs a restart"));
  EXPECT_EQ(version(), 1u);
  EXPECT_EQ(shard_version(), 1u);
}

TEST_F(AdminServerTest, DiffShowsTheChangeAndAppliesNothing) {
  auto before = server_->routes().current();
  admin::Reply reply = Exchange(Diff(Table(second_.address())));
  EXPECT_EQ(reply.status(), admin::Reply::OK);
  EXPECT_EQ(reply.message(), "changes");
  std::vector<std::string> removed, added;
  for (const std::string& line : Lines(reply.diff())) {
    if (line.rfind("- ", 0) == 0) removed.push_back(line);
    if (line.rfind("+ ", 0) == 0) added.push_back(line);
  }
  EXPECT_THAT(removed, ElementsAre(HasSubstr(first_.address())));
  EXPECT_THAT(added, ElementsAre(HasSubstr(second_.address())));
  EXPECT_EQ(server_->routes().current(), before);
}

TEST_F(AdminServerTest, DiffOfTheRunningTableHasNoChanges) {
  admin::Reply reply = Exchange(Diff(Table(first_.address())));
  EXPECT_EQ(reply.status(), admin::Reply::OK);
  EXPECT_EQ(reply.message(), "no changes");
  EXPECT_EQ(reply.diff(), "");
}

TEST_F(AdminServerTest, DiffOfAnInvalidTableIsRejected) {
  admin::Reply reply = Exchange(Diff(kBadTable));
  EXPECT_EQ(reply.status(), admin::Reply::REJECTED);
  EXPECT_EQ(reply.message(),
            "rejected: 2 error(s); the running route table is unchanged");
  EXPECT_EQ(reply.errors_size(), 2);
  EXPECT_EQ(version(), 1u);
}

TEST_F(AdminServerTest, RollbackReturnsToThePreviousTableAsANewVersion) {
  auto first = server_->routes().current();
  ASSERT_THAT(Exchange(Apply(Table(second_.address()), "next")).message(),
              StartsWith("applied: version 2, "));
  ASSERT_EQ(shard_version(), 2u);
  admin::Reply reply = Exchange(Rollback());
  EXPECT_EQ(reply.status(), admin::Reply::OK);
  EXPECT_EQ(reply.message(),
            "rolled back: now version 3 (rollback to version 1 (test)), "
            "content hash " +
                first->content_hash);
  auto current = server_->routes().current();
  EXPECT_EQ(current->version, 3u);
  EXPECT_EQ(current->config_text, first->config_text);
  EXPECT_EQ(shard_version(), 3u);
  // Version 2 is not kept for a second rollback: history is exhausted.
  admin::Reply again = Exchange(Rollback());
  EXPECT_EQ(again.status(), admin::Reply::REJECTED);
  EXPECT_THAT(
      std::vector<std::string>(again.errors().begin(), again.errors().end()),
      ElementsAre("no earlier route table to roll back to"));
  EXPECT_EQ(version(), 3u);
}

TEST_F(AdminServerTest, RollbackWithoutHistoryIsRejected) {
  admin::Reply reply = Exchange(Rollback());
  EXPECT_EQ(reply.status(), admin::Reply::REJECTED);
  EXPECT_EQ(reply.message(),
            "rejected: 1 error(s); the running route table is unchanged");
  EXPECT_THAT(
      std::vector<std::string>(reply.errors().begin(), reply.errors().end()),
      ElementsAre("no earlier route table to roll back to"));
  EXPECT_EQ(version(), 1u);
}

// One client through "l4", whose only upstream refuses: the proxy closes
// it, and three counters move (total, refused, unavailable).
void OneRefusedConnection(const RingwayServer& server) {
  int fd = ConnectTcp(server.listener_address("l4"));
  ASSERT_GE(fd, 0);
  EXPECT_EQ(ReadReply(fd), "");  // closed by the proxy, nothing relayed
  close(fd);
  ASSERT_TRUE(WaitFor([&] {
    return server.Total(Counter::kUpstreamUnavailable) == 1 &&
           server.Total(Counter::kConnectionsOpen) == 0;
  }));
  ASSERT_EQ(server.Total(Counter::kConnectionsTotal), 1u);
  ASSERT_EQ(server.Total(Counter::kUpstreamConnectRefused), 1u);
}

TEST_F(AdminServerTest, StatsCountEveryCounterPerShardAndInTotal) {
  ASSERT_NO_FATAL_FAILURE(OneRefusedConnection(*server_));
  admin::Reply reply = Exchange(GetStats());
  EXPECT_EQ(reply.status(), admin::Reply::OK);
  const admin::Stats& stats = reply.stats();
  ASSERT_EQ(stats.shards_size(), 1);
  EXPECT_EQ(stats.shards(0).shard(), 0u);
  EXPECT_EQ(stats.shards(0).snapshot_version(), 1u);
  for (int c = 0; c < static_cast<int>(Counter::kNumCounters); ++c) {
    const Counter counter = static_cast<Counter>(c);
    const std::string name(stats::CounterName(counter));
    ASSERT_TRUE(stats.total().contains(name)) << name;
    EXPECT_EQ(stats.total().at(name), server_->Total(counter)) << name;
    EXPECT_EQ(stats.shards(0).counters().at(name), server_->Total(counter))
        << name;
  }
  EXPECT_EQ(stats.total().at("connections_total"), 1u);
  EXPECT_EQ(stats.total().at("upstream_connect_refused"), 1u);
  EXPECT_EQ(stats.total().at("upstream_unavailable"), 1u);
  // The refused server, out of rotation.
  ASSERT_EQ(stats.upstreams_size(), 1);
  const admin::UpstreamServer& server = stats.upstreams(0);
  EXPECT_EQ(server.group(), "g");
  EXPECT_EQ(server.server(), first_.address());
  EXPECT_FALSE(server.tls());
  EXPECT_THAT(server.state(), StartsWith("down"));
  EXPECT_EQ(server.connects_ok(), 0u);
  EXPECT_EQ(server.connect_failures(), 1u);
  EXPECT_EQ(server.marked_down(), 1u);
  EXPECT_EQ(server.check(), "");
  EXPECT_EQ(server.ktls_connections(), 0u);
  ASSERT_EQ(stats.listeners_size(), 1);
  EXPECT_EQ(stats.listeners(0).listener(), "l4");
  EXPECT_EQ(stats.listeners(0).ktls_connections(), 0u);
}

// ringwayctl's tables of the same stats: a row per counter in ringway's
// order, the servers, kTLS by listener.
TEST_F(AdminServerTest, StatsTextListsEveryCounter) {
  ASSERT_NO_FATAL_FAILURE(OneRefusedConnection(*server_));
  const std::string text = StatsText(Exchange(GetStats()).stats());
  std::vector<std::string> lines = Lines(text);
  // Counters (header + one per counter), upstream servers (header + the
  // one server), then kTLS by listener (header + the one listener).
  ASSERT_EQ(lines.size(), 5u + static_cast<int>(Counter::kNumCounters));
  std::vector<std::string> header =
      absl::StrSplit(lines[0], ' ', absl::SkipEmpty());
  EXPECT_THAT(header,
              ElementsAre("counter", StartsWith("shard0/cpu"), "total"));
  for (int c = 0; c < static_cast<int>(Counter::kNumCounters); ++c) {
    Counter counter = static_cast<Counter>(c);
    std::vector<std::string> row =
        absl::StrSplit(lines[1 + c], ' ', absl::SkipEmpty());
    std::string value = std::to_string(server_->Total(counter));
    // name, shard 0, total: one shard, so both are the total.
    EXPECT_THAT(row, ElementsAre(std::string(stats::CounterName(counter)),
                                 value, value));
  }
  const size_t servers = 1 + static_cast<int>(Counter::kNumCounters);
  EXPECT_THAT(lines[servers], StartsWith("group "));
  std::vector<std::string> row =
      absl::StrSplit(lines[servers + 1], ' ', absl::SkipEmpty());
  // group server tls state(2 words) active idle connects failures downs
  // reuses tls_full resumed tls_err check chk_ok chk_fail ktls ktls_fb.
  ASSERT_EQ(row.size(), 19u) << lines[servers + 1];
  EXPECT_EQ(row[0], "g");
  EXPECT_EQ(row[2], "no");
  EXPECT_EQ(row[3], "down");
  EXPECT_EQ(row[7], "0");   // connects
  EXPECT_EQ(row[8], "1");   // failures
  EXPECT_EQ(row[9], "1");   // times taken out
  EXPECT_EQ(row[14], "-");  // no active health checks
  EXPECT_EQ(row[17], "0");  // kTLS
  EXPECT_THAT(lines[servers + 2], StartsWith("listener "));
  std::vector<std::string> listener =
      absl::StrSplit(lines[servers + 3], ' ', absl::SkipEmpty());
  EXPECT_THAT(listener, ElementsAre("l4", "0", "0", "-"));
}

// Nobody else on the host drives ringway: the socket is mode 0600 in a
// directory of mode 0700, and even with both loosened a client of another
// uid is refused (by SO_PEERCRED) without an answer, while ringway's own
// user is served.
TEST_F(AdminServerTest, SocketIsMode0600AndOtherUsersAreRefused) {
  struct stat info {};
  ASSERT_EQ(stat(socket_path_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  if (getuid() != 0) GTEST_SKIP() << "connecting as another user needs root";
  // Loosened: the directory (0700, ringway's own) and the socket both.
  const std::string dir = socket_path_.substr(0, socket_path_.rfind('/'));
  ASSERT_EQ(chmod(dir.c_str(), 0711), 0);
  ASSERT_EQ(chmod(socket_path_.c_str(), 0666), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // As nobody: connect, ask, and report whether an answer came.
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
    int fd = ConnectAdmin(socket_path_);
    if (fd < 0) _exit(2);
    // (The refusal may close the socket before this write: EPIPE.)
    const std::string request = FormatAdminRequest(GetStats());
    ssize_t ignored = write(fd, request.data(), request.size());
    (void)ignored;
    shutdown(fd, SHUT_WR);
    char byte;
    _exit(read(fd, &byte, 1) > 0 ? 1 : 0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: answered; 2: no connect; 3: setuid";
  EXPECT_EQ(Exchange(GetStats()).status(), admin::Reply::OK);
}

TEST_F(AdminServerTest, BytesThatAreNotARequestAreRefused) {
  admin::Reply garbage =
      ParseReply(ExchangeBytes(std::string("\xff\xff\xff", 3)));
  EXPECT_EQ(garbage.status(), admin::Reply::BAD_REQUEST);
  EXPECT_THAT(garbage.message(), HasSubstr("not an admin request"));
  // An older ringwayctl's text protocol gets an answer it can read: exit
  // code 2 and why, not a protobuf it would misread as success.
  for (const char* old : {"routes.apply x\nlisteners {}\n", "stats json\n"}) {
    EXPECT_EQ(ExchangeBytes(old),
              "2 this ringwayctl is older than the ringway it talks to: use "
              "the ringwayctl built with it\n");
  }
  admin::Reply reply = Exchange(admin::Request());
  EXPECT_EQ(reply.status(), admin::Reply::BAD_REQUEST);
  EXPECT_EQ(reply.message(), "empty request");
  EXPECT_EQ(version(), 1u);
}

TEST_F(AdminServerTest, OversizedRequestIsRefusedAndTheServerStillAnswers) {
  // More bytes than any request may have. The server reads until it is
  // over the limit, which is exactly all of it.
  std::string huge(kMaxAdminRequestBytes + 1, 'x');
  admin::Reply reply = ParseReply(ExchangeBytes(huge));
  EXPECT_EQ(reply.status(), admin::Reply::BAD_REQUEST);
  EXPECT_EQ(reply.message(), "request too large");
  EXPECT_EQ(Exchange(Show()).status(), admin::Reply::OK);
  EXPECT_EQ(version(), 1u);
}

TEST_F(AdminServerTest, ClientThatDisconnectsMidRequestDoesNotWedgeIt) {
  // Gone before the request is complete: no EOF-terminated request, and
  // nobody to read the answer.
  for (int i = 0; i < 3; ++i) {
    int fd = ConnectAdmin(socket_path_);
    ASSERT_GE(fd, 0);
    if (i > 0) {
      std::string partial =
          FormatAdminRequest(Apply(Table(second_.address()), "half"));
      partial.resize(partial.size() / (i + 1));
      ASSERT_TRUE(SendAll(fd, partial));
    }
    close(fd);
  }
  EXPECT_EQ(Exchange(Show()).status(), admin::Reply::OK);
  // A truncated table is rejected, never half applied.
  EXPECT_EQ(version(), 1u);
  EXPECT_EQ(shard_version(), 1u);
}

TEST_F(AdminServerTest, ClientThatSendsNothingDoesNotWedgeIt) {
  int silent = ConnectAdmin(socket_path_);
  ASSERT_GE(silent, 0);
  // Queued behind the silent client: answered once the server gives up on
  // it (its 5 s receive timeout), within this client's 30 s.
  EXPECT_EQ(Exchange(Show()).status(), admin::Reply::OK);
  // The silent client was answered and closed, not left hanging.
  admin::Reply reply = ParseReply(ReadReply(silent));
  EXPECT_EQ(reply.status(), admin::Reply::BAD_REQUEST);
  EXPECT_EQ(reply.message(), "empty request");
  close(silent);
}

// The socket's directory: made mode 0700 when missing; one others can
// write to (and not sticky, as /tmp is) is refused with the reason.
TEST(AdminSocketDirectoryTest, MadeForRingwayAndRefusedWhenOthersCanWrite) {
  RefusingUpstream upstream;
  char base[] = "/tmp/ringway-admin-dir-XXXXXX";
  ASSERT_NE(mkdtemp(base), nullptr);
  ServerOptions options;
  options.config_text = Table(upstream.address());
  options.config_source = "test";
  options.shards = 1;
  options.admin_socket = std::string(base) + "/run/admin.sock";
  {
    auto server = RingwayServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    struct stat info {};
    ASSERT_EQ(stat((std::string(base) + "/run").c_str(), &info), 0);
    EXPECT_TRUE(S_ISDIR(info.st_mode));
    EXPECT_EQ(info.st_mode & 07777, 0700u);
    EXPECT_EQ(info.st_uid, getuid());
  }
  ASSERT_EQ(chmod((std::string(base) + "/run").c_str(), 0777), 0);
  auto refused = RingwayServer::Start(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              HasSubstr("admin socket directory " + std::string(base) +
                        "/run is writable by others (mode 777)"));
  rmdir((std::string(base) + "/run").c_str());
  rmdir(base);
}

}  // namespace
}  // namespace ringway::control
