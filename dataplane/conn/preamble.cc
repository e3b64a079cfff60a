#include "dataplane/conn/preamble.h"

namespace ringway::conn {
namespace {

PreambleResult Close(PreambleProblem problem) {
  PreambleResult result;
  result.outcome = PreambleOutcome::kClose;
  result.problem = problem;
  return result;
}

PreambleProblem HelloProblem(codec::ClientHelloStatus status) {
  switch (status) {
    case codec::ClientHelloStatus::kNotTls:
      return PreambleProblem::kNotTls;
    case codec::ClientHelloStatus::kTooLarge:
      return PreambleProblem::kClientHelloTooLarge;
    default:
      return PreambleProblem::kClientHelloMalformed;
  }
}

// The inbound PROXY header step. kRoute here means "header settled".
PreambleResult ReadProxyHeader(const route::ProxyProtocolInbound& inbound,
                               std::span<const uint8_t> data, bool peer_trusted,
                               codec::ProxyHeader* header) {
  PreambleResult result;
  result.outcome = PreambleOutcome::kRoute;
  if (!inbound.enabled) return result;
  switch (codec::ParseProxyHeader(data, header)) {
    case codec::ProxyHeaderStatus::kNeedMoreData:
      result.outcome = PreambleOutcome::kNeedMoreData;
      result.bytes_needed = data.size() + 1;
      return result;
    case codec::ProxyHeaderStatus::kComplete:
      if (!peer_trusted) return Close(PreambleProblem::kProxyHeaderUntrusted);
      result.has_proxy_header = true;
      result.proxy_header_bytes = header->header_length();
      return result;
    case codec::ProxyHeaderStatus::kMalformed:
      return Close(peer_trusted ? PreambleProblem::kProxyHeaderMalformed
                                : PreambleProblem::kProxyHeaderUntrusted);
    case codec::ProxyHeaderStatus::kNotProxy:
      if (peer_trusted && inbound.required) {
        return Close(PreambleProblem::kProxyHeaderMissing);
      }
      return result;
  }
  return result;
}

}  // namespace

std::string_view PreambleProblemName(PreambleProblem problem) {
  switch (problem) {
    case PreambleProblem::kNone:
      return "none";
    case PreambleProblem::kProxyHeaderUntrusted:
      return "PROXY header from an untrusted source";
    case PreambleProblem::kProxyHeaderMalformed:
      return "malformed PROXY header";
    case PreambleProblem::kProxyHeaderMissing:
      return "missing required PROXY header";
    case PreambleProblem::kNotTls:
      return "not TLS";
    case PreambleProblem::kClientHelloMalformed:
      return "malformed ClientHello";
    case PreambleProblem::kClientHelloTooLarge:
      return "ClientHello over the size limit";
    case PreambleProblem::kNoRoute:
      return "no route for the server name and no default";
  }
  return "unknown";
}

PreambleResult DecidePreamble(const route::ListenerRoutes& listener,
                              std::span<const uint8_t> data, bool peer_trusted,
                              std::span<uint8_t> scratch,
                              codec::ProxyHeader* header,
                              codec::ClientHelloInfo* hello) {
  PreambleResult result =
      ReadProxyHeader(listener.proxy_protocol, data, peer_trusted, header);
  if (result.outcome != PreambleOutcome::kRoute) return result;
  if (listener.kind == route::ListenerKind::kTcpProxy) {
    result.group = listener.upstream_group;
    return result;
  }
  const route::TlsPassthroughRoutes& tls = listener.tls;
  codec::ClientHelloStatus status =
      codec::ParseClientHello(data.subspan(result.proxy_header_bytes),
                              tls.client_hello_max_bytes, scratch, hello);
  if (status == codec::ClientHelloStatus::kNeedMoreData) {
    result.outcome = PreambleOutcome::kNeedMoreData;
    result.bytes_needed = result.proxy_header_bytes + hello->bytes_needed();
    return result;
  }
  if (status != codec::ClientHelloStatus::kComplete) {
    if (!tls.bad_client_hello_to_default || !tls.default_group) {
      return Close(HelloProblem(status));
    }
    result.problem = HelloProblem(status);  // routed anyway, but counted
    result.group = *tls.default_group;
    return result;
  }
  result.has_client_hello = true;
  std::optional<uint32_t> group = tls.matcher->Lookup(
      hello->server_name(),
      [hello](std::string_view protocol) { return hello->HasAlpn(protocol); });
  if (!group) return Close(PreambleProblem::kNoRoute);
  result.group = *group;
  return result;
}

}  // namespace ringway::conn
