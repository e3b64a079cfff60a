// Text made safe inside a JSON string literal (RFC 8259 section 7), for
// the admin replies that are still written by hand.

#ifndef RINGWAY_CONTROL_JSON_ESCAPE_H_
#define RINGWAY_CONTROL_JSON_ESCAPE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace ringway::control {

std::string JsonEscape(absl::string_view in);

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_JSON_ESCAPE_H_
