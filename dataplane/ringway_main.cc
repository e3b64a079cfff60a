// ringway: the process. Parses flags, loads the route table (or the built-in
// demo one), starts the shards and the admin socket, and drains on
// SIGTERM/SIGINT.
//
//   ringway --config=/etc/ringway/routes.textproto --shards=4
//   ringway --config=routes.textproto --validate     # like `nginx -t`

#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "control/access_log_files.h"
#include "control/admin_protocol.h"
#include "control/config_compiler.h"
#include "control/demo_backend.h"
#include "control/ringway_server.h"
#include "control/snakeoil.h"
#include "dataplane/common/log.h"

ABSL_FLAG(std::string, config, "",
          "Route table file (protobuf text format, proto/ringway_config.proto)."
          " Empty: the built-in demo table and its demo backend.");
ABSL_FLAG(int, shards, 0,
          "Shard threads, one pinned per CPU. 0: every CPU ringway may use.");
ABSL_FLAG(std::string, admin_socket, ringway::control::DefaultAdminSocket(),
          "Unix socket for ringwayctl, made mode 0600 (its directory is "
          "made mode 0700 if missing). Empty: none.");
ABSL_FLAG(bool, validate, false,
          "Check the config, print the result and exit (0 valid, 1 not).");
ABSL_FLAG(int, drain_timeout_ms, 10000,
          "On SIGTERM/SIGINT: how long open connections may finish before "
          "they are closed.");
ABSL_FLAG(bool, verbose, false, "Log debug lines.");
ABSL_FLAG(std::string, state_dir, "",
          "Where ringway keeps generated state (the built-in demo's "
          "self-signed certificate). Empty: $XDG_STATE_HOME/ringway or "
          "~/.local/state/ringway.");

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "ringway: error: %s\n", message.c_str());
  return 1;
}

bool ReadFile(const std::string& path, std::string* text) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  *text = buffer.str();
  return true;
}

int Validate(const std::string& text, const std::string& source) {
  ringway::control::CompileResult result =
      ringway::control::CompileConfigText(text);
  if (!result.ok()) {
    std::fprintf(stderr, "ringway: %s: %zu error(s):\n%s\n", source.c_str(),
                 result.errors.size(),
                 absl::StrJoin(result.errors, "\n").c_str());
    return 1;
  }
  std::printf(
      "ringway: %s: ok (%zu listeners, %zu upstream groups, content "
      "hash %s)\n",
      source.c_str(), result.snapshot->listeners.size(),
      result.snapshot->groups.size(), result.snapshot->content_hash.c_str());
  return 0;
}

// SIGUSR1: access logs reopened at their paths (logrotate's convention).
void ReopenAccessLogs() {
  const std::vector<std::string> errors =
      ringway::control::AccessLogFiles::Process().ReopenAll();
  for (const std::string& error : errors) RINGWAY_LOG(kError, "%s", error);
  RINGWAY_LOG(kInfo, "SIGUSR1: access logs reopened (%d failed)",
              errors.size());
}

// Waits for SIGTERM/SIGINT, reopening access logs on SIGUSR1. Under a
// systemd watchdog, pings it twice per interval, each time only after
// every shard has answered its mailbox.
int WaitForStop(const sigset_t& signals,
                ringway::control::RingwayServer& server) {
  const absl::Duration interval = server.notifier().watchdog_interval();
  if (interval <= absl::ZeroDuration()) {
    for (;;) {
      int signal_number = 0;
      sigwait(&signals, &signal_number);
      if (signal_number != SIGUSR1) return signal_number;
      ReopenAccessLogs();
    }
  }
  const timespec wait = absl::ToTimespec(interval / 2);
  for (;;) {
    const int signal_number = sigtimedwait(&signals, nullptr, &wait);
    if (signal_number == SIGUSR1) {
      ReopenAccessLogs();
      continue;
    }
    if (signal_number > 0) return signal_number;
    if (server.ShardsResponsive(interval / 4)) {
      server.notifier().WatchdogPing();
    } else {
      RINGWAY_LOG(kError, "a shard did not answer in %s: no watchdog ping",
                  absl::FormatDuration(interval / 4));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "io_uring reverse proxy data plane. See README.md.");
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_verbose)) {
    ringway::g_log_level = static_cast<int>(ringway::LogLevel::kDebug);
  }
  std::string path = absl::GetFlag(FLAGS_config);
  std::string text;
  std::string source = "built-in";
  if (!path.empty()) {
    if (!ReadFile(path, &text)) return Fail("cannot read config " + path);
    source = path;
  } else {
    // The demo serves HTTPS with a certificate made for this installation
    // on first start (like Debian's snakeoil), never one from the repo.
    std::string state = absl::GetFlag(FLAGS_state_dir);
    if (state.empty()) state = ringway::control::DefaultStateDir();
    auto snakeoil =
        ringway::control::EnsureSnakeoil(state + "/snakeoil", "localhost");
    if (!snakeoil.ok()) return Fail(std::string(snakeoil.status().message()));
    if (snakeoil->generated) {
      RINGWAY_LOG(kInfo,
                  "generated a self-signed certificate for localhost: %s",
                  snakeoil->cert_file);
    }
    text = ringway::control::BuiltInConfig(snakeoil->cert_file,
                                           snakeoil->key_file);
  }
  if (absl::GetFlag(FLAGS_validate)) return Validate(text, source);

  // Signals go to this thread only (sigwait below); threads inherit the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // A proxied connection holds two sockets, and two pipes (six fds) once
  // both directions carry bulk data:
  // lift the soft limit to the hard one, as nginx's worker_rlimit_nofile.
  rlimit files;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 &&
      files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  std::unique_ptr<ringway::control::DemoBackend> demo;
  if (path.empty()) {
    auto started = ringway::control::DemoBackend::Start("127.0.0.1:8081");
    if (!started.ok()) return Fail(std::string(started.status().message()));
    demo = std::move(*started);
  }
  ringway::control::ServerOptions options;
  options.config_text = text;
  options.config_source = source;
  options.shards = absl::GetFlag(FLAGS_shards);
  options.admin_socket = absl::GetFlag(FLAGS_admin_socket);
  auto server = ringway::control::RingwayServer::Start(options);
  if (!server.ok()) return Fail(std::string(server.status().message()));
  // NOTE: hold the table by value. A reference into the temporary
  // shared_ptr would dangle once a shard drops the snapshot after the next
  // `routes apply` (TSan saw that use-after-free).
  const std::shared_ptr<const ringway::route::RouteSnapshot> snapshot =
      (*server)->routes().current();
  for (const auto& listener : snapshot->listeners) {
    RINGWAY_LOG(kInfo, "listener \"%s\" on %s", listener.name,
                (*server)->listener_address(listener.name).ToString());
  }
  RINGWAY_LOG(kInfo, "ready: route table version %d from %s; admin socket %s",
              snapshot->version, source, options.admin_socket);
  if (demo != nullptr) {
    RINGWAY_LOG(kInfo,
                "built-in demo: try  curl -k https://localhost:8443/  "
                "(and curl -i http://localhost:8080/ for the redirect)");
  }

  (*server)->notifier().Ready(
      absl::StrFormat("serving %d listener(s), route table version %d",
                      snapshot->listeners.size(), snapshot->version));
  const int signal_number = WaitForStop(stop_signals, **server);
  RINGWAY_LOG(kInfo, "%s: draining (up to %d ms)", strsignal(signal_number),
              absl::GetFlag(FLAGS_drain_timeout_ms));
  (*server)->Drain(absl::Milliseconds(absl::GetFlag(FLAGS_drain_timeout_ms)));
  RINGWAY_LOG(kInfo, "stopped");
  return 0;
}
