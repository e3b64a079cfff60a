// Re-encryption bulk, kernel TLS against user-space TLS against nginx, side
// by side in one VM boot (bench/ktls_vm.sh boots it: the build machines'
// kernel has no `tls` module). A TLS client pushes MiB after MiB through
// the proxy, which terminates TLS and re-encrypts to a TLS sink; the
// proxy's CPU time (user + system, from /proc) per GiB is the figure. The
// client and the sink run in this process, on BoringSSL, and are not
// counted. The VM is emulated: only ratios between the rows mean anything.
//
//   ktls_vm_bench --ringway=/bin/ringway --nginx=/bin/nginx
//       --nginx_module=/usr/lib/nginx/modules/ngx_stream_module.so
//
// Prints a table, then one line `RESULT {json}` per proxy.

#include <dirent.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dataplane/tls/certificate_generator.h"

ABSL_FLAG(std::string, ringway, "/bin/ringway", "ringway binary");
ABSL_FLAG(std::string, nginx, "/bin/nginx", "nginx binary ('' to skip)");
ABSL_FLAG(std::string, nginx_module,
          "/usr/lib/nginx/modules/ngx_stream_module.so",
          "nginx's stream module");
ABSL_FLAG(int, mib, 128, "MiB per round");
ABSL_FLAG(int, rounds, 3, "rounds per proxy");
ABSL_FLAG(bool, chacha, false,
          "TLS 1.2 with ECDHE-ECDSA-CHACHA20-POLY1305 on both legs instead "
          "of TLS 1.3 (AES-128-GCM)");

namespace {
constexpr char kChacha[] = "ECDHE-ECDSA-CHACHA20-POLY1305";
}  // namespace

namespace {

constexpr char kDir[] = "/tmp/ktls-bench";

[[noreturn]] void Die(const std::string& why) {
  fprintf(stderr, "ktls_vm_bench: %s\n", why.c_str());
  exit(1);
}

void WriteFile(const std::string& path, const std::string& text,
               mode_t mode = 0644) {
  std::ofstream(path) << text;
  chmod(path.c_str(), mode);
}

int ListenLoopback(uint16_t* port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(a);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      listen(fd, 16) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) != 0) {
    Die("listen");
  }
  *port = ntohs(a.sin_port);
  return fd;
}

uint16_t FreePort() {
  uint16_t port = 0;
  close(ListenLoopback(&port));
  return port;
}

int ConnectLoopback(uint16_t port) {
  for (int attempt = 0; attempt < 300; ++attempt) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) {
      return fd;
    }
    close(fd);
    usleep(100'000);  // the proxy is still starting (bounded: 30 s)
  }
  Die(absl::StrCat("nothing listens on port ", port));
}

bssl::UniquePtr<SSL_CTX> ServerCtx(
    const ringway::tls::GeneratedCertificate& c) {
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  bssl::UniquePtr<BIO> cert_bio(
      BIO_new_mem_buf(c.cert_pem.data(), static_cast<int>(c.cert_pem.size())));
  bssl::UniquePtr<X509> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  bssl::UniquePtr<BIO> key_bio(
      BIO_new_mem_buf(c.key_pem.data(), static_cast<int>(c.key_pem.size())));
  bssl::UniquePtr<EVP_PKEY> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  SSL_CTX_use_certificate(ctx.get(), cert.get());
  SSL_CTX_use_PrivateKey(ctx.get(), key.get());
  return ctx;
}

// The TLS sink: reads each connection to its end, adding up the bytes.
class Sink {
 public:
  explicit Sink(SSL_CTX* ctx) : ctx_(ctx) {
    listener_ = ListenLoopback(&port_);
    std::thread([this] { Run(); }).detach();  // lives until exit
  }
  uint16_t port() const { return port_; }
  // Waits until a connection has ended; its byte count.
  uint64_t WaitForConnection() {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return !finished_.empty(); });
    uint64_t n = finished_.front();
    finished_.erase(finished_.begin());
    return n;
  }

 private:
  void Run() {
    for (;;) {
      int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::thread([this, fd] { Serve(fd); }).detach();
    }
  }
  void Serve(int fd) {
    bssl::UniquePtr<SSL> ssl(SSL_new(ctx_));
    SSL_set_fd(ssl.get(), fd);
    uint64_t total = 0;
    if (SSL_accept(ssl.get()) == 1) {
      std::vector<char> buffer(64 * 1024);
      for (;;) {
        int n =
            SSL_read(ssl.get(), buffer.data(), static_cast<int>(buffer.size()));
        if (n <= 0) break;
        total += static_cast<uint64_t>(n);
      }
      SSL_shutdown(ssl.get());
    }
    close(fd);
    std::lock_guard<std::mutex> lock(mutex_);
    finished_.push_back(total);
    done_.notify_all();
  }

  SSL_CTX* ctx_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::mutex mutex_;
  std::condition_variable done_;
  std::vector<uint64_t> finished_;
};

struct CpuTime {
  double user = 0;
  double system = 0;
};

// utime and stime of `pid` and its children (nginx's workers), seconds.
CpuTime ProcessTreeCpu(pid_t pid) {
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  CpuTime total;
  DIR* proc = opendir("/proc");
  while (dirent* entry = readdir(proc)) {
    pid_t p = atoi(entry->d_name);
    if (p <= 0) continue;
    std::ifstream in(absl::StrCat("/proc/", p, "/stat"));
    std::string line;
    std::getline(in, line);
    size_t paren = line.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(line.substr(paren + 2));
    std::string state;
    long ppid = 0;
    fields >> state >> ppid;
    if (p != pid && ppid != pid) continue;
    std::string skip;
    for (int i = 0; i < 9; ++i) fields >> skip;  // pgrp .. cmajflt
    unsigned long utime = 0, stime = 0;
    fields >> utime >> stime;
    total.user += static_cast<double>(utime) / tick;
    total.system += static_cast<double>(stime) / tick;
  }
  closedir(proc);
  return total;
}

pid_t Spawn(const std::vector<std::string>& argv) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (const std::string& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

struct Result {
  std::string proxy;
  CpuTime cpu;
  uint64_t bytes = 0;
  double PerGib(double seconds) const {
    return seconds / (static_cast<double>(bytes) / (1ull << 30));
  }
  double CpuPerGib() const { return PerGib(cpu.user + cpu.system); }
};

// Pushes rounds × MiB through the proxy on `port`, one connection a round.
Result Measure(const std::string& name, pid_t pid, uint16_t port, Sink& sink) {
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  if (absl::GetFlag(FLAGS_chacha)) {
    SSL_CTX_set_max_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_strict_cipher_list(ctx.get(), kChacha);
  } else {
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION);
  }
  std::vector<char> chunk(16 * 1024, 'k');
  Result result{name};
  for (int round = 0; round < absl::GetFlag(FLAGS_rounds); ++round) {
    int fd = ConnectLoopback(port);
    bssl::UniquePtr<SSL> ssl(SSL_new(ctx.get()));
    SSL_set_fd(ssl.get(), fd);
    if (SSL_connect(ssl.get()) != 1) Die(name + ": TLS handshake failed");
    const uint64_t bytes = uint64_t(absl::GetFlag(FLAGS_mib)) << 20;
    const CpuTime before = ProcessTreeCpu(pid);
    for (uint64_t sent = 0; sent < bytes; sent += chunk.size()) {
      if (SSL_write(ssl.get(), chunk.data(), static_cast<int>(chunk.size())) <=
          0) {
        Die(name + ": write failed");
      }
    }
    SSL_shutdown(ssl.get());
    shutdown(fd, SHUT_WR);
    const uint64_t got = sink.WaitForConnection();
    const CpuTime after = ProcessTreeCpu(pid);
    close(fd);
    if (got != bytes) {
      Die(absl::StrCat(name, ": the sink got ", got, " of ", bytes, " bytes"));
    }
    result.cpu.user += after.user - before.user;
    result.cpu.system += after.system - before.system;
    result.bytes += bytes;
  }
  return result;
}

std::string RingwayConfig(uint16_t port, uint16_t sink, const char* ktls) {
  return absl::StrFormat(
      "listeners { name: \"term\" address: \"127.0.0.1:%d\" tls_terminate { "
      "tls { certificates { cert_file: \"%s/cert.pem\" key_file: "
      "\"%s/key.pem\" } ktls: %s } upstream_group: \"sink\" } }\n"
      "upstream_groups { name: \"sink\" servers { address: \"127.0.0.1:%d\" } "
      "tls { ktls: %s %s } }\n",
      port, kDir, kDir, ktls, sink, ktls,
      absl::GetFlag(FLAGS_chacha)
          ? absl::StrCat("max_version: \"TLSv1.2\" ciphers: \"", kChacha, "\"")
          : "");
}

std::string NginxConfig(uint16_t port, uint16_t sink) {
  return absl::StrFormat(
      "load_module %s;\nuser root;\nworker_processes 1;\ndaemon off;\n"
      "error_log stderr warn;\npid %s/nginx.pid;\n"
      "events { worker_connections 64; }\n"
      "stream {\n  server {\n    listen 127.0.0.1:%d ssl;\n"
      "    ssl_certificate %s/cert.pem;\n    ssl_certificate_key %s/key.pem;\n"
      "    ssl_protocols TLSv1.2 TLSv1.3;\n"  // 1.22's default lacks 1.3
      "    proxy_pass 127.0.0.1:%d;\n    proxy_ssl on;\n"
      "    proxy_ssl_protocols TLSv1.2 TLSv1.3;\n%s  }\n}\n",
      absl::GetFlag(FLAGS_nginx_module), kDir, port, kDir, kDir, sink,
      absl::GetFlag(FLAGS_chacha)
          ? absl::StrCat("    proxy_ssl_ciphers ", kChacha, ";\n")
          : "");
}

// Which implementations the kernel's TLS gets for its AEADs: the figures
// depend on them (under emulation even more).
void PrintKernelAeads() {
  std::ifstream in("/proc/crypto");
  std::string line, name, driver;
  while (std::getline(in, line)) {
    if (line.rfind("name", 0) == 0) name = line.substr(line.find(':') + 2);
    if (line.rfind("driver", 0) == 0) driver = line.substr(line.find(':') + 2);
    if (line.rfind("priority", 0) == 0 &&
        (name == "gcm(aes)" || name == "rfc7539(chacha20,poly1305)")) {
      printf("kernel %s: %s (%s)\n", name.c_str(), driver.c_str(),
             line.c_str());
    }
  }
}

void Stop(pid_t pid) {
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  mkdir(kDir, 0755);
  // nginx looks its user up; a bare VM has no /etc/passwd.
  if (access("/etc/passwd", F_OK) != 0) {
    mkdir("/etc", 0755);
    WriteFile("/etc/passwd", "root:x:0:0:root:/:/bin/sh\n");
    WriteFile("/etc/group", "root:x:0:\n");
  }
  auto cert = ringway::tls::GenerateCertificate(
      {.common_name = "bench.test", .dns_names = {"bench.test"}});
  if (!cert.ok()) Die(std::string(cert.status().message()));
  WriteFile(absl::StrCat(kDir, "/cert.pem"), cert->cert_pem);
  WriteFile(absl::StrCat(kDir, "/key.pem"), cert->key_pem, 0600);
  bssl::UniquePtr<SSL_CTX> sink_ctx = ServerCtx(*cert);
  Sink sink(sink_ctx.get());

  std::vector<Result> results;
  for (const char* ktls : {"ON", "OFF"}) {
    const uint16_t port = FreePort();
    const std::string config =
        absl::StrCat(kDir, "/ringway-", ktls, ".textproto");
    WriteFile(config, RingwayConfig(port, sink.port(), ktls));
    pid_t pid =
        Spawn({absl::GetFlag(FLAGS_ringway), "--config=" + config, "--shards=1",
               absl::StrCat("--admin_socket=", kDir, "/admin.sock")});
    results.push_back(Measure(
        std::string("ringway ") + (ktls[1] == 'N' ? "kTLS" : "user-space TLS"),
        pid, port, sink));
    Stop(pid);
  }
  if (!absl::GetFlag(FLAGS_nginx).empty() &&
      access(absl::GetFlag(FLAGS_nginx).c_str(), X_OK) == 0) {
    const uint16_t port = FreePort();
    const std::string config = absl::StrCat(kDir, "/nginx.conf");
    WriteFile(config, NginxConfig(port, sink.port()));
    pid_t pid = Spawn({absl::GetFlag(FLAGS_nginx), "-p", kDir, "-c", config});
    results.push_back(Measure("nginx", pid, port, sink));
    Stop(pid);
  }

  PrintKernelAeads();
  const double reference = results[1].CpuPerGib();  // ringway user space
  printf("%-24s %10s %8s %8s %9s\n", "re-encrypt bulk", "CPU-s/GiB", "user",
         "system", "vs user-space");
  for (const Result& r : results) {
    printf("%-24s %10.2f %8.2f %8.2f %8.2fx\n", r.proxy.c_str(), r.CpuPerGib(),
           r.PerGib(r.cpu.user), r.PerGib(r.cpu.system),
           r.CpuPerGib() / reference);
  }
  for (const Result& r : results) {
    printf(
        "RESULT {\"proxy\": \"%s\", \"cpu_s_per_gib\": %.3f, "
        "\"user_s_per_gib\": %.3f, \"system_s_per_gib\": %.3f, "
        "\"bytes\": %llu}\n",
        r.proxy.c_str(), r.CpuPerGib(), r.PerGib(r.cpu.user),
        r.PerGib(r.cpu.system), static_cast<unsigned long long>(r.bytes));
  }
  return 0;
}
