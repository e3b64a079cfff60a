// ringwayctl: operate a running ringway over its admin socket.
//
//   ringwayctl routes apply FILE     validate, then swap the route table
//   ringwayctl routes diff FILE      what apply would change
//   ringwayctl routes show           version, content hash, source, applied-at
//   ringwayctl routes rollback       back to the previous table
//   ringwayctl stats                 per-shard counters
//   --json (any admin command): the reply (proto/admin.proto) in protobuf's
//   JSON mapping instead of text
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
#include "control/admin_request.h"
#include "control/admin_text.h"
#include "control/snakeoil.h"
#include "google/protobuf/util/json_util.h"
#include "proto/admin.pb.h"

namespace {

using ringway::control::kAdminUsage;

constexpr char kUsage[] =
    "usage: ringwayctl [--socket=PATH] COMMAND\n"
    "  routes apply FILE      validate FILE, then make it the live route "
    "table\n"
    "  routes diff FILE       show what applying FILE would change\n"
    "  routes show            the live table: version, hash, source, time\n"
    "  routes rollback        go back to the previous route table\n"
    "  stats                  per-shard connection, byte and error counters\n"
    "  --json                 print the admin reply as JSON (protobuf's "
    "mapping)\n"
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
  // The table goes only to a ringway of root or this user: anyone could
  // have made a socket at a path in a shared directory.
  ucred server{};
  socklen_t length = sizeof(server);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &server, &length) != 0 ||
      (server.uid != 0 && server.uid != getuid())) {
    *error = "the admin socket " + socket_path + " is served by uid " +
             std::to_string(server.uid) + ", neither root nor this user";
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

// The request for the command words.
int BuildRequest(const std::vector<std::string>& words,
                 ringway::admin::Request* request) {
  if (words.size() == 1 && words[0] == "stats") {
    request->mutable_get_stats();
    return 0;
  }
  if (words.size() < 2 || words[0] != "routes") {
    return Usage(words.empty() ? "no command" : "unknown command: " + words[0]);
  }
  const std::string& verb = words[1];
  if (verb == "show" && words.size() == 2) {
    request->mutable_show_routes();
    return 0;
  }
  if (verb == "rollback" && words.size() == 2) {
    request->mutable_rollback_routes();
    return 0;
  }
  if ((verb == "apply" || verb == "diff") && words.size() == 3) {
    std::string text;
    if (!ReadFile(words[2], &text)) return Usage("cannot read " + words[2]);
    if (text.empty()) return Usage(words[2] + " is empty");
    if (verb == "diff") {
      request->mutable_diff_routes()->set_table(std::move(text));
      return 0;
    }
    // The source names the file (printable, bounded: the server checks).
    std::string source =
        words[2].substr(0, ringway::control::kMaxAdminSourceBytes);
    for (char& c : source) {
      if (c < ' ' || c == 0x7f) c = '_';
    }
    request->mutable_apply_routes()->set_table(std::move(text));
    request->mutable_apply_routes()->set_source(std::move(source));
    return 0;
  }
  return Usage("bad arguments for routes " + verb);
}

// The reply for people: what changed, the table, the diff or the stats
// tables on stdout; a refusal's reason and errors on stderr.
void PrintReply(const ringway::admin::Request& request,
                const ringway::admin::Reply& reply) {
  using ringway::admin::Request;
  if (reply.status() != ringway::admin::Reply::OK) {
    std::fprintf(stderr, "ringwayctl: %s\n", reply.message().c_str());
    for (const std::string& error : reply.errors()) {
      std::fprintf(stderr, "%s\n", error.c_str());
    }
    return;
  }
  switch (request.command_case()) {
    case Request::kApplyRoutes:
    case Request::kRollbackRoutes:
      std::printf("%s\n", reply.message().c_str());
      return;
    case Request::kDiffRoutes:
      if (reply.diff().empty()) {
        std::printf("%s\n", reply.message().c_str());
      } else {
        std::fputs(reply.diff().c_str(), stdout);
      }
      return;
    case Request::kShowRoutes:
      std::fputs(ringway::control::RouteTableText(reply.route_table()).c_str(),
                 stdout);
      return;
    case Request::kGetStats:
      std::fputs(ringway::control::StatsText(reply.stats()).c_str(), stdout);
      return;
    case Request::COMMAND_NOT_SET:
      return;
  }
}

// The reply in protobuf's JSON mapping, every field present.
int PrintJson(const ringway::admin::Reply& reply) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(reply, &json, options)
           .ok()) {
    std::fprintf(stderr, "ringwayctl: cannot print the reply as JSON\n");
    return kAdminUsage;
  }
  std::printf("%s\n", json.c_str());
  return 0;
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
  std::string socket_path = ringway::control::DefaultAdminSocket();
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
  ringway::admin::Request request;
  if (int code = BuildRequest(words, &request); code != 0) return code;
  std::string bytes, error;
  if (!Exchange(socket_path, ringway::control::FormatAdminRequest(request),
                &bytes, &error)) {
    std::fprintf(stderr, "ringwayctl: %s\n", error.c_str());
    return kAdminUsage;
  }
  ringway::admin::Reply reply;
  if (!reply.ParseFromString(bytes)) {
    std::fprintf(stderr,
                 "ringwayctl: the answer is not an admin reply (is %s a "
                 "ringway of this version?)\n",
                 socket_path.c_str());
    return kAdminUsage;
  }
  if (json) {
    if (int code = PrintJson(reply); code != 0) return code;
  } else {
    PrintReply(request, reply);
  }
  // A status this build does not know (a newer ringway) is still a failure.
  const int status = static_cast<int>(reply.status());
  return status >= 0 && status <= kAdminUsage ? status : kAdminUsage;
}
