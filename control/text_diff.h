// Line diff of two texts, for `ringwayctl routes diff`: unchanged lines with
// "  ", removed with "- ", added with "+ ". Inputs are route tables (a few
// thousand lines at most), so a plain LCS table is fine.

#ifndef RINGWAY_CONTROL_TEXT_DIFF_H_
#define RINGWAY_CONTROL_TEXT_DIFF_H_

#include <string>
#include <string_view>

namespace ringway::control {

// Empty when the texts are equal.
std::string LineDiff(std::string_view before, std::string_view after);

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_TEXT_DIFF_H_
