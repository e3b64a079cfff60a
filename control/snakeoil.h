// A self-signed certificate generated on first use into a state directory,
// like Debian's `make-ssl-cert generate-default-snakeoil`: fresh per
// installation, never shipped in the repository, the key readable by its
// owner only. ringway's built-in HTTPS demo serves it.

#ifndef RINGWAY_CONTROL_SNAKEOIL_H_
#define RINGWAY_CONTROL_SNAKEOIL_H_

#include <string>

#include "absl/status/statusor.h"
#include "dataplane/tls/certificate_generator.h"

namespace ringway::control {

struct SnakeoilFiles {
  std::string cert_file;   // DIR/cert.pem, mode 0644
  std::string key_file;    // DIR/key.pem, mode 0600
  bool generated = false;  // false: both existed and were kept
};

// Creates `dir` (mode 0700) if needed and an ECDSA P-256 key and a
// certificate for `host_name` (subjectAltName) unless both files exist.
// With `force`, replaces them. A lone existing file is an error (never
// overwritten without `force`).
absl::StatusOr<SnakeoilFiles> EnsureSnakeoil(const std::string& dir,
                                             const std::string& host_name,
                                             bool force = false);

// `ringwayctl certs snakeoil`: always generates; existing files are an
// error unless `force`.
absl::StatusOr<SnakeoilFiles> GenerateSnakeoil(const std::string& dir,
                                               const std::string& host_name,
                                               tls::KeyType key_type,
                                               bool force);

// Where ringway keeps state for the user running it:
// $XDG_STATE_HOME/ringway, else $HOME/.local/state/ringway, else
// /tmp/ringway-state-<uid>.
std::string DefaultStateDir();

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_SNAKEOIL_H_
