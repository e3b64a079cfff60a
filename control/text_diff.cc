#include "control/text_diff.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ringway::control {

std::string LineDiff(std::string_view before, std::string_view after) {
  if (before == after) return "";
  // Debian's abseil has its own string_view type.
  std::vector<absl::string_view> a =
      absl::StrSplit(absl::string_view(before.data(), before.size()), '\n');
  std::vector<absl::string_view> b =
      absl::StrSplit(absl::string_view(after.data(), after.size()), '\n');
  if (!a.empty() && a.back().empty()) a.pop_back();
  if (!b.empty() && b.back().empty()) b.pop_back();
  const size_t n = a.size(), m = b.size();
  // lcs[i][j]: longest common subsequence of a[i..] and b[j..].
  std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1
                               : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::string out;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      absl::StrAppend(&out, "  ", a[i++], "\n");
      ++j;
    } else if (j < m && (i == n || lcs[i][j + 1] > lcs[i + 1][j])) {
      absl::StrAppend(&out, "+ ", b[j++], "\n");
    } else {
      absl::StrAppend(&out, "- ", a[i++], "\n");
    }
  }
  return out;
}

}  // namespace ringway::control
