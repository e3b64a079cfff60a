#include "dataplane/http/virtual_host_router.h"

#include <cstdint>
#include <optional>

namespace ringway::http {
namespace {

constexpr size_t kNpos = std::string_view::npos;

// For absolute-form ("scheme://authority[/path][?query]"): where the
// authority ends (the path, query or end), or npos for other forms.
size_t AbsoluteFormPathStart(std::string_view target) {
  if (target.empty() || target.front() == '/') return kNpos;
  const size_t scheme = target.find("://");
  if (scheme == kNpos) return kNpos;
  const size_t end = target.find_first_of("/?#", scheme + 3);
  return end == kNpos ? target.size() : end;
}

}  // namespace

std::string_view HostName(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    return close == kNpos ? host.substr(1) : host.substr(1, close - 1);
  }
  const size_t colon = host.rfind(':');
  return colon == kNpos ? host : host.substr(0, colon);
}

const route::VirtualHost* FindVirtualHost(const route::HttpRoutes& routes,
                                          std::string_view host,
                                          std::string_view sni) {
  if (routes.hosts == nullptr) return nullptr;
  const std::string_view name = host.empty() ? sni : HostName(host);
  const std::optional<uint32_t> index = routes.hosts->Lookup(name);
  if (!index.has_value() || *index >= routes.virtual_hosts.size()) {
    return nullptr;
  }
  return &routes.virtual_hosts[*index];
}

std::string_view TargetPath(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    const size_t start = AbsoluteFormPathStart(target);
    if (start == kNpos || start == target.size() || target[start] != '/') {
      return "/";
    }
    target.remove_prefix(start);
  }
  return target.substr(0, target.find_first_of("?#"));
}

void AppendOriginForm(std::string_view target, std::string* out) {
  if (!target.empty() && target.front() == '/') {
    out->append(target);
    return;
  }
  const size_t start = AbsoluteFormPathStart(target);
  if (start == kNpos) {
    out->push_back('/');
    return;
  }
  std::string_view rest = target.substr(start);
  rest = rest.substr(0, rest.find('#'));  // a fragment is never sent
  if (rest.empty() || rest.front() != '/') out->push_back('/');
  out->append(rest);
}

const route::HttpLocation* FindLocation(const route::VirtualHost& vhost,
                                        std::string_view target) {
  const std::string_view path = TargetPath(target);
  for (const route::HttpLocation& location : vhost.locations) {
    if (path.starts_with(location.path_prefix)) return &location;
  }
  return nullptr;
}

bool IsAcmeChallenge(std::string_view target) {
  return TargetPath(target).starts_with("/.well-known/acme-challenge/");
}

}  // namespace ringway::http
