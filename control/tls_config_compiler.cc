#include "control/tls_config_compiler.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "absl/strings/str_format.h"
#include "dataplane/tls/server_certificate.h"

namespace ringway::control {
namespace {

// The whole file at `path`, or an error naming it.
absl::StatusOr<std::string> ReadFile(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::NotFoundError(
        absl::StrFormat("cannot read \"%s\": %s", path, std::strerror(errno)));
  }
  std::string text;
  char buffer[8192];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    text.append(buffer, n);
  }
  std::fclose(file);
  return text;
}

// A private key file: refused when group or others may read it.
absl::StatusOr<std::string> ReadKeyFile(const std::string& path) {
  struct stat key_stat;
  if (stat(path.c_str(), &key_stat) == 0 && (key_stat.st_mode & 077) != 0) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "\"%s\" is readable by group or others (mode %o); chmod 600 it", path,
        key_stat.st_mode & 0777));
  }
  return ReadFile(path);
}

std::optional<uint16_t> TlsVersion(const std::string& text, uint16_t dflt) {
  if (text.empty()) return dflt;
  if (text == "TLSv1.2") return 0x0303;
  if (text == "TLSv1.3") return 0x0304;
  return std::nullopt;
}

// Collects errors for one TLS block.
class Errors {
 public:
  explicit Errors(std::vector<std::string>* out)
      : out_(out), before_(out->size()) {}
  template <typename... Args>
  void operator()(const absl::FormatSpec<Args...>& format,
                  const Args&... args) {
    out_->push_back(absl::StrFormat(format, args...));
  }
  bool any() const { return out_->size() != before_; }

 private:
  std::vector<std::string>* out_;
  size_t before_;
};

// min_version / max_version / alpn, shared by both directions.
template <typename Proto>
void CompileVersionsAndAlpn(const Proto& in, const std::string& path,
                            uint16_t* min_version, uint16_t* max_version,
                            std::vector<std::string>* alpn, Errors& Error) {
  auto min = TlsVersion(in.min_version(), 0x0303);
  auto max = TlsVersion(in.max_version(), 0x0304);
  if (!min)
    Error("%s.min_version: \"%s\" (TLSv1.2 or TLSv1.3)", path,
          in.min_version());
  if (!max)
    Error("%s.max_version: \"%s\" (TLSv1.2 or TLSv1.3)", path,
          in.max_version());
  if (min && max && *min > *max) {
    Error("%s: min_version is above max_version", path);
  }
  *min_version = min.value_or(0x0303);
  *max_version = max.value_or(0x0304);
  for (int a = 0; a < in.alpn_size(); ++a) {
    // RFC 7301 section 3.1: a protocol ID is 1 to 255 bytes.
    if (in.alpn(a).empty() || in.alpn(a).size() > 255) {
      Error("%s.alpn[%d]: must be 1 to 255 bytes long (RFC 7301)", path, a);
    }
  }
  if (in.alpn_size() > 0) alpn->assign(in.alpn().begin(), in.alpn().end());
}

}  // namespace

std::shared_ptr<const tls::ServerTlsConfig> CompileTlsTermination(
    const config::TlsTermination& in, const std::string& path,
    std::shared_ptr<const tls::TicketKeySource> ticket_keys,
    std::vector<std::string>* errors) {
  Errors Error(errors);
  tls::ServerTlsOptions options;
  std::vector<std::string> alpn;
  CompileVersionsAndAlpn(in, path, &options.min_version, &options.max_version,
                         &alpn, Error);
  if (!alpn.empty()) options.alpn = std::move(alpn);
  options.cipher_list = in.ciphers();
  if (!in.groups().empty()) options.groups = in.groups();
  options.unknown_server_name =
      in.unknown_server_name() == config::TlsTermination::REFUSE
          ? tls::UnknownServerName::kRefuse
          : tls::UnknownServerName::kDefaultCertificate;
  options.session_cache_size =
      in.session_cache_off()
          ? 0
          : (in.session_cache_size() ? in.session_cache_size() : 20'000);
  if (!in.has_session_tickets() || in.session_tickets()) {
    options.tickets = ticket_keys;
  }
  const config::ClientVerify& verify = in.client_verify();
  switch (verify.mode()) {
    case config::ClientVerify::OPTIONAL:
      options.verify_client = tls::ClientVerify::kOptional;
      break;
    case config::ClientVerify::REQUIRED:
      options.verify_client = tls::ClientVerify::kRequired;
      break;
    default:
      options.verify_client = tls::ClientVerify::kOff;
      break;
  }
  options.verify_depth = verify.depth() ? static_cast<int>(verify.depth()) : 1;
  if (options.verify_client != tls::ClientVerify::kOff) {
    if (verify.ca_file().empty()) {
      Error("%s.client_verify.ca_file: required unless mode is OFF", path);
    } else {
      auto ca = ReadFile(verify.ca_file());
      if (!ca.ok()) {
        Error("%s.client_verify.ca_file: %s", path, ca.status().message());
      } else {
        options.client_ca_pem = std::move(*ca);
      }
    }
  }
  std::vector<std::shared_ptr<const tls::ServerCertificate>> certificates;
  if (in.certificates_size() == 0) {
    Error("%s.certificates: at least one required", path);
  }
  for (int c = 0; c < in.certificates_size(); ++c) {
    const config::Certificate& cert = in.certificates(c);
    std::string cpath = absl::StrFormat("%s.certificates[%d]", path, c);
    if (cert.cert_file().empty() || cert.key_file().empty()) {
      Error("%s.%s: required", cpath,
            cert.cert_file().empty() ? "cert_file" : "key_file");
      continue;
    }
    auto chain = ReadFile(cert.cert_file());
    if (!chain.ok()) {
      Error("%s.cert_file: %s", cpath, chain.status().message());
      continue;
    }
    auto key = ReadKeyFile(cert.key_file());
    if (!key.ok()) {
      Error("%s.key_file: %s", cpath, key.status().message());
      continue;
    }
    std::string ocsp;
    if (!cert.ocsp_file().empty()) {
      auto der = ReadFile(cert.ocsp_file());
      if (!der.ok()) {
        Error("%s.ocsp_file: %s", cpath, der.status().message());
        continue;
      }
      ocsp = std::move(*der);
    }
    auto loaded = tls::ServerCertificate::FromPem(*chain, *key, ocsp);
    if (!loaded.ok()) {
      Error("%s: %s", cpath, loaded.status().message());
      continue;
    }
    certificates.push_back(std::move(*loaded));
  }
  if (Error.any() || certificates.empty()) {
    return nullptr;
  }
  auto config = tls::ServerTlsConfig::Build(options, std::move(certificates));
  if (!config.ok()) {
    Error("%s: %s", path, config.status().message());
    return nullptr;
  }
  return std::move(*config);
}

std::shared_ptr<const tls::ClientTlsConfig> CompileUpstreamTls(
    const config::UpstreamTls& in, const std::string& path,
    std::vector<std::string>* errors) {
  Errors Error(errors);
  tls::ClientTlsOptions options;
  CompileVersionsAndAlpn(in, path, &options.min_version, &options.max_version,
                         &options.alpn, Error);
  options.cipher_list = in.ciphers();
  options.verify = in.verify();
  options.verify_depth =
      in.verify_depth() ? static_cast<int>(in.verify_depth()) : 1;
  options.session_reuse = !in.has_session_reuse() || in.session_reuse();
  if (in.verify() && in.trusted_ca_file().empty()) {
    Error("%s.trusted_ca_file: required with verify", path);
  } else if (!in.trusted_ca_file().empty()) {
    auto ca = ReadFile(in.trusted_ca_file());
    if (!ca.ok()) {
      Error("%s.trusted_ca_file: %s", path, ca.status().message());
    } else if (tls::ReadPemCertificates(*ca).empty()) {
      Error("%s.trusted_ca_file: no PEM certificate in \"%s\"", path,
            in.trusted_ca_file());
    } else {
      options.ca_pem = std::move(*ca);
    }
  }
  if (in.client_cert_file().empty() != in.client_key_file().empty()) {
    Error(
        "%s.%s: required with %s", path,
        in.client_cert_file().empty() ? "client_cert_file" : "client_key_file",
        in.client_cert_file().empty() ? "client_key_file" : "client_cert_file");
  } else if (!in.client_cert_file().empty()) {
    auto chain = ReadFile(in.client_cert_file());
    auto key = ReadKeyFile(in.client_key_file());
    if (!chain.ok()) {
      Error("%s.client_cert_file: %s", path, chain.status().message());
    } else if (!key.ok()) {
      Error("%s.client_key_file: %s", path, key.status().message());
    } else {
      auto loaded = tls::ServerCertificate::FromPem(*chain, *key);
      if (!loaded.ok()) {
        Error("%s.client_cert_file: %s", path, loaded.status().message());
      } else {
        options.client_certificate = std::move(*loaded);
      }
    }
  }
  if (Error.any()) return nullptr;
  auto config = tls::ClientTlsConfig::Build(std::move(options));
  if (!config.ok()) {
    Error("%s: %s", path, config.status().message());
    return nullptr;
  }
  return std::move(*config);
}

}  // namespace ringway::control
