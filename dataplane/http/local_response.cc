#include "dataplane/http/local_response.h"

#include "dataplane/http/client_response.h"
#include "dataplane/http/text.h"
#include "dataplane/http/virtual_host_router.h"

namespace ringway::http {
namespace {

size_t DecimalDigits(int n) {
  size_t digits = 1;
  for (; n >= 10; n /= 10) ++digits;
  return digits;
}

void AppendStatusLine(int status, std::string* out) {
  Append(out, "HTTP/1.1 ", status, " ", ReasonPhrase(status), "\r\n");
}

// What follows the status line (and Location) in every local response:
// the fields, the empty line and the body "<status> <reason>\n".
void AppendFieldsAndBody(int status, const route::VirtualHost* vhost,
                         bool keep_alive, bool head_request, std::string* out) {
  const std::string_view reason = ReasonPhrase(status);
  const size_t body_size = DecimalDigits(status) + 1 + reason.size() + 1;
  Append(out,
         "Content-Type: text/plain; charset=utf-8\r\n"
         "Content-Length: ",
         body_size, "\r\n");
  AppendResponseHeaders(vhost, out);
  if (!keep_alive) out->append("Connection: close\r\n");
  out->append("\r\n");
  if (!head_request) Append(out, status, " ", reason, "\n");
}

}  // namespace

void WriteLocalResponse(int status, std::string_view /*detail*/,
                        const route::VirtualHost* vhost, bool keep_alive,
                        bool head_request, std::string* out) {
  AppendStatusLine(status, out);
  AppendFieldsAndBody(status, vhost, keep_alive, head_request, out);
}

void WriteRedirectToHttps(std::string_view host, std::string_view target,
                          uint16_t https_port, const route::VirtualHost* vhost,
                          bool keep_alive, bool head_request,
                          std::string* out) {
  AppendStatusLine(301, out);
  const std::string_view name = HostName(host);
  const bool v6 = name.find(':') != std::string_view::npos;
  Append(out, "Location: https://", v6 ? "[" : "", name, v6 ? "]" : "");
  if (https_port != 443) Append(out, ":", https_port);
  AppendOriginForm(target, out);
  out->append("\r\n");
  AppendFieldsAndBody(301, vhost, keep_alive, head_request, out);
}

void WriteContinue(std::string* out) {
  out->append("HTTP/1.1 100 Continue\r\n\r\n");
}

}  // namespace ringway::http
