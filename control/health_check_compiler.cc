#include "control/health_check_compiler.h"

#include <algorithm>
#include <string_view>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dataplane/common/monotonic_clock.h"

namespace ringway::control {
namespace {

// HAProxy's defaults: `inter 2s rise 2 fall 3`, `timeout check` = inter.
constexpr uint32_t kDefaultIntervalMs = 2000;
constexpr uint32_t kMaxDefaultTimeoutMs = 2000;
constexpr uint32_t kMinIntervalMs = 100;
constexpr uint32_t kMaxRun = 100;

// Visible ASCII only: what goes into the request line and Host as is.
bool IsVisibleText(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string HttpRequest(const std::string& path, const std::string& host) {
  return absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: ", host,
                      "\r\nUser-Agent: ringway-health-check\r\n"
                      "Accept: */*\r\nConnection: close\r\n\r\n");
}

}  // namespace

void CompileHealthCheck(const config::UpstreamGroup& in,
                        const std::string& group_path,
                        route::UpstreamGroup* group,
                        std::vector<std::string>* errors) {
  if (!in.has_health_check()) return;
  const config::HealthCheck& check = in.health_check();
  const std::string path = group_path + ".health_check";
  auto error = [&](const char* field, const std::string& message) {
    errors->push_back(absl::StrCat(path, ".", field, ": ", message));
  };
  route::HealthCheck out;
  switch (check.type()) {
    case config::HealthCheck::TLS:
      out.kind = route::HealthCheckKind::kTls;
      if (!in.has_tls()) {
        error("type", std::string("TLS checks need the group's tls settings"));
      }
      break;
    case config::HealthCheck::HTTP:
      out.kind = route::HealthCheckKind::kHttp;
      break;
    default:
      out.kind = route::HealthCheckKind::kTcp;
      break;
  }
  const uint32_t interval_ms =
      check.interval_ms() ? check.interval_ms() : kDefaultIntervalMs;
  if (interval_ms < kMinIntervalMs) {
    error("interval_ms", absl::StrFormat("%u is below the minimum of %u",
                                         interval_ms, kMinIntervalMs));
  }
  const uint32_t timeout_ms = check.timeout_ms()
                                  ? check.timeout_ms()
                                  : std::min(interval_ms, kMaxDefaultTimeoutMs);
  if (timeout_ms > interval_ms) {
    error("timeout_ms", absl::StrFormat("%u is longer than interval_ms %u",
                                        timeout_ms, interval_ms));
  }
  out.interval_ns = uint64_t{interval_ms} * kNsPerMs;
  out.timeout_ns = uint64_t{timeout_ms} * kNsPerMs;
  out.rise = check.rise() ? check.rise() : 2;
  out.fall = check.fall() ? check.fall() : 3;
  if (out.rise > kMaxRun) {
    error("rise", absl::StrFormat("%u is over %u", out.rise, kMaxRun));
  }
  if (out.fall > kMaxRun) {
    error("fall", absl::StrFormat("%u is over %u", out.fall, kMaxRun));
  }
  for (uint32_t status : check.expected_status()) {
    if (status < 100 || status > 599) {
      error("expected_status",
            absl::StrFormat("%u is not an HTTP status", status));
      continue;
    }
    out.expected_statuses.push_back(static_cast<uint16_t>(status));
  }
  const bool http = out.kind == route::HealthCheckKind::kHttp;
  if (!http && (!check.http_path().empty() || !check.http_host().empty() ||
                check.expected_status_size() > 0)) {
    error(
        "type",
        std::string("http_path, http_host and expected_status need type HTTP"));
  }
  const std::string& http_path =
      check.http_path().empty() ? std::string("/") : check.http_path();
  if (http_path[0] != '/' || !IsVisibleText(http_path)) {
    error("http_path", absl::StrFormat("\"%s\" is not an absolute path",
                                       absl::CEscape(http_path)));
  }
  if (!IsVisibleText(check.http_host())) {
    error("http_host", absl::StrFormat("\"%s\" is not a host",
                                       absl::CEscape(check.http_host())));
  }
  if (http) {
    for (size_t s = 0; s < group->servers.size(); ++s) {
      std::string host = check.http_host();
      if (host.empty() && static_cast<int>(s) < in.servers_size()) {
        host = in.servers(s).name();
      }
      if (host.empty()) host = group->servers[s].ToString();
      out.http_requests.push_back(HttpRequest(http_path, host));
    }
  }
  group->health_check = std::move(out);
}

}  // namespace ringway::control
