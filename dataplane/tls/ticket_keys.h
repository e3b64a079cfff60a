// Session ticket keys that rotate on a schedule and are the same in every
// shard (and every process given the same secret) without any shared
// mutable state: the key for a period is derived from a secret and the
// period's number (HKDF-SHA256), so each shard computes it on its own. A
// ticket sealed in period n is accepted in n and n+1 (and then renewed).
//
//   auto source = TicketKeySource::Random(absl::Hours(12));
//   TicketKey key = source->KeyFor(source->EpochAt(absl::Now()));

#ifndef RINGWAY_DATAPLANE_TLS_TICKET_KEYS_H_
#define RINGWAY_DATAPLANE_TLS_TICKET_KEYS_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ringway::tls {

struct TicketKey {
  std::array<uint8_t, 16> name;  // public: tells which key sealed a ticket
  std::array<uint8_t, 32> aes_key;
  std::array<uint8_t, 32> hmac_key;
};

// Immutable, shared.
class TicketKeySource {
 public:
  // A fresh random secret: tickets resume across shards of this process.
  static std::shared_ptr<const TicketKeySource> Random(absl::Duration period);
  // A secret shared with other ringway processes (at least 32 bytes, e.g.
  // from a file like nginx's ssl_session_ticket_key).
  static absl::StatusOr<std::shared_ptr<const TicketKeySource>> FromSecret(
      std::string secret, absl::Duration period);

  uint64_t EpochAt(absl::Time now) const;
  TicketKey KeyFor(uint64_t epoch) const;
  absl::Duration period() const { return period_; }

 private:
  TicketKeySource(std::string secret, absl::Duration period)
      : secret_(std::move(secret)), period_(period) {}
  std::string secret_;
  absl::Duration period_;
};

// A shard's view: the current and previous keys, re-derived only when the
// period changes. Shard-local.
class TicketKeyCache {
 public:
  explicit TicketKeyCache(std::shared_ptr<const TicketKeySource> source)
      : source_(std::move(source)) {}
  // The key to seal new tickets with.
  const TicketKey& Current(absl::Time now);
  // The key named `name`, or nullptr; `*renew` when it is the previous one.
  const TicketKey* Find(const uint8_t* name, absl::Time now, bool* renew);

 private:
  void Refresh(absl::Time now);
  std::shared_ptr<const TicketKeySource> source_;
  uint64_t epoch_ = UINT64_MAX;
  TicketKey current_;
  TicketKey previous_;
};

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_TICKET_KEYS_H_
