#include "control/admin_request.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "control/admin_protocol.h"

namespace ringway::control {
namespace {

struct CommandName {
  AdminCommand command;
  const char* name;
  bool takes_body;
};

constexpr CommandName kCommands[] = {
    {AdminCommand::kRoutesApply, "routes.apply", true},
    {AdminCommand::kRoutesDiff, "routes.diff", true},
    {AdminCommand::kRoutesShow, "routes.show", false},
    {AdminCommand::kRoutesRollback, "routes.rollback", false},
    {AdminCommand::kStats, "stats", false},
};

const CommandName& Named(AdminCommand command) {
  for (const CommandName& c : kCommands) {
    if (c.command == command) return c;
  }
  return kCommands[0];
}

bool Printable(absl::string_view word) {
  for (char c : word) {
    if (c <= ' ' || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<AdminRequest> ParseAdminRequest(std::string_view bytes) {
  if (bytes.size() > kMaxAdminRequestBytes) {
    return absl::InvalidArgumentError("request too large");
  }
  const size_t newline = bytes.find('\n');
  absl::string_view line(
      bytes.data(), newline == std::string_view::npos ? bytes.size() : newline);
  AdminRequest request;
  if (newline != std::string_view::npos)
    request.body = bytes.substr(newline + 1);
  std::vector<absl::string_view> words =
      absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (words.empty()) return absl::InvalidArgumentError("empty request");
  const CommandName* command = nullptr;
  for (const CommandName& c : kCommands) {
    if (words[0] == c.name) command = &c;
  }
  if (command == nullptr) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "unknown command \"%s\"", absl::CHexEscape(words[0].substr(0, 64))));
  }
  request.command = command->command;
  words.erase(words.begin());
  if (!words.empty() && words.back() == "json") {
    request.json = true;
    words.pop_back();
  }
  if (command->takes_body && !words.empty()) {
    if (!Printable(words[0])) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: unprintable source", command->name));
    }
    request.source = std::string(words[0]);
    words.erase(words.begin());
  }
  if (!words.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: unexpected \"%s\"", command->name,
                        absl::CHexEscape(words[0].substr(0, 64))));
  }
  if (!command->takes_body && !request.body.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s takes no route table", command->name));
  }
  if (command->takes_body && request.source.empty()) {
    request.source = "ringwayctl";
  }
  return request;
}

std::string FormatAdminRequest(const AdminRequest& request) {
  const CommandName& command = Named(request.command);
  std::string out = command.name;
  if (command.takes_body) absl::StrAppend(&out, " ", request.source);
  if (request.json) out += " json";
  out += "\n";
  out.append(request.body);
  return out;
}

}  // namespace ringway::control
