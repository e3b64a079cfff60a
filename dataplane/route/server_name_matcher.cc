#include "dataplane/route/server_name_matcher.h"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ringway::route {
namespace {

// Abseil here is built with its own string_view type; its hash maps and
// string helpers take that one.
absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// The pattern kinds, indexing Builder's per-name lists.
enum Kind : uint8_t { kExact = 0, kWildcard = 1, kSuffix = 2, kKindCount = 3 };

// Host name characters (RFC 1123 letters, digits and '-', plus the '_' that
// real service names use), lowercased; 0 for any other byte.
constexpr std::array<char, 256> MakeHostCharTable() {
  std::array<char, 256> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[c] = static_cast<char>(c);
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = static_cast<char>(c - 'A' + 'a');
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<char>(c);
  table['-'] = '-';
  table['_'] = '_';
  return table;
}
constexpr std::array<char, 256> kHostChar = MakeHostCharTable();

enum class NameError { kNone, kEmptyLabel, kLabelTooLong, kBadChar };

struct NameCheck {
  NameError error = NameError::kNone;
  size_t at = 0;  // Offset of the offending byte.
};

// Writes `name` lowercased to out[0, name.size()) while checking that it is a
// host name: dot-separated labels of 1 to 63 host name characters. Shared by
// Build and Lookup so that a pattern and a server name follow one grammar.
NameCheck LowercaseHostName(std::string_view name, char* out) {
  size_t label_length = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '.') {
      if (label_length == 0) return {NameError::kEmptyLabel, i};
      label_length = 0;
      out[i] = '.';
      continue;
    }
    const char lower = kHostChar[static_cast<unsigned char>(c)];
    if (lower == 0) return {NameError::kBadChar, i};
    if (++label_length > ServerNameMatcher::kMaxLabelLength) {
      return {NameError::kLabelTooLong, i};
    }
    out[i] = lower;
  }
  if (label_length == 0) return {NameError::kEmptyLabel, name.size()};
  return {};
}

// The server name in `buffer`, lowercased and without its trailing dot; empty
// when there is none or it is not a host name (which then matches no pattern).
std::string_view NormalizeServerName(
    std::string_view name,
    std::array<char, ServerNameMatcher::kMaxNameLength>& buffer) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > buffer.size()) return {};
  if (LowercaseHostName(name, buffer.data()).error != NameError::kNone) {
    return {};
  }
  return std::string_view(buffer.data(), name.size());
}

struct Pattern {
  Kind kind = kExact;
  std::string base;  // Lowercase, no trailing dot.
};

std::string BadCharMessage(char c, size_t offset) {
  return absl::StrCat(
      "character '", absl::CHexEscape(absl::string_view(&c, 1)), "' at offset ",
      offset,
      " is not allowed: use a-z, 0-9, '-' and '_' (internationalized names "
      "in punycode, \"xn--...\"), with \"*.\" or \".\" only in front");
}

// Parses one server_names entry; the error says what is wrong with it.
absl::StatusOr<Pattern> ParsePattern(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty()) return absl::InvalidArgumentError("empty name");
  if (text.size() > ServerNameMatcher::kMaxNameLength) {
    return absl::InvalidArgumentError("longer than 253 characters");
  }
  if (text == "*") {
    return absl::InvalidArgumentError(
        "\"*\" alone is not a pattern: leave server_names empty to match "
        "every name");
  }
  Pattern pattern;
  size_t prefix = 0;
  if (text.starts_with("*.")) {
    pattern.kind = kWildcard;
    prefix = 2;
  } else if (text.starts_with(".")) {
    pattern.kind = kSuffix;
    prefix = 1;
  }
  const std::string_view base = text.substr(prefix);
  if (base.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no name after \"", AsAbsl(text.substr(0, prefix)),
                     "\": leave server_names empty to match every name"));
  }
  if (base.find('*') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "\"*\" is only allowed as the whole first label, as in "
        "\"*.example.org\"");
  }
  pattern.base.resize(base.size());
  const NameCheck check = LowercaseHostName(base, pattern.base.data());
  switch (check.error) {
    case NameError::kNone:
      return pattern;
    case NameError::kEmptyLabel:
      return absl::InvalidArgumentError("empty label");
    case NameError::kLabelTooLong:
      return absl::InvalidArgumentError("a label is longer than 63 characters");
    case NameError::kBadChar:
      return absl::InvalidArgumentError(
          BadCharMessage(base[check.at], prefix + check.at));
  }
  return absl::InternalError("unreachable");
}

// Checks one route's ALPN IDs and returns them sorted, so that two lists
// naming the same protocols compare equal.
absl::StatusOr<std::vector<std::string>> SortedAlpn(
    const std::vector<std::string>& alpn) {
  std::vector<std::string> sorted = alpn;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    // RFC 7301 section 3.1: a protocol ID is 1 to 255 opaque bytes.
    if (sorted[i].empty() || sorted[i].size() > 255) {
      return absl::InvalidArgumentError(
          absl::StrCat("ALPN ID \"", absl::CHexEscape(sorted[i]),
                       "\" must be 1 to 255 bytes long (RFC 7301)"));
    }
    if (i > 0 && sorted[i] == sorted[i - 1]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ALPN ID \"", absl::CHexEscape(sorted[i]), "\" is listed twice"));
    }
  }
  return sorted;
}

// Identifies a (pattern, ALPN set) pair: two routes with the same key would
// always tie, so the later one could never match. ALPN IDs are opaque bytes,
// hence the length prefixes; a base name never holds '\0' or '#'.
std::string DuplicateKey(char kind, std::string_view base,
                         const std::vector<std::string>& sorted_alpn) {
  std::string key = absl::StrCat(absl::string_view(&kind, 1), AsAbsl(base));
  key.push_back('\0');
  for (const std::string& id : sorted_alpn) {
    key.push_back(static_cast<char>(id.size()));
    key += id;
  }
  return key;
}

constexpr char kAnyNameKind = '#';

}  // namespace

// Collects the routes (control thread), then lays them out for Lookup.
class ServerNameMatcher::Builder {
 public:
  absl::Status AddRoute(uint32_t index, const ServerNameRoute& route);
  ServerNameMatcher Finish(std::optional<uint32_t> default_target) &&;

 private:
  // Where a (pattern, ALPN set) was first seen, for duplicate errors.
  struct Origin {
    uint32_t route = 0;
    uint32_t name = 0;  // Index in server_names.
  };

  absl::Status AddPattern(uint32_t index, uint32_t name_index,
                          const ServerNameRoute& route,
                          const std::vector<std::string>& sorted_alpn);
  Range Lay(const std::vector<uint32_t>& route_indices,
            ServerNameMatcher& matcher) const;

  // Per route, in config order: its ALPN IDs (as a range in alpn_) and
  // target.
  std::vector<Candidate> routes_;
  std::vector<std::string> alpn_;
  // Route indices, in config order, per base name and pattern kind.
  absl::flat_hash_map<std::string,
                      std::array<std::vector<uint32_t>, kKindCount>>
      names_;
  std::vector<uint32_t> any_name_;
  absl::flat_hash_map<std::string, Origin> seen_;
};

absl::Status ServerNameMatcher::Builder::AddRoute(
    uint32_t index, const ServerNameRoute& route) {
  absl::StatusOr<std::vector<std::string>> sorted_alpn = SortedAlpn(route.alpn);
  if (!sorted_alpn.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "routes[", index, "].alpn: ", sorted_alpn.status().message()));
  }
  Candidate candidate{.alpn_begin = static_cast<uint32_t>(alpn_.size()),
                      .target = route.target};
  alpn_.insert(alpn_.end(), route.alpn.begin(), route.alpn.end());
  candidate.alpn_end = static_cast<uint32_t>(alpn_.size());
  routes_.push_back(candidate);

  if (route.server_names.empty()) {
    auto [it, inserted] = seen_.try_emplace(
        DuplicateKey(kAnyNameKind, "", *sorted_alpn), Origin{index, 0});
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          "routes[", index, "] has no server names and the same ALPN list as ",
          "routes[", it->second.route, "], so it could never match"));
    }
    any_name_.push_back(index);
    return absl::OkStatus();
  }
  for (uint32_t j = 0; j < route.server_names.size(); ++j) {
    absl::Status status = AddPattern(index, j, route, *sorted_alpn);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status ServerNameMatcher::Builder::AddPattern(
    uint32_t index, uint32_t name_index, const ServerNameRoute& route,
    const std::vector<std::string>& sorted_alpn) {
  const std::string& text = route.server_names[name_index];
  const std::string where =
      absl::StrCat("routes[", index, "].server_names[", name_index, "] \"",
                   absl::CHexEscape(text), "\"");
  absl::StatusOr<Pattern> pattern = ParsePattern(text);
  if (!pattern.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", pattern.status().message()));
  }
  auto [it, inserted] =
      seen_.try_emplace(DuplicateKey(static_cast<char>('0' + pattern->kind),
                                     pattern->base, sorted_alpn),
                        Origin{index, name_index});
  if (!inserted) {
    const Origin first = it->second;
    if (first.route == index) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": the same pattern as server_names[", first.name,
                       "] of the same route"));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": routes[", first.route, "].server_names[", first.name,
        "] already has this pattern with the same ALPN list, so routes[", index,
        "] could never match it"));
  }
  names_[pattern->base][pattern->kind].push_back(index);
  return absl::OkStatus();
}

// Appends the candidates of one pattern in the order Lookup tries them: routes
// with an ALPN list in config order, then the one without (duplicate checks
// leave at most one).
ServerNameMatcher::Range ServerNameMatcher::Builder::Lay(
    const std::vector<uint32_t>& route_indices,
    ServerNameMatcher& matcher) const {
  Range range{.begin = static_cast<uint32_t>(matcher.candidates_.size())};
  for (bool with_alpn : {true, false}) {
    for (uint32_t index : route_indices) {
      const Candidate& route = routes_[index];
      if ((route.alpn_begin != route.alpn_end) == with_alpn) {
        matcher.candidates_.push_back(route);
      }
    }
  }
  range.end = static_cast<uint32_t>(matcher.candidates_.size());
  return range;
}

ServerNameMatcher ServerNameMatcher::Builder::Finish(
    std::optional<uint32_t> default_target) && {
  ServerNameMatcher matcher;
  matcher.names_.reserve(names_.size());
  for (const auto& [base, lists] : names_) {
    matcher.names_.emplace(base, Patterns{
                                     .exact = Lay(lists[kExact], matcher),
                                     .wildcard = Lay(lists[kWildcard], matcher),
                                     .suffix = Lay(lists[kSuffix], matcher),
                                 });
    matcher.pattern_count_ += absl::c_count_if(
        lists, [](const std::vector<uint32_t>& list) { return !list.empty(); });
  }
  matcher.any_name_ = Lay(any_name_, matcher);
  matcher.alpn_ = std::move(alpn_);
  matcher.default_target_ = default_target;
  return matcher;
}

absl::StatusOr<ServerNameMatcher> ServerNameMatcher::Build(
    absl::Span<const ServerNameRoute> routes,
    std::optional<uint32_t> default_target) {
  // Candidates and ALPN IDs are indexed with uint32_t to keep them small.
  size_t entries = 0;
  for (const ServerNameRoute& route : routes) {
    entries +=
        std::max<size_t>(route.server_names.size(), 1) + route.alpn.size();
  }
  if (entries >= std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError("too many routes, server names or ALPN");
  }
  Builder builder;
  for (uint32_t i = 0; i < routes.size(); ++i) {
    absl::Status status = builder.AddRoute(i, routes[i]);
    if (!status.ok()) return status;
  }
  return std::move(builder).Finish(default_target);
}

std::optional<uint32_t> ServerNameMatcher::Lookup(
    std::string_view server_name,
    absl::FunctionRef<bool(std::string_view)> client_offers_alpn) const {
  std::array<char, kMaxNameLength> buffer;  // No heap on the hot path.
  const std::string_view name = NormalizeServerName(server_name, buffer);
  if (!name.empty()) {
    if (std::optional<uint32_t> target = MatchName(name, client_offers_alpn)) {
      return target;
    }
  }
  if (std::optional<uint32_t> target =
          FirstMatch(any_name_, client_offers_alpn)) {
    return target;
  }
  return default_target_;
}

std::optional<uint32_t> ServerNameMatcher::Lookup(
    std::string_view server_name,
    absl::Span<const std::string_view> offered_alpn) const {
  return Lookup(server_name, [offered_alpn](std::string_view protocol) {
    return absl::c_linear_search(offered_alpn, protocol);
  });
}

// Walks the base names of `name` from the name itself up to its last label,
// one hash probe each; `depth` labels of `name` lie below `base`. The walk
// visits patterns in precedence order, so the first match wins.
std::optional<uint32_t> ServerNameMatcher::MatchName(
    std::string_view name,
    absl::FunctionRef<bool(std::string_view)> client_offers_alpn) const {
  size_t start = 0;
  for (size_t depth = 0;; ++depth) {
    const std::string_view base = name.substr(start);
    const auto it = names_.find(AsAbsl(base));
    if (it != names_.end()) {
      const Patterns& patterns = it->second;
      std::optional<uint32_t> target;
      if (depth == 0) target = FirstMatch(patterns.exact, client_offers_alpn);
      if (!target && depth == 1) {
        target = FirstMatch(patterns.wildcard, client_offers_alpn);
      }
      if (!target) target = FirstMatch(patterns.suffix, client_offers_alpn);
      if (target) return target;
    }
    const size_t dot = base.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    start += dot + 1;
  }
}

std::optional<uint32_t> ServerNameMatcher::FirstMatch(
    Range range,
    absl::FunctionRef<bool(std::string_view)> client_offers_alpn) const {
  for (uint32_t i = range.begin; i < range.end; ++i) {
    const Candidate& candidate = candidates_[i];
    if (candidate.alpn_begin == candidate.alpn_end) return candidate.target;
    for (uint32_t a = candidate.alpn_begin; a < candidate.alpn_end; ++a) {
      if (client_offers_alpn(alpn_[a])) return candidate.target;
    }
  }
  return std::nullopt;
}

}  // namespace ringway::route
