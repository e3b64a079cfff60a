#include "dataplane/http/virtual_host_router.h"

namespace ringway::http {

std::string_view HostName(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    return close == std::string_view::npos ? host.substr(1)
                                           : host.substr(1, close - 1);
  }
  size_t colon = host.rfind(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

const route::VirtualHost* FindVirtualHost(const route::HttpRoutes& routes,
                                          std::string_view host,
                                          std::string_view sni) {
  if (routes.hosts == nullptr) return nullptr;
  std::string_view name = host.empty() ? sni : HostName(host);
  std::optional<uint32_t> index = routes.hosts->Lookup(name);
  if (!index.has_value() || *index >= routes.virtual_hosts.size()) {
    return nullptr;
  }
  return &routes.virtual_hosts[*index];
}

std::string_view TargetPath(std::string_view target) {
  if (!target.empty() && target.front() != '/') {
    // absolute-form: scheme "://" authority path
    size_t scheme = target.find("://");
    if (scheme == std::string_view::npos) return "/";
    size_t slash = target.find('/', scheme + 3);
    if (slash == std::string_view::npos) return "/";
    target.remove_prefix(slash);
  }
  size_t query = target.find('?');
  return query == std::string_view::npos ? target : target.substr(0, query);
}

const route::HttpLocation* FindLocation(const route::VirtualHost& vhost,
                                        std::string_view target) {
  std::string_view path = TargetPath(target);
  for (const route::HttpLocation& location : vhost.locations) {
    if (path.starts_with(location.path_prefix)) return &location;
  }
  return nullptr;
}

bool IsAcmeChallenge(std::string_view target) {
  return TargetPath(target).starts_with("/.well-known/acme-challenge/");
}

}  // namespace ringway::http
