#include "control/snakeoil.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dataplane/tls/certificate_generator.h"

namespace ringway::control {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// mkdir -p, each new level with `mode`.
absl::Status MakeDirs(const std::string& dir, mode_t mode) {
  for (size_t slash = 1; slash != std::string::npos;) {
    slash = dir.find('/', slash + 1);
    std::string prefix = dir.substr(0, slash);
    if (mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return absl::PermissionDeniedError(absl::StrFormat(
          "cannot create \"%s\": %s", prefix, std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

// Writes `text` to a new file (replacing one only when `replace`).
absl::Status WriteNew(const std::string& path, const std::string& text,
                      mode_t mode, bool replace) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (replace ? O_TRUNC : O_EXCL);
  int fd = open(path.c_str(), flags, mode);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrFormat("cannot write \"%s\": %s", path, std::strerror(errno)));
  }
  fchmod(fd, mode);  // the umask may have narrowed it; a replaced file kept its
  ssize_t n = write(fd, text.data(), text.size());
  close(fd);
  if (n != static_cast<ssize_t>(text.size())) {
    return absl::InternalError(absl::StrFormat("short write to \"%s\"", path));
  }
  return absl::OkStatus();
}

}  // namespace

std::string DefaultStateDir() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) {
    return absl::StrCat(xdg, "/ringway");
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return absl::StrCat(home, "/.local/state/ringway");
  }
  return absl::StrCat("/tmp/ringway-state-", getuid());
}

absl::StatusOr<SnakeoilFiles> EnsureSnakeoil(const std::string& dir,
                                             const std::string& host_name,
                                             bool force) {
  const std::string cert_file = absl::StrCat(dir, "/cert.pem");
  const std::string key_file = absl::StrCat(dir, "/key.pem");
  const bool have_cert = Exists(cert_file);
  const bool have_key = Exists(key_file);
  if (have_cert && have_key && !force) {
    return SnakeoilFiles{cert_file, key_file, false};
  }
  if ((have_cert || have_key) && !force) {
    return absl::AlreadyExistsError(absl::StrFormat(
        "\"%s\" exists without its %s; remove it or use --force",
        have_cert ? cert_file : key_file, have_cert ? "key" : "certificate"));
  }
  return GenerateSnakeoil(dir, host_name, tls::KeyType::kEcdsaP256, force);
}

absl::StatusOr<SnakeoilFiles> GenerateSnakeoil(const std::string& dir,
                                               const std::string& host_name,
                                               tls::KeyType key_type,
                                               bool force) {
  SnakeoilFiles files;
  files.cert_file = absl::StrCat(dir, "/cert.pem");
  files.key_file = absl::StrCat(dir, "/key.pem");
  for (const std::string& path : {files.cert_file, files.key_file}) {
    if (!force && Exists(path)) {
      return absl::AlreadyExistsError(absl::StrFormat(
          "\"%s\" exists; not overwritten without --force", path));
    }
  }
  if (absl::Status made = MakeDirs(dir, 0700); !made.ok()) return made;
  tls::CertificateRequest request;
  request.common_name = host_name;
  request.dns_names = {host_name};
  request.key_type = key_type;
  request.days = 3650;
  auto generated = tls::GenerateCertificate(request);
  if (!generated.ok()) return generated.status();
  if (absl::Status s =
          WriteNew(files.key_file, generated->key_pem, 0600, force);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          WriteNew(files.cert_file, generated->cert_pem, 0644, force);
      !s.ok()) {
    return s;
  }
  files.generated = true;
  return files;
}

}  // namespace ringway::control
