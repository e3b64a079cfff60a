#include "dataplane/common/log_limiter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ringway {

bool LogLimiter::Allow(LogReason reason, uint64_t now_ns, uint64_t* held_back) {
  Bucket& bucket = buckets_[static_cast<size_t>(reason)];
  if (bucket.tokens < 0) {
    bucket.tokens = burst_;
    bucket.refilled_ns = now_ns;
  } else if (now_ns > bucket.refilled_ns) {
    const double earned = static_cast<double>(now_ns - bucket.refilled_ns) *
                          burst_ / static_cast<double>(interval_ns_);
    bucket.tokens = std::min<double>(burst_, bucket.tokens + earned);
    bucket.refilled_ns = now_ns;
  }
  if (bucket.tokens < 1) {
    ++bucket.held_back;
    ++bucket.suppressed_total;
    return false;
  }
  bucket.tokens -= 1;
  *held_back = bucket.held_back;
  bucket.held_back = 0;
  return true;
}

std::string SuppressedNote(uint64_t held_back) {
  if (held_back == 0) return "";
  return absl::StrCat(" (", held_back, " similar line",
                      held_back == 1 ? "" : "s", " suppressed)");
}

}  // namespace ringway
