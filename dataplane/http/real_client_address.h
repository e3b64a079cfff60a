// The address of the real client of an HTTP request: the socket peer (or
// what a trusted PROXY header said), or, when that peer is a trusted proxy,
// the address it reports in a request header (nginx `set_real_ip_from`,
// `real_ip_header`, `real_ip_recursive`). The result feeds X-Forwarded-For,
// X-Real-IP, Forwarded and the log lines. Pure.
//
//   std::string ip = RealClientIp(listener.http.real_ip, peer, headers);

#ifndef RINGWAY_DATAPLANE_HTTP_REAL_CLIENT_ADDRESS_H_
#define RINGWAY_DATAPLANE_HTTP_REAL_CLIENT_ADDRESS_H_

#include <sys/socket.h>

#include <string>

#include "dataplane/codec/http_message.h"
#include "dataplane/route/route_snapshot.h"

namespace ringway::http {

// The IP of `address` as text, without port: "192.0.2.1", "2001:db8::1";
// IPv4-mapped IPv6 (::ffff:a.b.c.d) as IPv4; "" for another family.
std::string IpText(const sockaddr_storage& address);

// The client IP text to use for a request from `peer`:
// - `peer`'s own IP unless config.enabled and `peer` is in config.trusted;
// - else from the fields named config.header (every instance, in order,
//   read as one comma-separated list): the rightmost element, or, when
//   config.recursive, the rightmost one not in config.trusted (the leftmost
//   when all are trusted);
// - `peer`'s IP when the field is absent or the chosen element (or, when
//   recursive, one walked over) is not a plain IPv4 or IPv6 literal
//   ("[v6]" and "a.b.c.d:port" are not accepted).
// The result is printed back from the parsed address, never copied from
// the header, so it is always a clean literal.
std::string RealClientIp(const route::RealIpFromHeader& config,
                         const sockaddr_storage& peer,
                         const codec::HttpHeaders& headers);

}  // namespace ringway::http

#endif  // RINGWAY_DATAPLANE_HTTP_REAL_CLIENT_ADDRESS_H_
