#include "control/route_table.h"

#include "absl/strings/str_format.h"
#include "control/config_compiler.h"
#include "control/text_diff.h"

namespace ringway::control {

ApplyOutcome RouteTable::Initialize(std::string_view text, std::string source) {
  std::lock_guard<std::mutex> lock(mu_);
  ApplyOutcome outcome = Compile(text, std::move(source));
  if (outcome.applied) current_ = outcome.snapshot;
  return outcome;
}

void RouteTable::set_publisher(Publisher publisher) {
  std::lock_guard<std::mutex> lock(mu_);
  publisher_ = std::move(publisher);
}

ApplyOutcome RouteTable::Compile(std::string_view text, std::string source) {
  ApplyOutcome outcome;
  CompileResult compiled = CompileConfigText(text);
  if (!compiled.ok()) {
    outcome.errors = std::move(compiled.errors);
    return outcome;
  }
  if (current_ != nullptr)
    CheckListenerSet(*compiled.snapshot, &outcome.errors);
  if (!outcome.errors.empty()) return outcome;
  compiled.snapshot->version = next_version_++;
  compiled.snapshot->source = std::move(source);
  compiled.snapshot->applied_at = absl::Now();
  outcome.applied = true;
  outcome.snapshot = std::move(compiled.snapshot);
  return outcome;
}

void RouteTable::CheckListenerSet(const route::RouteSnapshot& candidate,
                                  std::vector<std::string>* errors) const {
  if (candidate.admin_http_address != current_->admin_http_address) {
    errors->push_back(absl::StrFormat(
        "admin.http_address: \"%s\", running has \"%s\"; changing the "
        "admin listener needs a restart",
        candidate.admin_http_address, current_->admin_http_address));
  }
  const auto& running = current_->listeners;
  const auto& next = candidate.listeners;
  for (size_t i = 0; i < std::max(running.size(), next.size()); ++i) {
    if (i >= running.size()) {
      errors->push_back(absl::StrFormat(
          "listeners[%d]: adding listener \"%s\" needs a restart", i,
          next[i].name));
    } else if (i >= next.size()) {
      errors->push_back(
          absl::StrFormat("listeners: removing listener \"%s\" needs a restart",
                          running[i].name));
    } else if (running[i].name != next[i].name ||
               running[i].address != next[i].address) {
      errors->push_back(absl::StrFormat(
          "listeners[%d]: is \"%s\" on %s, running has \"%s\" on %s; "
          "changing the listener set needs a restart",
          i, next[i].name, next[i].address, running[i].name,
          running[i].address));
    } else if (running[i].backlog != next[i].backlog ||
               running[i].defer_accept_s != next[i].defer_accept_s) {
      // Socket options of listening sockets that stay open: silently
      // keeping the old ones would make the shown table lie.
      errors->push_back(absl::StrFormat(
          "listeners[%d] \"%s\": changing backlog or defer_accept needs a "
          "restart",
          i, next[i].name));
    }
  }
}

ApplyOutcome RouteTable::Apply(std::string_view text, std::string source) {
  std::lock_guard<std::mutex> lock(mu_);
  ApplyOutcome outcome = Compile(text, std::move(source));
  if (outcome.applied) Publish(outcome.snapshot);
  return outcome;
}

ApplyOutcome RouteTable::Rollback() {
  std::lock_guard<std::mutex> lock(mu_);
  ApplyOutcome outcome;
  if (previous_.empty()) {
    outcome.errors.push_back("no earlier route table to roll back to");
    return outcome;
  }
  // A rollback is a new version with the old content, so versions only
  // ever grow and `routes show` says what happened.
  Earlier earlier = std::move(previous_.back());
  previous_.pop_back();
  outcome = Compile(earlier.config_text,
                    absl::StrFormat("rollback to version %d (%s)",
                                    earlier.version, earlier.source));
  if (!outcome.applied) return outcome;  // same text compiled before
  current_ = outcome.snapshot;  // the table we leave is not pushed back
  if (publisher_) publisher_(outcome.snapshot);
  return outcome;
}

void RouteTable::Publish(std::shared_ptr<const route::RouteSnapshot> snapshot) {
  previous_.push_back(
      Earlier{current_->version, current_->source, current_->config_text});
  if (previous_.size() > kHistory) previous_.pop_front();
  current_ = snapshot;
  if (publisher_) publisher_(std::move(snapshot));
}

std::string RouteTable::Diff(std::string_view text,
                             std::vector<std::string>* errors) {
  CompileResult compiled = CompileConfigText(text);
  if (!compiled.ok()) {
    *errors = std::move(compiled.errors);
    return "";
  }
  std::lock_guard<std::mutex> lock(mu_);
  return LineDiff(current_->config_text, compiled.snapshot->config_text);
}

std::shared_ptr<const route::RouteSnapshot> RouteTable::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

}  // namespace ringway::control
