// The address of the real client of an HTTP request: the socket peer (or
// what a trusted PROXY header said), or, when that peer is a trusted proxy,
// the address it reports in a request header (nginx `set_real_ip_from`,
// `real_ip_header`, `real_ip_recursive`). Pure.

#ifndef RINGWAY_DATAPLANE_HTTP_REAL_CLIENT_ADDRESS_H_
#define RINGWAY_DATAPLANE_HTTP_REAL_CLIENT_ADDRESS_H_

#include <sys/socket.h>

#include <string>

#include "dataplane/codec/http_message.h"
#include "dataplane/route/route_snapshot.h"

namespace ringway::http {

// The IP of `address` as text, without port; IPv4-mapped IPv6 as IPv4.
std::string IpText(const sockaddr_storage& address);

std::string RealClientIp(const route::RealIpFromHeader& config,
                         const sockaddr_storage& peer,
                         const codec::HttpHeaders& headers);

}  // namespace ringway::http

#endif  // RINGWAY_DATAPLANE_HTTP_REAL_CLIENT_ADDRESS_H_
