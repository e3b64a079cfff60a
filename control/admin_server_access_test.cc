// Who may use the admin socket (mode 0600 in a directory ringway owns,
// peers checked) and clients that misbehave (bytes that are no request,
// oversized requests, hang-ups, silence) without wedging it.

#include <string>

#include "control/admin_server_test_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ringway::control::admin_test {
namespace {

using stats::Counter;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

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
}  // namespace ringway::control::admin_test
