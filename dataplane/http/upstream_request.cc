#include "dataplane/http/upstream_request.h"

#include "dataplane/http/text.h"
#include "dataplane/http/virtual_host_router.h"

namespace ringway::http {
namespace {

void AppendField(std::string* out, std::string_view name,
                 std::string_view value) {
  Append(out, name, ": ", value, "\r\n");
}

// The request-target in origin-form.
std::string_view OriginTarget(std::string_view target) {
  if (target.empty() || target.front() == '/' || target == "*") return target;
  size_t scheme = target.find("://");
  if (scheme == std::string_view::npos) return target;  // authority-form
  size_t slash = target.find('/', scheme + 3);
  size_t query = target.find('?', scheme + 3);
  if (slash == std::string_view::npos ||
      (query != std::string_view::npos && query < slash)) {
    return "/";  // "http://h?q": no path (the query goes with it below)
  }
  return target.substr(slash);
}

bool Is(std::string_view name, std::string_view other) {
  return !other.empty() && EqualsIgnoreCase(name, other);
}

}  // namespace

void WriteUpstreamRequestHead(const codec::HttpRequest& request,
                              const route::ForwardedHeaders& forwarded,
                              const route::HttpLocation& location,
                              const DownstreamFacts& facts,
                              bool keep_upstream_alive, std::string* out) {
  Append(out, request.method_name, " ", OriginTarget(request.target),
         " HTTP/1.1\r\n");
  std::string_view host =
      !location.upstream_host.empty()
          ? std::string_view(location.upstream_host)
          : (!request.host.empty() ? request.host : request.authority);
  if (!host.empty()) AppendField(out, "Host", host);
  std::string xff;
  std::string forwarded_value;
  std::string_view upgrade;
  for (const codec::HttpHeader& field : request.headers) {
    std::string_view name = field.name;
    if (EqualsIgnoreCase(name, "upgrade")) upgrade = field.value;
    if (request.headers.IsHopByHop(name) || Is(name, "host") ||
        Is(name, "content-length")) {
      continue;
    }
    if (forwarded.x_forwarded_for && Is(name, "x-forwarded-for")) {
      Append(&xff, xff.empty() ? "" : ", ", field.value);
      continue;
    }
    if (forwarded.forwarded && Is(name, "forwarded")) {
      Append(&forwarded_value, forwarded_value.empty() ? "" : ", ",
             field.value);
      continue;
    }
    if ((forwarded.x_real_ip && Is(name, "x-real-ip")) ||
        (forwarded.x_forwarded_proto && Is(name, "x-forwarded-proto")) ||
        (forwarded.x_forwarded_host && Is(name, "x-forwarded-host")) ||
        Is(name, forwarded.client_verify_header) ||
        Is(name, forwarded.client_subject_header)) {
      continue;
    }
    AppendField(out, name, field.value);
  }
  std::string_view proto = facts.https ? "https" : "http";
  if (forwarded.x_forwarded_for) {
    Append(&xff, xff.empty() ? "" : ", ", facts.client_ip);
    AppendField(out, "X-Forwarded-For", xff);
  }
  if (forwarded.x_real_ip) AppendField(out, "X-Real-IP", facts.client_ip);
  if (forwarded.x_forwarded_proto) AppendField(out, "X-Forwarded-Proto", proto);
  if (forwarded.x_forwarded_host && !request.host.empty()) {
    AppendField(out, "X-Forwarded-Host", request.host);
  }
  if (forwarded.forwarded) {
    bool v6 = facts.client_ip.find(':') != std::string_view::npos;
    Append(&forwarded_value, forwarded_value.empty() ? "" : ", ",
           "for=", v6 ? "\"[" : "", facts.client_ip, v6 ? "]\"" : "",
           ";proto=", proto);
    if (!request.host.empty()) {
      Append(&forwarded_value, ";host=\"", request.host, "\"");
    }
    AppendField(out, "Forwarded", forwarded_value);
  }
  if (!facts.client_verify.empty()) {
    if (!forwarded.client_verify_header.empty()) {
      AppendField(out, forwarded.client_verify_header, facts.client_verify);
    }
    if (!forwarded.client_subject_header.empty() &&
        !facts.client_subject.empty()) {
      AppendField(out, forwarded.client_subject_header, facts.client_subject);
    }
  }
  if (request.body_kind == codec::HttpBodyKind::kContentLength) {
    Append(out, "Content-Length: ", request.content_length, "\r\n");
  } else if (request.body_kind == codec::HttpBodyKind::kChunked) {
    out->append("Transfer-Encoding: chunked\r\n");
  }
  if (request.upgrade) {
    out->append("Connection: upgrade\r\n");
    AppendField(out, "Upgrade", upgrade);
  } else {
    out->append(keep_upstream_alive ? "Connection: keep-alive\r\n"
                                    : "Connection: close\r\n");
  }
  out->append("\r\n");
}

}  // namespace ringway::http
