// ringwayctl: operate a running ringway over its admin socket.
//
//   ringwayctl routes apply FILE     validate, then swap the route table
//   ringwayctl routes diff FILE      what apply would change
//   ringwayctl routes show [--json]  version, content hash, source, applied-at
//   ringwayctl routes rollback       back to the previous table
//   ringwayctl stats [--json]        per-shard counters
//   ringwayctl certs snakeoil --out DIR [--name N] [--rsa] [--force]
//                                    a fresh self-signed key and certificate
//
// Exit codes: 0 ok, 1 rejected (the reasons follow), 2 usage error or admin
// socket unreachable. Each failure prints one line saying why.

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "control/admin_protocol.h"
#include "control/snakeoil.h"

namespace {

using ringway::control::kAdminUsage;

constexpr char kUsage[] =
    "usage: ringwayctl [--socket=PATH] COMMAND\n"
    "  routes apply FILE      validate FILE, then make it the live route "
    "table\n"
    "  routes diff FILE       show what applying FILE would change\n"
    "  routes show [--json]   the live table: version, hash, source, time\n"
    "  routes rollback        go back to the previous route table\n"
    "  stats [--json]         per-shard connection, byte and error counters\n"
    "  certs snakeoil --out DIR [--name HOST] [--rsa] [--force]\n"
    "                         write DIR/key.pem (0600) and DIR/cert.pem: a "
    "fresh\n"
    "                         self-signed ECDSA P-256 (or RSA 2048) "
    "certificate\n"
    "                         for HOST (default: this machine's name)\n"
    "exit: 0 ok, 1 rejected, 2 usage or admin socket unreachable\n";

int Usage(const std::string& why) {
  std::fprintf(stderr, "ringwayctl: %s\n%s", why.c_str(), kUsage);
  return kAdminUsage;
}

// Sends one request; fills `reply` with everything the server answered.
bool Exchange(const std::string& socket_path, const std::string& request,
              std::string* reply, std::string* error) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(address.sun_path)) {
    *error = "admin socket path too long: " + socket_path;
    return false;
  }
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    *error = "cannot reach ringway's admin socket " + socket_path + ": " +
             std::strerror(errno) + " (is ringway running? --socket=PATH)";
    close(fd);
    return false;
  }
  for (size_t off = 0; off < request.size();) {
    ssize_t n = write(fd, request.data() + off, request.size() - off);
    if (n <= 0) {
      *error = std::string("admin socket write: ") + std::strerror(errno);
      close(fd);
      return false;
    }
    off += n;
  }
  shutdown(fd, SHUT_WR);
  char buffer[64 * 1024];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) reply->append(buffer, n);
  close(fd);
  if (reply->empty()) {
    *error = "ringway closed the admin connection without an answer";
    return false;
  }
  return true;
}

bool ReadFile(const std::string& path, std::string* text) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  *text = buffer.str();
  return true;
}

// Builds the request line and body from the command words.
int BuildRequest(const std::vector<std::string>& words, bool json,
                 std::string* request) {
  const std::string suffix = json ? " json" : "";
  if (words.size() == 1 && words[0] == "stats") {
    *request = "stats" + suffix + "\n";
    return 0;
  }
  if (words.size() < 2 || words[0] != "routes") {
    return Usage(words.empty() ? "no command" : "unknown command: " + words[0]);
  }
  const std::string& verb = words[1];
  if ((verb == "show" || verb == "rollback") && words.size() == 2) {
    *request = "routes." + verb + suffix + "\n";
    return 0;
  }
  if ((verb == "apply" || verb == "diff") && words.size() == 3) {
    std::string text;
    if (!ReadFile(words[2], &text)) return Usage("cannot read " + words[2]);
    // The source names the file; spaces would split the request line.
    std::string source = words[2];
    for (char& c : source) {
      if (c <= ' ' || c == 0x7f) c = '_';
    }
    *request = "routes." + verb + " " + source + suffix + "\n" + text;
    return 0;
  }
  return Usage("bad arguments for routes " + verb);
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') {
    return "localhost";
  }
  return name;
}

// `certs snakeoil ...`: runs here, without the admin socket (like
// make-ssl-cert generate-default-snakeoil).
int CertsCommand(int argc, char** argv) {
  std::string out_dir, name = HostName();
  bool force = false;
  auto key_type = ringway::tls::KeyType::kEcdsaP256;
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const std::string& flag, std::string* to) {
      if (arg.rfind(flag + "=", 0) == 0) {
        *to = arg.substr(flag.size() + 1);
        return true;
      }
      if (arg == flag && i + 1 < argc) {
        *to = argv[++i];
        return true;
      }
      return false;
    };
    if (value("--out", &out_dir) || value("--name", &name)) continue;
    if (arg == "--force") {
      force = true;
    } else if (arg == "--rsa") {
      key_type = ringway::tls::KeyType::kRsa2048;
    } else {
      return Usage("bad argument for certs snakeoil: " + arg);
    }
  }
  if (out_dir.empty()) return Usage("certs snakeoil needs --out DIR");
  if (name.empty() || name.find_first_of(" /\n") != std::string::npos) {
    return Usage("bad --name: " + name);
  }
  auto files =
      ringway::control::GenerateSnakeoil(out_dir, name, key_type, force);
  if (!files.ok()) {
    std::fprintf(stderr, "ringwayctl: %s\n",
                 std::string(files.status().message()).c_str());
    return 1;
  }
  std::printf("wrote %s (mode 0600) and %s for %s\n", files->key_file.c_str(),
              files->cert_file.c_str(), name.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "certs") {
    if (argc < 3 || std::string(argv[2]) != "snakeoil") {
      return Usage("unknown certs command (try: certs snakeoil --out DIR)");
    }
    return CertsCommand(argc, argv);
  }
  std::string socket_path = ringway::control::kDefaultAdminSocket;
  bool json = false;
  std::vector<std::string> words;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--socket=", 0) == 0) {
      socket_path = arg.substr(9);
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg.rfind("--", 0) == 0) {
      return Usage("unknown flag " + arg);
    } else {
      words.push_back(arg);
    }
  }
  std::string request;
  if (int code = BuildRequest(words, json, &request); code != 0) return code;
  std::string reply, error;
  if (!Exchange(socket_path, request, &reply, &error)) {
    std::fprintf(stderr, "ringwayctl: %s\n", error.c_str());
    return kAdminUsage;
  }
  // "<code> <reason>\n<body>": the reason goes to stderr on failure.
  size_t space = reply.find(' ');
  size_t newline = reply.find('\n');
  int code = std::atoi(reply.substr(0, space).c_str());
  std::string reason = reply.substr(space + 1, newline - space - 1);
  std::string body =
      newline == std::string::npos ? "" : reply.substr(newline + 1);
  if (code == 0) {
    bool changed_table =
        words[0] == "routes" && (words[1] == "apply" || words[1] == "rollback");
    if (body.empty() || changed_table) {
      std::printf("%s\n", reason.c_str());
    }
    std::fputs(body.c_str(), stdout);
  } else {
    std::fprintf(stderr, "ringwayctl: %s\n%s", reason.c_str(), body.c_str());
  }
  return code;
}
