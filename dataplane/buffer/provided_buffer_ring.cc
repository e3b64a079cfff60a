#include "dataplane/buffer/provided_buffer_ring.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace ringway::buffer {

absl::StatusOr<std::unique_ptr<ProvidedBufferRing>> ProvidedBufferRing::Create(
    io_uring* ring, uint16_t group_id, uint32_t entries,
    uint32_t buffer_bytes) {
  std::unique_ptr<ProvidedBufferRing> self(new ProvidedBufferRing());
  self->ring_ = ring;
  self->group_id_ = group_id;
  self->entries_ = entries;
  self->buffer_bytes_ = buffer_bytes;
  // The ring of buffer descriptors is shared with the kernel: page-aligned.
  self->ring_bytes_ = entries * sizeof(io_uring_buf);
  void* mapped = mmap(nullptr, self->ring_bytes_, PROT_READ | PROT_WRITE,
                      MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (mapped == MAP_FAILED) {
    return absl::ResourceExhaustedError("mmap for buffer ring failed");
  }
  self->buf_ring_ = static_cast<io_uring_buf_ring*>(mapped);
  io_uring_buf_reg reg;
  std::memset(&reg, 0, sizeof(reg));
  reg.ring_addr = reinterpret_cast<uint64_t>(mapped);
  reg.ring_entries = entries;
  reg.bgid = group_id;
  int err = io_uring_register_buf_ring(ring, &reg, 0);
  if (err != 0) {
    munmap(mapped, self->ring_bytes_);
    self->buf_ring_ = nullptr;
    return absl::UnavailableError(
        absl::StrFormat("io_uring_register_buf_ring: %s", std::strerror(-err)));
  }
  io_uring_buf_ring_init(self->buf_ring_);
  if (entries > BufferChain::kNone) {
    return absl::InvalidArgumentError("at most 65535 provided buffers");
  }
  self->memory_.reset(new uint8_t[static_cast<size_t>(entries) * buffer_bytes]);
  self->links_.reset(new Link[entries]);
  int mask = io_uring_buf_ring_mask(entries);
  for (uint32_t id = 0; id < entries; ++id) {
    io_uring_buf_ring_add(self->buf_ring_,
                          self->memory_.get() + size_t{id} * buffer_bytes,
                          buffer_bytes, static_cast<uint16_t>(id), mask, id);
  }
  io_uring_buf_ring_advance(self->buf_ring_, entries);
  return self;
}

ProvidedBufferRing::~ProvidedBufferRing() {
  if (buf_ring_ != nullptr) {
    io_uring_unregister_buf_ring(ring_, group_id_);
    munmap(buf_ring_, ring_bytes_);
  }
}

void ProvidedBufferRing::Recycle(uint16_t id) {
  io_uring_buf_ring_add(buf_ring_,
                        memory_.get() + static_cast<size_t>(id) * buffer_bytes_,
                        buffer_bytes_, id, io_uring_buf_ring_mask(entries_), 0);
  io_uring_buf_ring_advance(buf_ring_, 1);
}

void ProvidedBufferRing::Append(BufferChain* chain, uint16_t id,
                                uint32_t length) {
  links_[id] = Link{BufferChain::kNone, 0, length};
  if (chain->empty()) {
    chain->head = id;
  } else {
    links_[chain->tail].next = id;
  }
  chain->tail = id;
  ++chain->count;
  chain->bytes += length;
}

std::span<const uint8_t> ProvidedBufferRing::Front(
    const BufferChain& chain) const {
  if (chain.empty()) return {};
  const Link& link = links_[chain.head];
  return {Data(chain.head) + link.offset, link.end - link.offset};
}

size_t ProvidedBufferRing::Gather(const BufferChain& chain, iovec* iov,
                                  size_t max) const {
  size_t n = 0;
  for (uint16_t id = chain.head; id != BufferChain::kNone && n < max;
       id = links_[id].next) {
    const Link& link = links_[id];
    iov[n].iov_base = const_cast<uint8_t*>(Data(id)) + link.offset;
    iov[n].iov_len = link.end - link.offset;
    ++n;
  }
  return n;
}

void ProvidedBufferRing::Consume(BufferChain* chain, uint32_t n) {
  chain->bytes -= n;
  while (n > 0 && !chain->empty()) {
    Link& link = links_[chain->head];
    uint32_t take = std::min(n, link.end - link.offset);
    link.offset += take;
    n -= take;
    if (link.offset < link.end) break;
    uint16_t done = chain->head;
    chain->head = link.next;
    if (chain->head == BufferChain::kNone) chain->tail = BufferChain::kNone;
    --chain->count;
    Recycle(done);
  }
}

void ProvidedBufferRing::Release(BufferChain* chain) {
  while (!chain->empty()) {
    uint16_t done = chain->head;
    chain->head = links_[done].next;
    Recycle(done);
  }
  *chain = BufferChain{};
}

}  // namespace ringway::buffer
