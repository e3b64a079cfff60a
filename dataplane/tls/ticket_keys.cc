#include "dataplane/tls/ticket_keys.h"

#include <openssl/digest.h>
#include <openssl/hkdf.h>
#include <openssl/rand.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace ringway::tls {

std::shared_ptr<const TicketKeySource> TicketKeySource::Random(
    absl::Duration period) {
  std::string secret(32, '\0');
  RAND_bytes(reinterpret_cast<uint8_t*>(secret.data()), secret.size());
  return std::shared_ptr<const TicketKeySource>(
      new TicketKeySource(std::move(secret), period));
}

absl::StatusOr<std::shared_ptr<const TicketKeySource>>
TicketKeySource::FromSecret(std::string secret, absl::Duration period) {
  if (secret.size() < 32) {
    return absl::InvalidArgumentError(absl::StrCat(
        "session ticket secret has ", secret.size(), " bytes, needs 32"));
  }
  if (period < absl::Seconds(1)) {
    return absl::InvalidArgumentError("ticket key period under 1 s");
  }
  return std::shared_ptr<const TicketKeySource>(
      new TicketKeySource(std::move(secret), period));
}

uint64_t TicketKeySource::EpochAt(absl::Time now) const {
  return static_cast<uint64_t>(absl::ToUnixSeconds(now) /
                               absl::ToInt64Seconds(period_));
}

TicketKey TicketKeySource::KeyFor(uint64_t epoch) const {
  // The label, zero padded to 32 bytes, then the epoch big-endian.
  uint8_t info[40] = "ringway session ticket key";
  for (int i = 0; i < 8; ++i) {
    info[32 + i] = static_cast<uint8_t>(epoch >> (56 - 8 * i));
  }
  uint8_t out[80];
  HKDF(out, sizeof(out), EVP_sha256(),
       reinterpret_cast<const uint8_t*>(secret_.data()), secret_.size(),
       nullptr, 0, info, sizeof(info));
  TicketKey key;
  std::memcpy(key.name.data(), out, 16);
  std::memcpy(key.aes_key.data(), out + 16, 32);
  std::memcpy(key.hmac_key.data(), out + 48, 32);
  return key;
}

void TicketKeyCache::Refresh(absl::Time now) {
  uint64_t epoch = source_->EpochAt(now);
  if (epoch == epoch_) return;
  epoch_ = epoch;
  current_ = source_->KeyFor(epoch);
  previous_ = source_->KeyFor(epoch - 1);
}

const TicketKey& TicketKeyCache::Current(absl::Time now) {
  Refresh(now);
  return current_;
}

const TicketKey* TicketKeyCache::Find(const uint8_t* name, absl::Time now,
                                      bool* renew) {
  Refresh(now);
  *renew = false;
  if (std::memcmp(name, current_.name.data(), 16) == 0) return &current_;
  if (std::memcmp(name, previous_.name.data(), 16) == 0) {
    *renew = true;
    return &previous_;
  }
  return nullptr;
}

}  // namespace ringway::tls
