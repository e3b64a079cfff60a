#include "dataplane/http/client_response.h"

#include "dataplane/http/text.h"

namespace ringway::http {
namespace {

// A field the virtual host sets itself: the upstream's copy is dropped.
bool Replaced(const route::VirtualHost* vhost, std::string_view name) {
  if (vhost == nullptr) return false;
  for (const route::HeaderField& field : vhost->response_headers) {
    if (EqualsIgnoreCase(field.name, name)) return true;
  }
  return false;
}

// Copies the upstream's fields that survive: never hop-by-hop ones (those
// named in its Connection too), Content-Length only when `keep_length`,
// and none that `replaced_by` sets itself.
void AppendUpstreamFields(const codec::HttpHeaders& headers, bool keep_length,
                          const route::VirtualHost* replaced_by,
                          std::string* out) {
  for (const codec::HttpHeader& field : headers) {
    if (headers.IsHopByHop(field.name)) continue;
    if (!keep_length && EqualsIgnoreCase(field.name, "content-length")) {
      continue;
    }
    if (Replaced(replaced_by, field.name)) continue;
    Append(out, field.name, ": ", field.value, "\r\n");
  }
}

// "Upgrade: <every Upgrade value of the upstream, ", "-joined>".
void AppendUpgrade(const codec::HttpHeaders& headers, std::string* out) {
  out->append("Upgrade: ");
  bool any = false;
  for (const codec::HttpHeader& field : headers) {
    if (field.value.empty() || !EqualsIgnoreCase(field.name, "upgrade")) {
      continue;
    }
    if (any) out->append(", ");
    out->append(field.value);
    any = true;
  }
  out->append("\r\n");
}

}  // namespace

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 103:
      return "Early Hints";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Content";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "";
  }
}

bool ClientMayKeepAlive(const codec::HttpResponse& response,
                        bool request_keep_alive) {
  return request_keep_alive &&
         response.body_kind != codec::HttpBodyKind::kUntilClose &&
         response.body_kind != codec::HttpBodyKind::kTunnel;
}

void AppendResponseHeaders(const route::VirtualHost* vhost, std::string* out) {
  if (vhost == nullptr) return;
  for (const route::HeaderField& field : vhost->response_headers) {
    Append(out, field.name, ": ", field.value, "\r\n");
  }
}

void WriteClientResponseHead(const codec::HttpResponse& response,
                             const route::VirtualHost* vhost,
                             codec::HttpMethod request_method,
                             codec::HttpVersion client_version,
                             bool keep_client_alive, std::string* out) {
  const std::string_view reason = response.reason.empty()
                                      ? ReasonPhrase(response.status_code)
                                      : response.reason;
  Append(out, "HTTP/1.1 ", response.status_code, " ", reason, "\r\n");
  if (response.interim()) {
    AppendUpstreamFields(response.headers, /*keep_length=*/false, nullptr, out);
    out->append("\r\n");
    return;
  }
  if (response.status_code == 101) {
    AppendUpstreamFields(response.headers, /*keep_length=*/false, vhost, out);
    out->append("Connection: upgrade\r\n");
    AppendUpgrade(response.headers, out);
    AppendResponseHeaders(vhost, out);
    out->append("\r\n");
    return;
  }
  // RFC 9110 sections 8.6 and 15.4.5: the Content-Length of a response to
  // HEAD, or of a 304, is that of the representation, with no body here.
  const bool length_describes_representation =
      response.body_kind == codec::HttpBodyKind::kNone &&
      (request_method == codec::HttpMethod::kHead ||
       response.status_code == 304);
  AppendUpstreamFields(response.headers, length_describes_representation, vhost,
                       out);
  switch (response.body_kind) {
    case codec::HttpBodyKind::kContentLength:
      Append(out, "Content-Length: ", response.content_length, "\r\n");
      break;
    case codec::HttpBodyKind::kChunked:
      out->append("Transfer-Encoding: chunked\r\n");
      break;
    case codec::HttpBodyKind::kNone:
    case codec::HttpBodyKind::kUntilClose:
    case codec::HttpBodyKind::kTunnel:
      break;
  }
  AppendResponseHeaders(vhost, out);
  if (response.body_kind == codec::HttpBodyKind::kTunnel) {
    // 2xx to CONNECT: the connection is the tunnel now.
  } else if (!keep_client_alive ||
             response.body_kind == codec::HttpBodyKind::kUntilClose) {
    out->append("Connection: close\r\n");
  } else if (client_version == codec::HttpVersion::kHttp10) {
    out->append("Connection: keep-alive\r\n");
  }
  out->append("\r\n");
}

}  // namespace ringway::http
