// `openssl s_server` as a TLS peer for tests that need a suite BoringSSL
// will not choose (TLS 1.3 AES-256-GCM, ChaCha20): started on an ephemeral
// loopback port, killed when the object goes.
//
//   OpensslServer server;
//   int port = server.Start({"openssl", "s_server", "-accept",
//                            "127.0.0.1:0", ..., "-www"});

#ifndef RINGWAY_DATAPLANE_TLS_OPENSSL_SERVER_TEST_UTIL_H_
#define RINGWAY_DATAPLANE_TLS_OPENSSL_SERVER_TEST_UTIL_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "dataplane/tls/certificate_generator.h"
#include "gtest/gtest.h"

namespace ringway::tls {

// `openssl s_server -www` on an ephemeral port; killed on destruction.
class OpensslServer {
 public:
  ~OpensslServer() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }
  // Whether the openssl command is there to start.
  static bool Available() {
    return system("command -v openssl >/dev/null 2>&1") == 0;
  }

  // `openssl s_server -www` for one connection with `certificate` (written
  // under TEST_TMPDIR) and `protocol_args` (e.g. {"-tls1_3",
  // "-ciphersuites", "TLS_AES_256_GCM_SHA384"}). Returns the port, or 0.
  int StartWww(const GeneratedCertificate& certificate,
               const std::vector<std::string>& protocol_args) {
    const char* tmp = getenv("TEST_TMPDIR");
    const std::string dir = tmp != nullptr ? tmp : "/tmp";
    const std::string cert = dir + "/s_server_cert.pem";
    const std::string key = dir + "/s_server_key.pem";
    std::ofstream(cert) << certificate.cert_pem;
    std::ofstream(key) << certificate.key_pem;
    std::vector<std::string> args = {
        "openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", cert,
        "-key",    key,        "-www",    "-naccept",    "1"};
    args.insert(args.end(), protocol_args.begin(), protocol_args.end());
    return Start(args);
  }

  // Returns the port, or 0 (with a test failure) if it did not start.
  int Start(const std::vector<std::string>& args) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return 0;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(pipe_fds[1], STDOUT_FILENO);
      dup2(pipe_fds[1], STDERR_FILENO);
      std::vector<char*> argv;
      for (const std::string& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    close(pipe_fds[1]);
    out_ = pipe_fds[0];
    std::string text;
    char buffer[256];
    for (int i = 0; i < 100; ++i) {  // 10 s at most
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      ssize_t n = read(out_, buffer, sizeof(buffer));
      if (n <= 0) break;
      text.append(buffer, static_cast<size_t>(n));
      size_t at = text.find("ACCEPT ");
      size_t end = text.find('\n', at);
      if (at != std::string::npos && end != std::string::npos) {
        size_t colon = text.rfind(':', end);
        return std::atoi(text.substr(colon + 1, end - colon - 1).c_str());
      }
    }
    ADD_FAILURE() << "openssl s_server did not start: " << text;
    return 0;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

// A blocking TCP connection to 127.0.0.1:`port` whose reads give up after
// `timeout_s`; -1 on failure.
inline int ConnectLoopback(int port, int timeout_s) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return -1;
  }
  timeval limit{timeout_s, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  return fd;
}

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_OPENSSL_SERVER_TEST_UTIL_H_
