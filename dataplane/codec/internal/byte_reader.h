// A bounds-checked cursor over untrusted big-endian wire bytes.
//
// Every read either succeeds or leaves the reader failed; nothing reads past
// the end, so parsers can chain reads and check once. Used by the codecs
// only: not part of their public API.
//
//   ByteReader r(bytes);
//   uint16_t type;
//   std::span<const uint8_t> body;
//   if (!r.ReadU16(&type) || !r.ReadU16Prefixed(&body)) return kMalformed;

#ifndef RINGWAY_DATAPLANE_CODEC_INTERNAL_BYTE_READER_H_
#define RINGWAY_DATAPLANE_CODEC_INTERNAL_BYTE_READER_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace ringway::codec::internal {

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

  size_t remaining() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  std::span<const uint8_t> rest() const { return data_; }

  bool ReadU8(uint8_t* out) { return ReadBigEndian(1, out); }
  bool ReadU16(uint16_t* out) { return ReadBigEndian(2, out); }
  bool ReadU24(uint32_t* out) { return ReadBigEndian(3, out); }

  bool ReadBytes(size_t n, std::span<const uint8_t>* out) {
    if (n > data_.size()) return false;
    *out = data_.first(n);
    data_ = data_.subspan(n);
    return true;
  }

  bool Skip(size_t n) {
    std::span<const uint8_t> ignored;
    return ReadBytes(n, &ignored);
  }

  // Length-prefixed vectors (RFC 8446 section 3.4): the prefix is the number
  // of bytes, not of elements; a prefix overrunning the input fails.
  bool ReadU8Prefixed(std::span<const uint8_t>* out) {
    uint8_t n;
    return ReadU8(&n) && ReadBytes(n, out);
  }
  bool ReadU16Prefixed(std::span<const uint8_t>* out) {
    uint16_t n;
    return ReadU16(&n) && ReadBytes(n, out);
  }

 private:
  template <typename T>
  bool ReadBigEndian(size_t n, T* out) {
    if (n > data_.size()) return false;
    T value = 0;
    for (size_t i = 0; i < n; ++i)
      value = static_cast<T>((value << 8) | data_[i]);
    *out = value;
    data_ = data_.subspan(n);
    return true;
  }

  std::span<const uint8_t> data_;
};

}  // namespace ringway::codec::internal

#endif  // RINGWAY_DATAPLANE_CODEC_INTERNAL_BYTE_READER_H_
