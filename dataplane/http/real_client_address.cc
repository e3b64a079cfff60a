#include "dataplane/http/real_client_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string_view>

#include "dataplane/address/cidr.h"
#include "dataplane/address/ip_text.h"
#include "dataplane/http/text.h"

namespace ringway::http {
namespace {

// An IP literal as a sockaddr (port 0); false if it is not one. No heap:
// the text is copied to a NUL-terminated buffer on the stack.
bool ParseIp(std::string_view text, sockaddr_storage* out) {
  char ip[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof(ip)) return false;
  std::memcpy(ip, text.data(), text.size());
  ip[text.size()] = '\0';
  *out = sockaddr_storage{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(out);
  if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
  if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    return true;
  }
  return false;
}

// The elements of every field named `name`, read as one comma-separated
// list, from the right: the last element of the last field first. Empty
// elements (",,") are skipped, whitespace around elements dropped.
class ElementsFromRight {
 public:
  ElementsFromRight(const codec::HttpHeaders& headers, std::string_view name)
      : headers_(headers), name_(name), next_field_(headers.size()) {}

  bool Next(std::string_view* element) {
    while (true) {
      while (rest_.empty()) {
        if (!PreviousField()) return false;
      }
      const size_t comma = rest_.rfind(',');
      std::string_view last = rest_;
      if (comma == std::string_view::npos) {
        rest_ = {};
      } else {
        last = rest_.substr(comma + 1);
        rest_ = rest_.substr(0, comma);
      }
      last = StripWhitespace(last);
      if (!last.empty()) {
        *element = last;
        return true;
      }
    }
  }

 private:
  bool PreviousField() {
    while (next_field_ > 0) {
      const codec::HttpHeader& field = headers_[--next_field_];
      if (EqualsIgnoreCase(field.name, name_)) {
        rest_ = field.value;
        return true;
      }
    }
    return false;
  }

  const codec::HttpHeaders& headers_;
  std::string_view name_;
  size_t next_field_;      // fields [0, next_field_) not yet visited
  std::string_view rest_;  // elements of the current field not yet taken
};

}  // namespace

std::string IpText(const sockaddr_storage& address) {
  return std::string(address::IpText(address).view());
}

std::string RealClientIp(const route::RealIpFromHeader& config,
                         const sockaddr_storage& peer,
                         const codec::HttpHeaders& headers) {
  if (!config.enabled || !address::AnyContains(config.trusted, peer)) {
    return IpText(peer);
  }
  ElementsFromRight elements(headers, config.header);
  std::string_view element;
  sockaddr_storage candidate{};
  bool found = false;  // `candidate` holds the leftmost address walked
  while (elements.Next(&element)) {
    if (!ParseIp(element, &candidate)) return IpText(peer);
    found = true;
    if (!config.recursive || !address::AnyContains(config.trusted, candidate)) {
      break;
    }
  }
  return IpText(found ? candidate : peer);
}

}  // namespace ringway::http
