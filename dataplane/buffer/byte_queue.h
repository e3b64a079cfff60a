// A contiguous FIFO of bytes that a receive writes into and a parser reads
// from, for protocols whose messages must be seen whole in user space (HTTP
// heads, TLS records).
//
// Bytes are appended at the tail and consumed from the head. Memory is
// reused: the vector grows to the largest message seen and stays there, so
// a warm connection allocates nothing. Storage moves only in PrepareTail
// (compaction or growth); callers with a receive in flight into the tail
// must not call it until that receive completes.
//
//   uint8_t* tail = queue.PrepareTail(4096);      // then recv into it
//   queue.Commit(res);                            // on completion
//   parser.Parse(queue.readable());
//   queue.Consume(head_length);
// Shard-local.

#ifndef RINGWAY_DATAPLANE_BUFFER_BYTE_QUEUE_H_
#define RINGWAY_DATAPLANE_BUFFER_BYTE_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace ringway::buffer {

class ByteQueue {
 public:
  std::span<const uint8_t> readable() const {
    return {data_.data() + begin_, end_ - begin_};
  }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }

  // Room for at least `min_bytes` after the readable bytes; returns its
  // start. May move the readable bytes (compaction first, growth if still
  // short). Spare capacity beyond `min_bytes` is reported by tail_room().
  uint8_t* PrepareTail(size_t min_bytes) {
    // Compacts only when the bytes moved are no more than the room won, so
    // a queue that stays mostly full is not copied over and over: it grows
    // instead, once.
    if (data_.size() - end_ < min_bytes && begin_ > 0 &&
        end_ - begin_ <= begin_) {
      std::memmove(data_.data(), data_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (data_.size() - end_ < min_bytes) data_.resize(end_ + min_bytes);
    return data_.data() + end_;
  }
  size_t tail_room() const { return data_.size() - end_; }
  // `n` bytes were written at the tail returned by PrepareTail.
  void Commit(size_t n) { end_ += n; }

  void Append(std::span<const uint8_t> bytes) {
    std::memcpy(PrepareTail(bytes.size()), bytes.data(), bytes.size());
    Commit(bytes.size());
  }
  void Append(const void* bytes, size_t n) {
    Append({static_cast<const uint8_t*>(bytes), n});
  }

  // Drops `n` bytes from the head. Never moves storage: a receive may be
  // writing at the tail.
  void Consume(size_t n) { begin_ += n; }
  // Forgets everything (no receive may be in flight into it).
  void Clear() { begin_ = end_ = 0; }

 private:
  std::vector<uint8_t> data_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace ringway::buffer

#endif  // RINGWAY_DATAPLANE_BUFFER_BYTE_QUEUE_H_
