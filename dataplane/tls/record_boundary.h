// Where TLS records end in a run of ciphertext. Before the kernel takes a
// connection's records (kTLS RX), user space must stop exactly at a record
// boundary: the kernel decrypts from the next record header on, so bytes
// of a record already read out of the socket would be lost to it, and a
// half-read record would leave it parsing the middle of one.
//
//   size_t whole = WholeRecordsLength(raw);  // decrypt these in user space
//   size_t more = BytesToRecordEnd(raw.subspan(whole));  // then read this

#ifndef RINGWAY_DATAPLANE_TLS_RECORD_BOUNDARY_H_
#define RINGWAY_DATAPLANE_TLS_RECORD_BOUNDARY_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace ringway::tls {

inline constexpr size_t kRecordHeaderBytes = 5;

// Bytes from the start of `ciphertext` that are whole records.
inline size_t WholeRecordsLength(std::span<const uint8_t> ciphertext) {
  size_t at = 0;
  while (ciphertext.size() - at >= kRecordHeaderBytes) {
    size_t length = (size_t{ciphertext[at + 3]} << 8) | ciphertext[at + 4];
    if (ciphertext.size() - at - kRecordHeaderBytes < length) break;
    at += kRecordHeaderBytes + length;
  }
  return at;
}

// Bytes still to read so that `ciphertext` ends at a record boundary: 0 if
// it does. Inside a header, only the rest of the header (its length field
// says the rest once read).
inline size_t BytesToRecordEnd(std::span<const uint8_t> ciphertext) {
  size_t tail = ciphertext.size() - WholeRecordsLength(ciphertext);
  if (tail == 0) return 0;
  if (tail < kRecordHeaderBytes) return kRecordHeaderBytes - tail;
  std::span<const uint8_t> header = ciphertext.last(tail);
  size_t length = (size_t{header[3]} << 8) | header[4];
  return kRecordHeaderBytes + length - tail;
}

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_RECORD_BOUNDARY_H_
