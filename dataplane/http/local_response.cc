#include "dataplane/http/local_response.h"

#include "dataplane/http/client_response.h"
#include "dataplane/http/text.h"
#include "dataplane/http/virtual_host_router.h"

namespace ringway::http {
namespace {

void WriteResponse(int status, std::string_view extra_fields,
                   std::string_view body, const route::VirtualHost* vhost,
                   bool keep_alive, bool head_request, std::string* out) {
  Append(out, "HTTP/1.1 ", status, " ", ReasonPhrase(status), "\r\n",
         extra_fields,
         "Content-Type: text/plain; charset=utf-8\r\n"
         "Content-Length: ",
         body.size(), "\r\n");
  AppendResponseHeaders(vhost, out);
  if (!keep_alive) out->append("Connection: close\r\n");
  out->append("\r\n");
  if (!head_request) out->append(body);
}

}  // namespace

void WriteLocalResponse(int status, std::string_view /*detail*/,
                        const route::VirtualHost* vhost, bool keep_alive,
                        bool head_request, std::string* out) {
  std::string body = Cat(status, " ", ReasonPhrase(status), "\n");
  WriteResponse(status, "", body, vhost, keep_alive, head_request, out);
}

void WriteRedirectToHttps(std::string_view host, std::string_view target,
                          uint16_t https_port, const route::VirtualHost* vhost,
                          bool keep_alive, std::string* out) {
  std::string_view name = HostName(host);
  bool v6 = name.find(':') != std::string_view::npos;
  std::string location = Cat("https://", v6 ? "[" : "", name, v6 ? "]" : "");
  if (https_port != 443) Append(&location, ":", https_port);
  if (target.empty() || target.front() != '/') {
    // absolute-form: keep only its path and query.
    size_t scheme = target.find("://");
    size_t slash = scheme == std::string_view::npos
                       ? std::string_view::npos
                       : target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? "/" : target.substr(slash);
  }
  Append(&location, target);
  WriteResponse(301, Cat("Location: ", location, "\r\n"),
                "301 Moved Permanently\n", vhost, keep_alive, false, out);
}

}  // namespace ringway::http
