// The admin socket as ringwayctl uses it (control/admin_protocol.h): one
// request per connection, the request line and body, then EOF; the answer
// is "<exit code> <reason>\n" and a body. Every command's reply, the
// requests it must refuse, and clients that misbehave without wedging it.
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
#include "control/ringway_server.h"
#include "dataplane/address/socket_address.h"
#include "dataplane/stats/shard_stats.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

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

// A socket path no other test uses, short enough for sun_path.
std::string UniqueSocketPath() {
  static int sequence = 0;
  std::string dir = "/tmp";
  for (const char* env : {"RINGWAY_TEST_TMP", "TEST_TMPDIR"}) {
    const char* value = std::getenv(env);
    if (value != nullptr && *value != '\0') {
      dir = value;
      break;
    }
  }
  std::string name =
      absl::StrCat("/ringway-admin-test-", getpid(), "-", sequence++, ".sock");
  if (dir.size() + name.size() >= sizeof(sockaddr_un::sun_path)) dir = "/tmp";
  return dir + name;
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

struct AdminReply {
  std::string status;  // the status line, without its '\n'
  std::string body;
};

AdminReply ParseReply(const std::string& reply) {
  size_t newline = reply.find('\n');
  if (newline == std::string::npos) return {reply, ""};
  return {reply.substr(0, newline), reply.substr(newline + 1)};
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

  // One request as ringwayctl sends it: the request, then EOF.
  std::string Exchange(const std::string& request) {
    int fd = ConnectAdmin(socket_path_);
    if (fd < 0) return "<cannot connect to " + socket_path_ + ">";
    bool sent = SendAll(fd, request);
    shutdown(fd, SHUT_WR);
    std::string reply = ReadReply(fd);
    close(fd);
    return sent ? reply : reply + "<request not fully sent>";
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
  AdminReply reply = ParseReply(Exchange("routes.show\n"));
  EXPECT_EQ(reply.status, "0 ok");
  EXPECT_THAT(reply.body,
              StartsWith("version: 1\ncontent_hash: " + current->content_hash +
                         "\nsource: test\napplied_at: "));
  EXPECT_THAT(reply.body, HasSubstr("\nlisteners: 1\nupstream_groups: 1\n"
                                    "---\n" +
                                    current->config_text));
}

TEST_F(AdminServerTest, RoutesShowJson) {
  auto current = server_->routes().current();
  AdminReply reply = ParseReply(Exchange("routes.show json\n"));
  EXPECT_EQ(reply.status, "0 ok");
  EXPECT_THAT(reply.body,
              StartsWith("{\"version\":1,\"content_hash\":\"" +
                         current->content_hash + "\",\"source\":\"test\","));
  EXPECT_THAT(reply.body,
              HasSubstr("\"listeners\":1,\"upstream_groups\":1,\"config\":\""));
  EXPECT_THAT(reply.body, testing::EndsWith("\"}\n"));
  // The config's newlines and quotes are escaped: one line of JSON.
  EXPECT_EQ(Lines(reply.body).size(), 1u);
}

TEST_F(AdminServerTest, ApplyOfAValidTablePublishesANewVersion) {
  AdminReply reply = ParseReply(
      Exchange("routes.apply next.textproto\n" + Table(second_.address())));
  auto current = server_->routes().current();
  EXPECT_EQ(reply.status,
            "0 applied: version 2, content hash " + current->content_hash);
  EXPECT_EQ(reply.body, "");
  EXPECT_EQ(current->version, 2u);
  EXPECT_EQ(current->source, "next.textproto");
  EXPECT_THAT(current->config_text, HasSubstr(second_.address()));
  // Published: the shard serves new connections from it.
  EXPECT_EQ(shard_version(), 2u);
  EXPECT_THAT(Exchange("routes.show\n"),
              HasSubstr("version: 2\ncontent_hash: " + current->content_hash +
                        "\nsource: next.textproto\n"));
}

TEST_F(AdminServerTest, ApplyWithoutASourceNamesRingwayctl) {
  AdminReply reply =
      ParseReply(Exchange("routes.apply\n" + Table(second_.address())));
  EXPECT_THAT(reply.status, StartsWith("0 applied: version 2, "));
  EXPECT_EQ(server_->routes().current()->source, "ringwayctl");
}

TEST_F(AdminServerTest, ApplyOfAnInvalidTableIsRejectedWithItsErrors) {
  auto before = server_->routes().current();
  AdminReply reply = ParseReply(
      Exchange(absl::StrCat("routes.apply bad.textproto\n", kBadTable)));
  EXPECT_EQ(reply.status,
            "1 rejected: 2 error(s); the running route table is unchanged");
  EXPECT_THAT(
      Lines(reply.body),
      UnorderedElementsAre(
          "listeners[0].tcp_proxy.upstream_group: unknown upstream group "
          "\"nope\"",
          StartsWith("upstream_groups[0].servers[0].address: bad port")));
  EXPECT_EQ(server_->routes().current(), before);
  EXPECT_EQ(version(), 1u);
  EXPECT_EQ(shard_version(), 1u);
  // A rejected table does not use up a version number either.
  EXPECT_THAT(Exchange("routes.apply\n" + Table(second_.address())),
              StartsWith("0 applied: version 2, "));
}

TEST_F(AdminServerTest, ApplyThatMovesAListenerIsRejected) {
  std::string moved = Table(second_.address());
  moved.replace(moved.find("127.0.0.1:0"), 11, "127.0.0.1:1");
  AdminReply reply = ParseReply(Exchange("routes.apply moved\n" + moved));
  EXPECT_EQ(reply.status,
            "1 rejected: 1 error(s); the running route table is unchanged");
  EXPECT_THAT(reply.body, HasSubstr("needs a restart"));
  EXPECT_EQ(version(), 1u);
  EXPECT_EQ(shard_version(), 1u);
}

TEST_F(AdminServerTest, DiffShowsTheChangeAndAppliesNothing) {
  auto before = server_->routes().current();
  AdminReply reply = ParseReply(
      Exchange("routes.diff next.textproto\n" + Table(second_.address())));
  EXPECT_EQ(reply.status, "0 changes");
  std::vector<std::string> removed, added;
  for (const std::string& line : Lines(reply.body)) {
    if (line.rfind("- ", 0) == 0) removed.push_back(line);
    if (line.rfind("+ ", 0) == 0) added.push_back(line);
  }
  EXPECT_THAT(removed, ElementsAre(HasSubstr(first_.address())));
  EXPECT_THAT(added, ElementsAre(HasSubstr(second_.address())));
  EXPECT_EQ(server_->routes().current(), before);
}

TEST_F(AdminServerTest, DiffOfTheRunningTableHasNoChanges) {
  EXPECT_EQ(Exchange("routes.diff same\n" + Table(first_.address())),
            "0 no changes\n");
}

TEST_F(AdminServerTest, DiffOfAnInvalidTableIsRejected) {
  AdminReply reply =
      ParseReply(Exchange(absl::StrCat("routes.diff bad\n", kBadTable)));
  EXPECT_EQ(reply.status,
            "1 rejected: 2 error(s); the running route table is unchanged");
  EXPECT_EQ(Lines(reply.body).size(), 2u) << reply.body;
  EXPECT_EQ(version(), 1u);
}

TEST_F(AdminServerTest, RollbackReturnsToThePreviousTableAsANewVersion) {
  auto first = server_->routes().current();
  ASSERT_THAT(Exchange("routes.apply next\n" + Table(second_.address())),
              StartsWith("0 applied: version 2, "));
  ASSERT_EQ(shard_version(), 2u);
  EXPECT_EQ(Exchange("routes.rollback\n"),
            "0 rolled back: now version 3 (rollback to version 1 (test)), "
            "content hash " +
                first->content_hash + "\n");
  auto current = server_->routes().current();
  EXPECT_EQ(current->version, 3u);
  EXPECT_EQ(current->config_text, first->config_text);
  EXPECT_EQ(shard_version(), 3u);
  // Version 2 is not kept for a second rollback: history is exhausted.
  EXPECT_EQ(Exchange("routes.rollback\n"),
            "1 rejected: 1 error(s); the running route table is unchanged\n"
            "no earlier route table to roll back to\n");
  EXPECT_EQ(version(), 3u);
}

TEST_F(AdminServerTest, RollbackWithoutHistoryIsRejected) {
  EXPECT_EQ(Exchange("routes.rollback\n"),
            "1 rejected: 1 error(s); the running route table is unchanged\n"
            "no earlier route table to roll back to\n");
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

TEST_F(AdminServerTest, StatsListsEveryCounterPerShardAndInTotal) {
  ASSERT_NO_FATAL_FAILURE(OneRefusedConnection(*server_));
  AdminReply reply = ParseReply(Exchange("stats\n"));
  EXPECT_EQ(reply.status, "0 ok");
  std::vector<std::string> lines = Lines(reply.body);
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
  EXPECT_THAT(reply.body,
              testing::ContainsRegex("\nconnections_total +1 +1\n"));
  EXPECT_THAT(reply.body,
              testing::ContainsRegex("\nupstream_connect_refused +1 +1\n"));
  EXPECT_THAT(reply.body,
              testing::ContainsRegex("\nupstream_unavailable +1 +1\n"));
  const size_t servers = 1 + static_cast<int>(Counter::kNumCounters);
  EXPECT_THAT(lines[servers], StartsWith("group "));
  std::vector<std::string> row =
      absl::StrSplit(lines[servers + 1], ' ', absl::SkipEmpty());
  // group server tls state(2 words) active idle connects failures downs
  // reuses tls_full resumed tls_err check chk_ok chk_fail ktls ktls_fb:
  // the refused server, out of rotation.
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

TEST_F(AdminServerTest, StatsJson) {
  ASSERT_NO_FATAL_FAILURE(OneRefusedConnection(*server_));
  AdminReply reply = ParseReply(Exchange("stats json\n"));
  EXPECT_EQ(reply.status, "0 ok");
  EXPECT_THAT(reply.body, StartsWith("{\"shards\":[{\"shard\":0,\"cpu\":"));
  EXPECT_THAT(reply.body, HasSubstr(",\"snapshot_version\":1,"));
  EXPECT_THAT(reply.body, HasSubstr("],\"total\":{\"connections_total\":1,"));
  for (int c = 0; c < static_cast<int>(Counter::kNumCounters); ++c) {
    Counter counter = static_cast<Counter>(c);
    EXPECT_THAT(reply.body, HasSubstr(absl::StrCat(
                                "\"", std::string(stats::CounterName(counter)),
                                "\":", server_->Total(counter))));
  }
  EXPECT_THAT(reply.body, HasSubstr("\"upstream_unavailable\":1"));
  EXPECT_THAT(
      reply.body,
      HasSubstr(",\"upstreams\":[{\"group\":\"g\",\"server\":\"127.0.0.1:"));
  EXPECT_THAT(reply.body,
              HasSubstr("\"connect_failures\":1,\"marked_down\":1,"));
  EXPECT_THAT(reply.body, HasSubstr("\"check\":\"\",\"shards_check_down\":0,"
                                    "\"checks_passed\":0,\"checks_failed\":0,"
                                    "\"last_check_failure\":\"\","
                                    "\"ktls_connections\":0,"
                                    "\"ktls_fallbacks\":0,"
                                    "\"ktls_last_fallback\":\"\"}"));
  EXPECT_THAT(reply.body,
              testing::EndsWith("],\"listeners\":[{\"listener\":\"l4\","
                                "\"ktls_connections\":0,\"ktls_fallbacks\":0,"
                                "\"ktls_last_fallback\":\"\"}]}\n"));
}

// Nobody else on the host drives ringway: the socket is mode 0600, and
// even with the file loosened a client of another uid is refused (by
// SO_PEERCRED) without an answer, while ringway's own user is served.
TEST_F(AdminServerTest, SocketIsMode0600AndOtherUsersAreRefused) {
  struct stat info {};
  ASSERT_EQ(stat(socket_path_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  if (getuid() != 0) GTEST_SKIP() << "connecting as another user needs root";
  ASSERT_EQ(chmod(socket_path_.c_str(), 0666), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // As nobody: connect, ask, and report whether an answer came.
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
    int fd = ConnectAdmin(socket_path_);
    if (fd < 0) _exit(2);
    // (The refusal may close the socket before this write: EPIPE.)
    const char request[] = "stats\n";
    ssize_t ignored = write(fd, request, sizeof(request) - 1);
    (void)ignored;
    shutdown(fd, SHUT_WR);
    char byte;
    _exit(read(fd, &byte, 1) > 0 ? 1 : 0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: answered; 2: no connect; 3: setuid";
  EXPECT_THAT(Exchange("stats\n"), HasSubstr("ok"));
}

TEST_F(AdminServerTest, UnknownCommandIsAUsageError) {
  EXPECT_EQ(Exchange("routes.frobnicate\n"),
            "2 unknown command \"routes.frobnicate\"\n");
  EXPECT_EQ(Exchange("ROUTES.SHOW\n"), "2 unknown command \"ROUTES.SHOW\"\n");
  EXPECT_EQ(version(), 1u);
}

TEST_F(AdminServerTest, EmptyRequestIsAUsageError) {
  EXPECT_EQ(Exchange(""), "2 empty request\n");
  EXPECT_EQ(Exchange("\n"), "2 empty request\n");
  EXPECT_EQ(Exchange("   \nbody without a command"), "2 empty request\n");
}

TEST_F(AdminServerTest, OversizedRequestIsRefusedAndTheServerStillAnswers) {
  // One request line longer than any request may be. The server reads
  // until it is over the limit, which is exactly all of it.
  std::string huge(kMaxAdminRequestBytes + 1, 'x');
  EXPECT_EQ(Exchange(huge), "2 request too large\n");
  EXPECT_EQ(ParseReply(Exchange("routes.show\n")).status, "0 ok");
  EXPECT_EQ(version(), 1u);
}

TEST_F(AdminServerTest, ClientThatDisconnectsMidRequestDoesNotWedgeIt) {
  // Gone before the request is complete: no EOF-terminated request, and
  // nobody to read the answer.
  for (int i = 0; i < 3; ++i) {
    int fd = ConnectAdmin(socket_path_);
    ASSERT_GE(fd, 0);
    if (i > 0) {
      std::string partial = "routes.apply half\n" + Table(second_.address());
      partial.resize(partial.size() / (i + 1));
      ASSERT_TRUE(SendAll(fd, partial));
    }
    close(fd);
  }
  EXPECT_EQ(ParseReply(Exchange("routes.show\n")).status, "0 ok");
  // A truncated table is rejected, never half applied.
  EXPECT_EQ(version(), 1u);
  EXPECT_EQ(shard_version(), 1u);
}

TEST_F(AdminServerTest, ClientThatSendsNothingDoesNotWedgeIt) {
  int silent = ConnectAdmin(socket_path_);
  ASSERT_GE(silent, 0);
  // Queued behind the silent client: answered once the server gives up on
  // it (its 5 s receive timeout), within this client's 30 s.
  EXPECT_EQ(ParseReply(Exchange("routes.show\n")).status, "0 ok");
  // The silent client was answered and closed, not left hanging.
  EXPECT_EQ(ReadReply(silent), "2 empty request\n");
  close(silent);
}

}  // namespace
}  // namespace ringway::control
