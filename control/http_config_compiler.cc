#include "control/http_config_compiler.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "control/duration_field.h"
#include "dataplane/address/cidr.h"
#include "dataplane/codec/http_message.h"
#include "dataplane/route/server_name_matcher.h"

namespace ringway::control {
namespace {

constexpr uint32_t kDefaultHeaderTimeoutMs = 60'000;
constexpr uint32_t kDefaultKeepaliveTimeoutMs = 75'000;
constexpr uint32_t kDefaultUpstreamTimeoutMs = 60'000;
constexpr int kMaxHeaderCount = 128;

template <typename... Args>
void Error(std::vector<std::string>* errors,
           const absl::FormatSpec<Args...>& format, const Args&... args) {
  errors->push_back(absl::StrFormat(format, args...));
}

bool IsFieldValue(std::string_view value) {
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// ServerNameMatcher::Build names its inputs "routes[i]"; for virtual hosts
// input i is virtual_hosts[hosts[i].target] (the default host has no
// input), so every "routes[i]" in `message` is rewritten to that.
std::string VirtualHostError(absl::string_view message,
                             const std::vector<route::ServerNameRoute>& hosts) {
  constexpr absl::string_view kRoutes = "routes[";
  std::string out;
  size_t pos = 0;
  for (size_t at; (at = message.find(kRoutes, pos)) != message.npos;) {
    const size_t digits = at + kRoutes.size();
    const size_t close = message.find(']', digits);
    uint32_t index = 0;
    if (close == message.npos ||
        !absl::SimpleAtoi(message.substr(digits, close - digits), &index) ||
        index >= hosts.size()) {
      absl::StrAppend(&out, message.substr(pos, digits - pos));
      pos = digits;
      continue;
    }
    absl::StrAppend(&out, message.substr(pos, at - pos), "virtual_hosts[",
                    hosts[index].target, "]");
    pos = close + 1;
  }
  absl::StrAppend(&out, message.substr(pos));
  return out;
}

void CompileLimits(const config::HttpLimits& limits, const std::string& path,
                   codec::HttpLimits* out, std::vector<std::string>* errors) {
  if (limits.max_request_line_bytes()) {
    out->max_request_line = limits.max_request_line_bytes();
  }
  if (limits.max_header_bytes()) {
    out->max_head_bytes = limits.max_header_bytes();
  }
  if (limits.max_header_count()) {
    if (limits.max_header_count() > kMaxHeaderCount) {
      Error(errors, "%s.limits.max_header_count: %d is over %d", path,
            limits.max_header_count(), kMaxHeaderCount);
    }
    out->max_header_count = limits.max_header_count();
  }
  out->max_body_bytes = limits.max_body_bytes();
}

void CompileRealIp(const config::RealIp& in, const std::string& path,
                   route::RealIpFromHeader* out,
                   std::vector<std::string>* errors) {
  out->enabled = true;
  out->recursive = in.recursive();
  if (!in.header().empty()) {
    if (!codec::IsFieldName(in.header())) {
      Error(errors, "%s.real_ip.header: \"%s\" is not a field name", path,
            in.header());
    }
    out->header = absl::AsciiStrToLower(in.header());
  }
  if (in.trusted_cidrs_size() == 0) {
    Error(errors, "%s.real_ip.trusted_cidrs: at least one required", path);
  }
  for (int c = 0; c < in.trusted_cidrs_size(); ++c) {
    auto cidr = address::Cidr::Parse(in.trusted_cidrs(c));
    if (!cidr.ok()) {
      Error(errors, "%s.real_ip.trusted_cidrs[%d]: %s", path, c,
            cidr.status().message());
      continue;
    }
    out->trusted.push_back(*cidr);
  }
}

// Longest prefix first: the first location that matches is the longest.
void CompileLocations(const config::VirtualHost& in, const std::string& path,
                      const GroupResolver& group, route::VirtualHost* out,
                      std::vector<std::string>* errors) {
  absl::flat_hash_map<std::string, int> prefixes;
  for (int l = 0; l < in.locations_size(); ++l) {
    const config::Location& lin = in.locations(l);
    std::string lpath = absl::StrFormat("%s.locations[%d]", path, l);
    if (lin.path_prefix().empty() || lin.path_prefix()[0] != '/') {
      Error(errors, "%s.path_prefix: must start with \"/\"", lpath);
    } else if (auto [it, fresh] = prefixes.emplace(lin.path_prefix(), l);
               !fresh) {
      Error(errors, "%s.path_prefix: \"%s\" repeats locations[%d]", lpath,
            lin.path_prefix(), it->second);
    }
    if (!IsFieldValue(lin.upstream_host())) {
      Error(errors, "%s.upstream_host: CR, LF or NUL in it", lpath);
    }
    out->locations.push_back(route::HttpLocation{
        lin.path_prefix(),
        group(lin.upstream_group(), lpath + ".upstream_group"),
        lin.upstream_host()});
  }
  std::stable_sort(
      out->locations.begin(), out->locations.end(),
      [](const route::HttpLocation& a, const route::HttpLocation& b) {
        return a.path_prefix.size() > b.path_prefix.size();
      });
}

void CompileResponseHeaders(const config::VirtualHost& in,
                            const std::string& path, route::VirtualHost* out,
                            std::vector<std::string>* errors) {
  for (int h = 0; h < in.response_headers_size(); ++h) {
    const config::HeaderField& field = in.response_headers(h);
    std::string hpath = absl::StrFormat("%s.response_headers[%d]", path, h);
    if (!codec::IsFieldName(field.name())) {
      Error(errors, "%s.name: \"%s\" is not a field name", hpath, field.name());
    }
    if (!IsFieldValue(field.value())) {
      Error(errors, "%s.value: CR, LF or NUL in it", hpath);
    }
    out->response_headers.push_back({field.name(), field.value()});
  }
}

route::VirtualHost CompileVirtualHost(const config::VirtualHost& in,
                                      const std::string& path, bool https,
                                      const GroupResolver& group,
                                      std::vector<std::string>* errors) {
  route::VirtualHost out;
  out.name = in.server_names_size() ? in.server_names(0) : "default";
  CompileLocations(in, path, group, &out, errors);
  CompileResponseHeaders(in, path, &out, errors);
  out.redirect_to_https = in.redirect_to_https();
  if (in.redirect_to_https() && https) {
    Error(errors, "%s.redirect_to_https: only on plain http listeners", path);
  }
  if (in.https_port() > 65535) {
    Error(errors, "%s.https_port: %d is not a port", path, in.https_port());
  }
  out.https_port =
      in.https_port() ? static_cast<uint16_t>(in.https_port()) : 443;
  if (!in.acme_challenge_upstream_group().empty()) {
    out.acme_challenge_group = group(in.acme_challenge_upstream_group(),
                                     path + ".acme_challenge_upstream_group");
  }
  if (out.locations.empty() && !out.redirect_to_https) {
    Error(errors, "%s.locations: at least one required (or redirect_to_https)",
          path);
  }
  return out;
}

}  // namespace

void CompileHttpOptions(const config::HttpListener& in, const std::string& path,
                        route::HttpRoutes* out,
                        std::vector<std::string>* errors) {
  out->header_timeout_ns =
      DurationFieldNs(in.header_timeout_ms(), kDefaultHeaderTimeoutMs);
  out->keepalive_timeout_ns =
      DurationFieldNs(in.keepalive_timeout_ms(), kDefaultKeepaliveTimeoutMs);
  out->upstream_timeout_ns =
      DurationFieldNs(in.upstream_timeout_ms(), kDefaultUpstreamTimeoutMs);
  CompileLimits(in.limits(), path, &out->limits, errors);

  const config::ForwardedHeaders& fwd = in.forwarded_headers();
  out->forwarded.x_forwarded_for =
      !fwd.has_x_forwarded_for() || fwd.x_forwarded_for();
  out->forwarded.x_real_ip = !fwd.has_x_real_ip() || fwd.x_real_ip();
  out->forwarded.x_forwarded_proto =
      !fwd.has_x_forwarded_proto() || fwd.x_forwarded_proto();
  out->forwarded.x_forwarded_host =
      !fwd.has_x_forwarded_host() || fwd.x_forwarded_host();
  out->forwarded.forwarded = fwd.forwarded();

  if (in.has_real_ip())
    CompileRealIp(in.real_ip(), path, &out->real_ip, errors);
}

void CompileVirtualHosts(const config::HttpListener& in,
                         const std::string& path, bool https,
                         const GroupResolver& group, route::HttpRoutes* out,
                         std::vector<std::string>* errors) {
  std::vector<route::ServerNameRoute> hosts;
  std::optional<uint32_t> default_host;
  for (int v = 0; v < in.virtual_hosts_size(); ++v) {
    const config::VirtualHost& vin = in.virtual_hosts(v);
    std::string vpath = absl::StrFormat("%s.virtual_hosts[%d]", path, v);
    if (vin.server_names_size() == 0) {
      if (default_host.has_value()) {
        Error(errors,
              "%s: a second virtual host without server_names (only one "
              "default)",
              vpath);
      }
      default_host = v;
    } else {
      hosts.push_back(route::ServerNameRoute{
          {vin.server_names().begin(), vin.server_names().end()},
          {},
          static_cast<uint32_t>(v)});
    }
    out->virtual_hosts.push_back(
        CompileVirtualHost(vin, vpath, https, group, errors));
  }
  if (in.virtual_hosts_size() == 0) {
    Error(errors, "%s.virtual_hosts: at least one required", path);
  }
  auto matcher = route::ServerNameMatcher::Build(hosts, default_host);
  if (!matcher.ok()) {
    Error(errors, "%s.%s", path,
          VirtualHostError(matcher.status().message(), hosts));
  } else {
    out->hosts =
        std::make_shared<const route::ServerNameMatcher>(std::move(*matcher));
  }
}

}  // namespace ringway::control
