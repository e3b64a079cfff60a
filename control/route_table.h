// The control thread's record of route tables: the current one, the ones
// before it (for rollback), and how a new one is checked and published.
//
// Apply is all-or-nothing: the text is compiled in full first; any error
// leaves the running table untouched. The listener set (names and
// addresses) is fixed when the process starts, because each listener is a
// group of per-shard sockets; everything behind a listener may change.
// Thread-safe (the admin thread and tests call it).

#ifndef RINGWAY_CONTROL_ROUTE_TABLE_H_
#define RINGWAY_CONTROL_ROUTE_TABLE_H_

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dataplane/route/route_snapshot.h"

namespace ringway::control {

struct ApplyOutcome {
  bool applied = false;
  std::vector<std::string> errors;
  std::shared_ptr<const route::RouteSnapshot> snapshot;  // when applied
};

class RouteTable {
 public:
  // Publishes a snapshot to every shard and returns once each has swapped.
  using Publisher =
      std::function<void(std::shared_ptr<const route::RouteSnapshot>)>;

  // How many earlier tables rollback can go back through.
  static constexpr size_t kHistory = 16;

  // Compiles the start-up table (version 1), which fixes the listener set.
  // Nothing is published: the shards start with it.
  ApplyOutcome Initialize(std::string_view text, std::string source);
  void set_publisher(Publisher publisher);

  ApplyOutcome Apply(std::string_view text, std::string source);
  // Back to the table before the current one.
  ApplyOutcome Rollback();
  // Diff of canonical texts, current → `text`; errors if `text` is bad.
  std::string Diff(std::string_view text, std::vector<std::string>* errors);

  std::shared_ptr<const route::RouteSnapshot> current() const;

 private:
  ApplyOutcome Compile(std::string_view text, std::string source);
  void CheckListenerSet(const route::RouteSnapshot& candidate,
                        std::vector<std::string>* errors) const;
  void Publish(std::shared_ptr<const route::RouteSnapshot> snapshot);

  mutable std::mutex mu_;
  Publisher publisher_;
  uint64_t next_version_ = 1;
  std::shared_ptr<const route::RouteSnapshot> current_;
  // Earlier tables as text, not snapshots: holding a snapshot here would
  // keep it alive after its last connection closed.
  struct Earlier {
    uint64_t version;
    std::string source;
    std::string config_text;
  };
  std::deque<Earlier> previous_;
};

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_ROUTE_TABLE_H_
