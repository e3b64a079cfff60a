#include "dataplane/http/client_response.h"

#include "dataplane/http/text.h"

namespace ringway::http {
namespace {

bool Replaced(const route::VirtualHost* vhost, std::string_view name) {
  if (vhost == nullptr) return false;
  for (const route::HeaderField& field : vhost->response_headers) {
    if (EqualsIgnoreCase(field.name, name)) return true;
  }
  return false;
}

}  // namespace

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
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
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 421:
      return "Misdirected Request";
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
  if (!request_keep_alive) return false;
  if (response.body_kind == codec::HttpBodyKind::kUntilClose ||
      response.body_kind == codec::HttpBodyKind::kTunnel) {
    return false;
  }
  return true;
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
  std::string_view reason = response.reason.empty()
                                ? ReasonPhrase(response.status_code)
                                : response.reason;
  Append(out, "HTTP/1.1 ", response.status_code, " ", reason, "\r\n");
  const bool interim = response.interim();
  const bool bodyless_with_length =
      response.body_kind == codec::HttpBodyKind::kNone &&
      (request_method == codec::HttpMethod::kHead ||
       response.status_code == 304);
  std::string_view upgrade;
  for (const codec::HttpHeader& field : response.headers) {
    if (EqualsIgnoreCase(field.name, "upgrade")) upgrade = field.value;
    if (response.headers.IsHopByHop(field.name)) continue;
    if (EqualsIgnoreCase(field.name, "content-length") &&
        !bodyless_with_length) {
      continue;
    }
    if (!interim && Replaced(vhost, field.name)) continue;
    Append(out, field.name, ": ", field.value, "\r\n");
  }
  if (interim) {
    out->append("\r\n");
    return;
  }
  if (response.upgrade) {
    out->append("Connection: upgrade\r\n");
    Append(out, "Upgrade: ", upgrade, "\r\n");
    AppendResponseHeaders(vhost, out);
    out->append("\r\n");
    return;
  }
  bool until_close = false;
  switch (response.body_kind) {
    case codec::HttpBodyKind::kContentLength:
      Append(out, "Content-Length: ", response.content_length, "\r\n");
      break;
    case codec::HttpBodyKind::kChunked:
      out->append("Transfer-Encoding: chunked\r\n");
      break;
    case codec::HttpBodyKind::kUntilClose:
      until_close = true;
      break;
    case codec::HttpBodyKind::kNone:
    case codec::HttpBodyKind::kTunnel:
      break;
  }
  AppendResponseHeaders(vhost, out);
  if (!keep_client_alive || until_close) {
    out->append("Connection: close\r\n");
  } else if (client_version == codec::HttpVersion::kHttp10) {
    out->append("Connection: keep-alive\r\n");
  }
  out->append("\r\n");
}

}  // namespace ringway::http
