#include "dataplane/http/upstream_request.h"

#include "dataplane/http/text.h"
#include "dataplane/http/virtual_host_router.h"

namespace ringway::http {
namespace {

void AppendField(std::string_view name, std::string_view value,
                 std::string* out) {
  Append(out, name, ": ", value, "\r\n");
}

// Case-insensitive name equality; an empty `configured` (a header the
// config leaves unnamed) matches nothing.
bool Is(std::string_view name, std::string_view configured) {
  return !configured.empty() && EqualsIgnoreCase(name, configured);
}

// Appends the values of every field named `name`, in order, joined by
// ", " (empty values skipped). Returns whether it appended any.
bool AppendJoined(const codec::HttpHeaders& headers, std::string_view name,
                  std::string* out) {
  bool any = false;
  for (const codec::HttpHeader& field : headers) {
    if (field.value.empty() || !EqualsIgnoreCase(field.name, name)) continue;
    if (any) out->append(", ");
    out->append(field.value);
    any = true;
  }
  return any;
}

// A client field not copied through: hop-by-hop, rewritten here, or one of
// the fields ringway sets (a client's copy would be a spoof).
bool Dropped(const codec::HttpRequest& request,
             const route::ForwardedHeaders& forwarded, std::string_view name) {
  return request.headers.IsHopByHop(name) || Is(name, "host") ||
         Is(name, "content-length") ||
         (forwarded.x_forwarded_for && Is(name, "x-forwarded-for")) ||
         (forwarded.x_real_ip && Is(name, "x-real-ip")) ||
         (forwarded.x_forwarded_proto && Is(name, "x-forwarded-proto")) ||
         (forwarded.x_forwarded_host && Is(name, "x-forwarded-host")) ||
         (forwarded.forwarded && Is(name, "forwarded")) ||
         Is(name, forwarded.client_verify_header) ||
         Is(name, forwarded.client_subject_header);
}

// RFC 7239 section 4: for=192.0.2.1 or for="[2001:db8::1]" (an IPv6
// literal needs brackets, and so quotes); host is always quoted (a port's
// ':' is not a token character). Host values hold no '"' or '\' (the
// parser's uri-host check), so no escaping is needed.
void AppendForwardedElement(std::string_view client_ip, std::string_view proto,
                            std::string_view host, std::string* out) {
  const bool v6 = client_ip.find(':') != std::string_view::npos;
  Append(out, "for=", v6 ? "\"[" : "", client_ip, v6 ? "]\"" : "",
         ";proto=", proto);
  if (!host.empty()) Append(out, ";host=\"", host, "\"");
}

// The fields that carry the client, each when enabled.
void AppendForwardedFields(const codec::HttpRequest& request,
                           const route::ForwardedHeaders& forwarded,
                           const DownstreamFacts& facts, std::string* out) {
  const std::string_view proto = facts.https ? "https" : "http";
  if (forwarded.x_forwarded_for) {
    out->append("X-Forwarded-For: ");
    if (AppendJoined(request.headers, "x-forwarded-for", out)) {
      out->append(", ");
    }
    Append(out, facts.client_ip, "\r\n");
  }
  if (forwarded.x_real_ip) AppendField("X-Real-IP", facts.client_ip, out);
  if (forwarded.x_forwarded_proto) {
    AppendField("X-Forwarded-Proto", proto, out);
  }
  if (forwarded.x_forwarded_host && !request.authority.empty()) {
    AppendField("X-Forwarded-Host", request.authority, out);
  }
  if (forwarded.forwarded) {
    out->append("Forwarded: ");
    if (AppendJoined(request.headers, "forwarded", out)) out->append(", ");
    AppendForwardedElement(facts.client_ip, proto, request.authority, out);
    out->append("\r\n");
  }
  if (!facts.client_verify.empty()) {
    if (!forwarded.client_verify_header.empty()) {
      AppendField(forwarded.client_verify_header, facts.client_verify, out);
    }
    if (!forwarded.client_subject_header.empty() &&
        !facts.client_subject.empty()) {
      AppendField(forwarded.client_subject_header, facts.client_subject, out);
    }
  }
}

// Framing as the client sent it (the body is relayed as received), then
// the upstream connection's fate.
void AppendFramingAndConnection(const codec::HttpRequest& request,
                                bool keep_upstream_alive, std::string* out) {
  if (request.body_kind == codec::HttpBodyKind::kContentLength) {
    Append(out, "Content-Length: ", request.content_length, "\r\n");
  } else if (request.body_kind == codec::HttpBodyKind::kChunked) {
    out->append("Transfer-Encoding: chunked\r\n");
  }
  if (request.upgrade) {
    out->append("Connection: upgrade\r\nUpgrade: ");
    AppendJoined(request.headers, "upgrade", out);
    out->append("\r\n");
  } else if (keep_upstream_alive) {
    out->append("Connection: keep-alive\r\n");
  } else {
    out->append("Connection: close\r\n");
  }
}

}  // namespace

void WriteUpstreamRequestHead(const codec::HttpRequest& request,
                              const route::ForwardedHeaders& forwarded,
                              const route::HttpLocation& location,
                              const DownstreamFacts& facts,
                              bool keep_upstream_alive, std::string* out) {
  Append(out, request.method_name, " ");
  if (request.target_form == codec::HttpTargetForm::kAbsolute) {
    AppendOriginForm(request.target, out);
  } else {
    out->append(request.target);
  }
  out->append(" HTTP/1.1\r\n");
  const std::string_view host = location.upstream_host.empty()
                                    ? request.authority
                                    : std::string_view(location.upstream_host);
  if (!host.empty()) AppendField("Host", host, out);
  for (const codec::HttpHeader& field : request.headers) {
    if (!Dropped(request, forwarded, field.name)) {
      AppendField(field.name, field.value, out);
    }
  }
  AppendForwardedFields(request, forwarded, facts, out);
  AppendFramingAndConnection(request, keep_upstream_alive, out);
  out->append("\r\n");
}

}  // namespace ringway::http
