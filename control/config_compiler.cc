#include "control/config_compiler.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <openssl/sha.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "control/access_log_files.h"
#include "control/duration_field.h"
#include "control/health_check_compiler.h"
#include "control/http_config_compiler.h"
#include "control/tls_config_compiler.h"
#include "dataplane/address/socket_address.h"
#include "dataplane/codec/http_message.h"
#include "dataplane/common/monotonic_clock.h"
#include "dataplane/tls/ktls_socket.h"
#include "dataplane/tls/ticket_keys.h"
#include "dataplane/upstream/load_balancer.h"

namespace ringway::control {
namespace {

constexpr uint32_t kDefaultIdleTimeoutMs = 600'000;
constexpr uint32_t kDefaultConnectTimeoutMs = 5'000;
constexpr uint32_t kDefaultBacklog = 4096;
constexpr uint32_t kDefaultClientHelloMaxBytes = 16384;
constexpr uint32_t kMinClientHelloMaxBytes = 512;
constexpr uint32_t kMaxClientHelloMaxBytes = 65536;
constexpr uint32_t kDefaultPeekTimeoutMs = 10'000;
constexpr uint64_t kNsPerSec = 1'000'000'000;
// TCP_DEFER_ACCEPT period of a listener that does not peek.
constexpr uint64_t kDeferAcceptNoPeekNs = 10 * kNsPerSec;

// What a server's certificate is checked against: the group's tls.name,
// else the server's name, else its address (without the port).
std::string ServerTlsName(const config::UpstreamGroup& group, int server,
                          const address::SocketAddress& address) {
  if (!group.tls().name().empty()) return group.tls().name();
  if (!group.servers(server).name().empty()) {
    return group.servers(server).name();
  }
  std::string text = address.ToString();
  text.erase(text.rfind(':'));
  if (!text.empty() && text.front() == '[')
    text = text.substr(1, text.size() - 2);
  return text;
}

class CollectingErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit CollectingErrors(std::vector<std::string>* errors)
      : errors_(errors) {}
  void AddError(int line, int column, const std::string& message) override {
    errors_->push_back(absl::StrFormat("line %d column %d: %s", line + 1,
                                       column + 1, message));
  }
  void AddWarning(int, int, const std::string&) override {}

 private:
  std::vector<std::string>* errors_;
};

// Holds the table being compiled and the errors found so far.
class Compiler {
 public:
  Compiler(CompileResult* result, const CompileOptions& options)
      : result_(result), options_(options) {}

  void Run() {
    snapshot_ = std::make_shared<route::RouteSnapshot>();
    CompileGroups();
    CompileListeners();
    CompileAdmin();
    if (result_->errors.empty()) result_->snapshot = std::move(snapshot_);
  }

 private:
  template <typename... Args>
  void Error(const absl::FormatSpec<Args...>& format, const Args&... args) {
    result_->errors.push_back(absl::StrFormat(format, args...));
  }

  void CompileGroups() {
    const config::Config& config = result_->config;
    for (int i = 0; i < config.upstream_groups_size(); ++i) {
      const config::UpstreamGroup& in = config.upstream_groups(i);
      std::string path = absl::StrFormat("upstream_groups[%d]", i);
      if (in.name().empty()) Error("%s.name: required", path);
      if (!in.name().empty() &&
          !group_index_.emplace(in.name(), snapshot_->groups.size()).second) {
        Error("%s.name: duplicate upstream group \"%s\"", path, in.name());
      }
      route::UpstreamGroup out;
      out.name = in.name();
      if (in.servers_size() == 0)
        Error("%s.servers: at least one required", path);
      for (int s = 0; s < in.servers_size(); ++s) {
        auto address = address::SocketAddress::Parse(in.servers(s).address());
        if (!address.ok()) {
          Error("%s.servers[%d].address: %s", path, s,
                address.status().message());
          continue;
        }
        out.servers.push_back(*address);
        if (!in.servers(s).name().empty() &&
            in.servers(s).name().find_first_of(" /\r\n") != std::string::npos) {
          Error("%s.servers[%d].name: \"%s\" is not a host name", path, s,
                in.servers(s).name());
        }
        out.tls_names.push_back(ServerTlsName(in, s, *address));
        uint32_t weight = in.servers(s).weight() ? in.servers(s).weight() : 1;
        if (weight > 1000) {
          Error("%s.servers[%d].weight: %u is over 1000", path, s, weight);
        }
        out.weights.push_back(weight);
        out.equal_weights = out.equal_weights && weight == out.weights[0];
      }
      switch (in.balancing()) {
        case config::UpstreamGroup::LEAST_CONNECTIONS:
          out.balancing = route::Balancing::kLeastConnections;
          break;
        case config::UpstreamGroup::CLIENT_ADDRESS_HASH:
          out.balancing = route::Balancing::kClientAddressHash;
          out.hash_ring = upstream::BuildHashRing(out.servers, out.weights);
          break;
        default:
          out.balancing = route::Balancing::kRoundRobin;
          break;
      }
      out.max_fails = in.has_max_fails() ? in.max_fails() : 1;
      out.fail_timeout_ns = DurationFieldNs(in.fail_timeout_ms(), 10'000);
      out.connect_timeout_ns =
          DurationFieldNs(in.connect_timeout_ms(), kDefaultConnectTimeoutMs);
      out.max_connect_attempts = in.max_connect_attempts()
                                     ? in.max_connect_attempts()
                                     : std::max(1, in.servers_size());
      out.send_proxy_protocol =
          static_cast<route::ProxyProtocolVersion>(in.send_proxy_protocol());
      out.keepalive = in.has_keepalive() ? in.keepalive() : 32;
      out.keepalive_timeout_ns =
          DurationFieldNs(in.keepalive_timeout_ms(), 60'000);
      if (in.has_tls()) {
        out.tls = CompileUpstreamTls(in.tls(), path + ".tls", &result_->errors);
        out.tls_send_sni = in.tls().server_name();
        out.ktls = CompileKtls(in.tls().ktls(), path + ".tls.ktls");
        // Same settings, same key: a swap keeps idle connections and
        // sessions of servers that stay.
        out.transport_key = "tls:" + ContentHash(in.tls().ShortDebugString());
      }
      CompileHealthCheck(in, path, &out, &result_->errors);
      snapshot_->groups.push_back(std::move(out));
    }
  }

  void CompileAdmin() {
    const config::Config& config = result_->config;
    if (!config.has_admin()) return;
    std::string address = config.admin().http_address().empty()
                              ? "127.0.0.1:9901"
                              : config.admin().http_address();
    auto parsed = address::SocketAddress::Parse(address);
    if (!parsed.ok()) {
      Error("admin.http_address: %s", parsed.status().message());
      return;
    }
    snapshot_->admin_http_address = parsed->ToString();
  }

  void CompileListeners() {
    const config::Config& config = result_->config;
    if (config.listeners_size() == 0) Error("listeners: at least one required");
    absl::flat_hash_set<std::string> names;
    absl::flat_hash_map<std::string, int> addresses;
    for (int i = 0; i < config.listeners_size(); ++i) {
      const config::Listener& in = config.listeners(i);
      std::string path = absl::StrFormat("listeners[%d]", i);
      if (in.name().empty()) Error("%s.name: required", path);
      if (!in.name().empty() && !names.insert(in.name()).second) {
        Error("%s.name: duplicate listener \"%s\"", path, in.name());
      }
      auto address = address::SocketAddress::Parse(in.address());
      if (!address.ok()) {
        Error("%s.address: %s", path, address.status().message());
      } else if (address->port() != 0) {
        auto [it, fresh] = addresses.emplace(address->ToString(), i);
        if (!fresh) {
          Error("%s.address: %s is already used by listeners[%d]", path,
                address->ToString(), it->second);
        }
      }
      route::ListenerRoutes out;
      out.name = in.name();
      out.address = in.address();
      out.idle_timeout_ns =
          DurationFieldNs(in.idle_timeout_ms(), kDefaultIdleTimeoutMs);
      out.backlog = in.backlog() ? static_cast<int>(in.backlog())
                                 : static_cast<int>(kDefaultBacklog);
      CompileHandler(in, path, &out);
      out.defer_accept_s = DeferAcceptSeconds(in, out);
      if (in.has_half_close()) {
        if (!in.half_close() && (out.IsHttp() || out.tls_stream)) {
          Error(
              "%s.half_close: off only for listeners relaying bytes as "
              "they are (tcp_proxy to a group without tls, "
              "tls_passthrough); where ringway speaks TLS each direction "
              "ends with its close_notify",
              path);
        }
        out.half_close = in.half_close();
      }
      if (in.has_access_log()) {
        AccessLogFiles& files = options_.access_logs != nullptr
                                    ? *options_.access_logs
                                    : AccessLogFiles::Process();
        auto file = files.Get(in.access_log().path());
        if (!file.ok()) {
          Error("%s.access_log.path: %s", path, file.status().message());
        } else {
          out.access_log = *std::move(file);
        }
      }
      snapshot_->listeners.push_back(std::move(out));
    }
  }

  // The kernel accepts a silent client after this long anyway: the peek
  // timeout where ringway would close it then, else a fixed 10 s.
  static int DeferAcceptSeconds(const config::Listener& in,
                                const route::ListenerRoutes& out) {
    const bool on = in.has_defer_accept()
                        ? in.defer_accept()
                        : out.kind == route::ListenerKind::kTlsPassthrough ||
                              out.IsHttp() || out.TerminatesTls();
    if (!on) return 0;
    uint64_t timeout_ns = out.kind == route::ListenerKind::kTlsPassthrough
                              ? out.tls.peek_timeout_ns
                          : out.IsHttp() || out.TerminatesTls()
                              ? out.http.header_timeout_ns
                          : out.proxy_protocol.enabled ? out.peek_timeout_ns
                                                       : kDeferAcceptNoPeekNs;
    return static_cast<int>((timeout_ns + kNsPerSec - 1) / kNsPerSec);
  }

  void CompileHandler(const config::Listener& in, const std::string& path,
                      route::ListenerRoutes* out) {
    switch (in.handler_case()) {
      case config::Listener::kTcpProxy:
        out->kind = route::ListenerKind::kTcpProxy;
        out->upstream_group = GroupRef(in.tcp_proxy().upstream_group(),
                                       path + ".tcp_proxy.upstream_group");
        break;
      case config::Listener::kTlsPassthrough:
        out->kind = route::ListenerKind::kTlsPassthrough;
        CompilePassthrough(in.tls_passthrough(), path + ".tls_passthrough",
                           &out->tls);
        break;
      case config::Listener::kHttp:
        out->kind = route::ListenerKind::kHttp;
        CompileHttp(in.http(), path + ".http", false, &out->http);
        break;
      case config::Listener::kHttps:
        out->kind = route::ListenerKind::kHttps;
        CompileHttp(in.https(), path + ".https", true, &out->http);
        break;
      case config::Listener::kTlsTerminate: {
        const config::TlsTerminate& t = in.tls_terminate();
        const std::string tpath = path + ".tls_terminate";
        out->kind = route::ListenerKind::kTlsTerminate;
        out->upstream_group =
            GroupRef(t.upstream_group(), tpath + ".upstream_group");
        out->http.header_timeout_ns =
            DurationFieldNs(t.handshake_timeout_ms(), 60'000);
        if (!t.has_tls()) {
          Error("%s.tls: required", tpath);
        } else {
          CompileTls(t.tls(), tpath + ".tls", &out->http);
        }
        out->tls_stream = true;
        break;
      }
      case config::Listener::HANDLER_NOT_SET:
        Error(
            "%s: one of tcp_proxy, tls_passthrough, tls_terminate, http or "
            "https is required",
            path);
        break;
    }
    if (out->kind == route::ListenerKind::kTcpProxy &&
        out->upstream_group < snapshot_->groups.size() &&
        snapshot_->groups[out->upstream_group].tls != nullptr) {
      out->tls_stream = true;
    }
    out->peek_timeout_ns = out->IsHttp() || out->TerminatesTls()
                               ? out->http.header_timeout_ns
                               : kDefaultPeekTimeoutMs * kNsPerMs;
    if (in.has_proxy_protocol()) {
      CompileProxyProtocolInbound(in.proxy_protocol(), path + ".proxy_protocol",
                                  &out->proxy_protocol);
    }
  }

  void CompilePassthrough(const config::TlsPassthrough& in,
                          const std::string& path,
                          route::TlsPassthroughRoutes* out) {
    std::vector<route::ServerNameRoute> routes;
    for (int r = 0; r < in.routes_size(); ++r) {
      const config::TlsRoute& route = in.routes(r);
      std::string route_path = absl::StrFormat("%s.routes[%d]", path, r);
      if (route.server_names_size() == 0 && route.alpn_size() == 0) {
        Error(
            "%s: needs server_names or alpn (use default_upstream_group "
            "for everything else)",
            route_path);
      }
      routes.push_back(route::ServerNameRoute{
          {route.server_names().begin(), route.server_names().end()},
          {route.alpn().begin(), route.alpn().end()},
          GroupRef(route.upstream_group(), route_path + ".upstream_group")});
    }
    if (!in.default_upstream_group().empty()) {
      out->default_group = GroupRef(in.default_upstream_group(),
                                    path + ".default_upstream_group");
    }
    auto matcher = route::ServerNameMatcher::Build(routes, out->default_group);
    if (!matcher.ok()) {
      Error("%s.%s", path, matcher.status().message());
    } else {
      out->matcher =
          std::make_shared<const route::ServerNameMatcher>(std::move(*matcher));
    }
    out->client_hello_max_bytes = in.client_hello_max_bytes()
                                      ? in.client_hello_max_bytes()
                                      : kDefaultClientHelloMaxBytes;
    if (out->client_hello_max_bytes < kMinClientHelloMaxBytes ||
        out->client_hello_max_bytes > kMaxClientHelloMaxBytes) {
      Error("%s.client_hello_max_bytes: %d is out of range (%d..%d)", path,
            out->client_hello_max_bytes, kMinClientHelloMaxBytes,
            kMaxClientHelloMaxBytes);
    }
    out->peek_timeout_ns =
        DurationFieldNs(in.peek_timeout_ms(), kDefaultPeekTimeoutMs);
    out->bad_client_hello_to_default =
        in.on_bad_client_hello() == config::TlsPassthrough::USE_DEFAULT;
    if (out->bad_client_hello_to_default && !out->default_group) {
      Error("%s.on_bad_client_hello: USE_DEFAULT needs default_upstream_group",
            path);
    }
  }

  void CompileHttp(const config::HttpListener& in, const std::string& path,
                   bool https, route::HttpRoutes* out) {
    CompileHttpOptions(in, path, out, &result_->errors);
    if (https) {
      if (!in.has_tls()) {
        Error("%s.tls: required on an https listener", path);
      } else {
        CompileTls(in.tls(), path + ".tls", out);
      }
    } else if (in.has_tls()) {
      Error("%s.tls: only for https listeners", path);
    }
    CompileVirtualHosts(
        in, path, https,
        [this](const std::string& name, const std::string& group_path) {
          return GroupRef(name, group_path);
        },
        out, &result_->errors);
  }

  void CompileTls(const config::TlsTermination& in, const std::string& path,
                  route::HttpRoutes* out) {
    const config::ClientVerify& verify = in.client_verify();
    for (const std::string* name :
         {&verify.verify_result_header(), &verify.subject_header()}) {
      if (!name->empty() && !codec::IsFieldName(*name)) {
        Error("%s.client_verify: \"%s\" is not a field name", path, *name);
      }
    }
    out->forwarded.client_verify_header = verify.verify_result_header();
    out->forwarded.client_subject_header = verify.subject_header();
    out->tls =
        CompileTlsTermination(in, path, options_.ticket_keys, &result_->errors);
    out->ktls = CompileKtls(in.ktls(), path + ".ktls");
  }

  // ON is a promise the kernel must be able to keep: refused here, with
  // the probe's reason, rather than failing every connection later.
  route::KtlsMode CompileKtls(config::Ktls::Mode mode,
                              const std::string& path) {
    switch (mode) {
      case config::Ktls::ON: {
        const tls::KtlsSupport& kernel = tls::KernelKtlsSupport();
        if (!kernel.available) {
          Error(
              "%s: ON, but this kernel has no kTLS (%s); use AUTO to fall "
              "back to user-space TLS",
              path, kernel.reason);
        }
        return route::KtlsMode::kOn;
      }
      case config::Ktls::OFF:
        return route::KtlsMode::kOff;
      default:
        return route::KtlsMode::kAuto;
    }
  }

  void CompileProxyProtocolInbound(const config::ProxyProtocolInbound& in,
                                   const std::string& path,
                                   route::ProxyProtocolInbound* out) {
    out->enabled = true;
    out->required = in.required();
    if (in.trusted_cidrs_size() == 0) {
      Error(
          "%s.trusted_cidrs: at least one required (who may send PROXY "
          "headers?)",
          path);
    }
    for (int c = 0; c < in.trusted_cidrs_size(); ++c) {
      auto cidr = address::Cidr::Parse(in.trusted_cidrs(c));
      if (!cidr.ok()) {
        Error("%s.trusted_cidrs[%d]: %s", path, c, cidr.status().message());
        continue;
      }
      out->trusted.push_back(*cidr);
    }
  }

  uint32_t GroupRef(const std::string& name, const std::string& path) {
    if (name.empty()) {
      Error("%s: required", path);
      return 0;
    }
    auto it = group_index_.find(name);
    if (it == group_index_.end()) {
      Error("%s: unknown upstream group \"%s\"", path, name);
      return 0;
    }
    return it->second;
  }

  CompileResult* result_;
  const CompileOptions& options_;
  std::shared_ptr<route::RouteSnapshot> snapshot_;
  absl::flat_hash_map<std::string, uint32_t> group_index_;
};

}  // namespace

CompileResult CompileConfigText(std::string_view text) {
  // One ticket key secret per process, so tickets resume across applies.
  static const CompileOptions* const kDefaults = [] {
    auto* options = new CompileOptions;
    options->ticket_keys = tls::TicketKeySource::Random(absl::Hours(12));
    return options;
  }();
  return CompileConfigText(text, *kDefaults);
}

CompileResult CompileConfigText(std::string_view text,
                                const CompileOptions& options) {
  CompileResult result;
  google::protobuf::TextFormat::Parser parser;
  CollectingErrors errors(&result.errors);
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &result.config)) {
    if (result.errors.empty()) result.errors.push_back("cannot parse config");
    return result;
  }
  Compiler(&result, options).Run();
  if (result.ok()) {
    result.snapshot->config_text = CanonicalText(result.config);
    result.snapshot->content_hash = ContentHash(result.snapshot->config_text);
  }
  return result;
}

std::string CanonicalText(const config::Config& config) {
  std::string text;
  google::protobuf::TextFormat::Printer printer;
  printer.PrintToString(config, &text);
  return text;
}

std::string ContentHash(std::string_view canonical_text) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(canonical_text.data()),
         canonical_text.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), 16));
}

}  // namespace ringway::control
