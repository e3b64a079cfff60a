// systemd's service notification protocol (sd_notify(3)) for Type=notify
// units: READY once every shard serves, RELOADING / READY around a route
// table apply, STOPPING when the drain starts, and WATCHDOG pings while the
// shards answer. Without NOTIFY_SOCKET (not under systemd) every call does
// nothing. Thread-safe: each notification is one datagram.
//
//   ServiceNotifier notifier;                 // reads the environment
//   notifier.Ready("route table version 1");
//   if (notifier.watchdog_interval() > absl::ZeroDuration()) ...

#ifndef RINGWAY_CONTROL_SERVICE_NOTIFIER_H_
#define RINGWAY_CONTROL_SERVICE_NOTIFIER_H_

#include <string>

#include "absl/time/time.h"

namespace ringway::control {

class ServiceNotifier {
 public:
  ServiceNotifier();

  bool enabled() const { return enabled_; }
  // WATCHDOG_USEC for this process (zero: no watchdog): ping at least
  // twice per interval.
  absl::Duration watchdog_interval() const { return watchdog_interval_; }

  void Ready(const std::string& status) const;
  // Before a reload; READY=1 must follow when it is done.
  void Reloading() const;
  void Stopping(const std::string& status) const;
  void WatchdogPing() const;

 private:
  void Send(const std::string& state) const;

  bool enabled_ = false;
  absl::Duration watchdog_interval_ = absl::ZeroDuration();
};

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_SERVICE_NOTIFIER_H_
