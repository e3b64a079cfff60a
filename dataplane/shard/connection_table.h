// Fixed-capacity table of connection slots for one shard.
//
// Slots are allocated once and reused, so accepting a connection allocates
// nothing after warm-up. Each reuse bumps the slot's generation; live
// connections are also kept on an intrusive list for drain.
// Shard-local.

#ifndef RINGWAY_DATAPLANE_SHARD_CONNECTION_TABLE_H_
#define RINGWAY_DATAPLANE_SHARD_CONNECTION_TABLE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/conn/connection.h"

namespace ringway::shard {

class ConnectionTable {
 public:
  explicit ConnectionTable(uint32_t capacity) : capacity_(capacity) {}

  // Null when every slot is taken.
  conn::Connection* Allocate() {
    uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else if (slots_.size() < capacity_) {
      slot = static_cast<uint32_t>(slots_.size());
      slots_.push_back(std::make_unique<conn::Connection>());
    } else {
      return nullptr;
    }
    conn::Connection* conn = slots_[slot].get();
    uint32_t generation = conn->generation + 1;
    *conn = conn::Connection{};
    conn->slot = slot;
    conn->generation = generation;
    LinkFront(conn);
    ++live_;
    return conn;
  }

  void Free(conn::Connection* conn) {
    Unlink(conn);
    conn->state = conn::ConnectionState::kFree;
    free_.push_back(conn->slot);
    --live_;
  }

  // The connection a completion names, or null if the slot has moved on.
  conn::Connection* Find(uint32_t slot, uint32_t generation) {
    if (slot >= slots_.size()) return nullptr;
    conn::Connection* conn = slots_[slot].get();
    if (conn->generation != generation ||
        conn->state == conn::ConnectionState::kFree) {
      return nullptr;
    }
    return conn;
  }

  // Calls fn on each live connection; fn may free the one it is given.
  template <typename Fn>
  void ForEachLive(Fn&& fn) {
    conn::Connection* conn = head_;
    while (conn != nullptr) {
      conn::Connection* next = conn->next;
      fn(*conn);
      conn = next;
    }
  }

  uint32_t live() const { return live_; }

 private:
  void LinkFront(conn::Connection* conn) {
    conn->prev = nullptr;
    conn->next = head_;
    if (head_ != nullptr) head_->prev = conn;
    head_ = conn;
  }
  void Unlink(conn::Connection* conn) {
    if (conn->prev != nullptr) conn->prev->next = conn->next;
    if (conn->next != nullptr) conn->next->prev = conn->prev;
    if (head_ == conn) head_ = conn->next;
    conn->prev = conn->next = nullptr;
  }

  uint32_t capacity_;
  uint32_t live_ = 0;
  std::vector<std::unique_ptr<conn::Connection>> slots_;
  std::vector<uint32_t> free_;
  conn::Connection* head_ = nullptr;
};

}  // namespace ringway::shard

#endif  // RINGWAY_DATAPLANE_SHARD_CONNECTION_TABLE_H_
