// Validates a chunked message body (RFC 9112 section 7.1) as it streams
// through the proxy and finds where it ends. The proxy forwards the chunked
// bytes verbatim, so the decoder only checks them and points at the chunk
// data inside them: it copies nothing, allocates nothing, and gives the
// same result however the input is split, down to one byte per call.
//
//   HttpChunkedDecoder decoder(limits);  // one per body; Reset() to reuse
//   for (;;) {
//     const HttpChunkedResult r = decoder.Decode(input);
//     if (r.status != HttpParseStatus::kNeedMoreData &&
//         r.status != HttpParseStatus::kComplete) return Refuse(r.status);
//     Forward(input.first(r.consumed));  // r.payload lies inside it
//     input = input.subspan(r.consumed);
//     if (r.status == HttpParseStatus::kComplete) break;  // next message
//     if (input.empty()) input = RecvMore();
//   }

#ifndef RINGWAY_DATAPLANE_CODEC_HTTP_CHUNKED_DECODER_H_
#define RINGWAY_DATAPLANE_CODEC_HTTP_CHUNKED_DECODER_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/codec/http_message.h"

namespace ringway::codec {

struct HttpChunkedResult {
  // kNeedMoreData: not finished; call again with input.subspan(consumed),
  // or with new bytes once that is empty. kComplete: the body ends at
  // `consumed` (bytes after it are the next message). kMalformed,
  // kHeadersTooLarge (trailers) or kBodyTooLarge: see
  // HttpChunkedDecoder::error().
  HttpParseStatus status = HttpParseStatus::kNeedMoreData;
  // Bytes of the input that belong to the body; on an error, those before
  // the offending byte.
  size_t consumed = 0;
  // Chunk data within input.first(consumed), possibly empty; at most one
  // piece per call, so a call returns right after it.
  std::span<const uint8_t> payload;
};

class HttpChunkedDecoder {
 public:
  // Reads max_body_bytes (on the sum of chunk sizes, checked as each size
  // arrives), max_chunk_extension_bytes and max_trailer_bytes.
  explicit HttpChunkedDecoder(const HttpLimits& limits = HttpLimits());

  // Decodes the next bytes of the body. Refused:
  // - chunk-size: not 1*HEXDIG (kBadChunkSize), over 16 hex digits, leading
  //   zeros included, or 2^63 and more (kChunkSizeTooLarge), a sum of sizes
  //   over max_body_bytes (kBodyTooLarge);
  // - chunk-ext (section 7.1.1): anything but BWS ";" after the size (so
  //   no trailing whitespace without an extension), a CTL other than HTAB
  //   in it (kBadChunkExtension), over max_chunk_extension_bytes for the
  //   whole body (kChunkExtensionTooLong). Extensions are not parsed
  //   further: the proxy forwards them untouched;
  // - chunk data not followed by CRLF (kMissingChunkCrlf);
  // - trailer fields (section 7.1.2): obs-fold, whitespace before the
  //   colon, a non-token name, a line without a colon, a CTL in a value
  //   (kBadTrailer...), over max_trailer_bytes (kTrailerTooLarge). Which
  //   fields may be trailers (RFC 9110 section 6.5.1) is the recipient's
  //   business;
  // - a bare CR or bare LF anywhere outside chunk data.
  // After a result other than kNeedMoreData, calls consume nothing and
  // return it again.
  HttpChunkedResult Decode(std::span<const uint8_t> input);

  void Reset();

  bool done() const { return state_ == State::kDone; }
  HttpError error() const { return error_; }
  // Chunk data bytes returned so far.
  uint64_t payload_bytes() const { return payload_bytes_; }
  // Body bytes consumed so far, framing included.
  uint64_t consumed_bytes() const { return consumed_bytes_; }

 private:
  enum class State : uint8_t {
    kSizeFirst,         // the first hex digit of a chunk-size
    kSize,              // more digits, CR, or the extensions
    kExtension,         // after the size, up to CR
    kSizeLf,            // LF ending the chunk-size line
    kData,              // chunk_remaining_ bytes of data
    kDataCr,            // CRLF after the data
    kDataLf,            //
    kTrailerLineStart,  // a trailer field line, or the final CRLF
    kTrailerName,       //
    kTrailerValue,      //
    kTrailerLf,         // LF ending a trailer field line
    kFinalLf,           // LF ending the body
    kDone,
    kFailed,
  };

  HttpParseStatus status() const;
  HttpChunkedResult TakeData(std::span<const uint8_t> input, size_t pos);
  void Step(char c);
  void OnSize(char c);
  void OnExtension(char c);
  void OnSizeLf(char c);
  void OnDataLf(char c);
  void OnTrailerLineStart(char c);
  void OnTrailerName(char c);
  void OnTrailerValue(char c);
  void Expect(char c, char expected, State next, HttpError error);
  bool CountTrailerByte();
  void Fail(HttpError error);

  uint64_t max_body_bytes_;
  size_t max_extension_bytes_;
  size_t max_trailer_bytes_;
  State state_ = State::kSizeFirst;
  HttpError error_ = HttpError::kNone;
  uint64_t chunk_remaining_ = 0;  // the size being read, then data left
  uint8_t size_digits_ = 0;
  bool extension_started_ = false;  // ";" seen after the size
  size_t extension_bytes_ = 0;      // the whole body's
  size_t trailer_bytes_ = 0;
  uint64_t payload_bytes_ = 0;
  uint64_t consumed_bytes_ = 0;
};

}  // namespace ringway::codec

#endif  // RINGWAY_DATAPLANE_CODEC_HTTP_CHUNKED_DECODER_H_
