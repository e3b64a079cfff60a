#include "control/service_notifier.h"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "dataplane/common/log.h"
#include "dataplane/common/monotonic_clock.h"

namespace ringway::control {

ServiceNotifier::ServiceNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && socket[0] != '\0';
  uint64_t usec = 0;
  // Honours WATCHDOG_PID: a watchdog meant for another process is not ours.
  if (enabled_ && sd_watchdog_enabled(0, &usec) > 0) {
    watchdog_interval_ = absl::Microseconds(static_cast<int64_t>(usec));
  }
}

void ServiceNotifier::Send(const std::string& state) const {
  if (!enabled_) return;
  // 0: NOTIFY_SOCKET stays set, for the next notification.
  int sent = sd_notify(0, state.c_str());
  if (sent < 0) {
    RINGWAY_LOG(kWarning, "sd_notify(%s): %s", state, std::strerror(-sent));
  }
}

void ServiceNotifier::Ready(const std::string& status) const {
  Send(absl::StrCat("READY=1\nSTATUS=", status));
}

void ServiceNotifier::Reloading() const {
  // MONOTONIC_USEC lets systemd (253+, Type=notify-reload) tell this reload
  // from an earlier one; older versions ignore it.
  Send(absl::StrCat("RELOADING=1\nMONOTONIC_USEC=", MonotonicNowNs() / 1000));
}

void ServiceNotifier::Stopping(const std::string& status) const {
  Send(absl::StrCat("STOPPING=1\nSTATUS=", status));
}

void ServiceNotifier::WatchdogPing() const { Send("WATCHDOG=1"); }

}  // namespace ringway::control
