// Fuzz target for HttpChunkedDecoder: a chunked body from a client or an
// upstream. Besides crashes and sanitizer reports, it aborts when a payload
// piece lies outside the bytes given, or when feeding the input one byte at
// a time, or in two pieces split where the first byte says, gives another
// status, error, body length or payload than feeding it at once.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "dataplane/codec/http_chunked_decoder.h"

namespace ringway::codec {
namespace {

void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

struct Decoded {
  HttpParseStatus status = HttpParseStatus::kNeedMoreData;
  HttpError error = HttpError::kNone;
  std::string payload;
  size_t consumed = 0;
};

// Calls Decode until `piece` is used up or the body is decided.
void Feed(std::span<const uint8_t> piece, HttpChunkedDecoder* decoder,
          Decoded* out) {
  while (!piece.empty() && out->status == HttpParseStatus::kNeedMoreData) {
    const HttpChunkedResult r = decoder->Decode(piece);
    Require(r.consumed <= piece.size(), "consumed beyond the input");
    Require(r.status != HttpParseStatus::kNeedMoreData || r.consumed > 0,
            "no progress");
    if (!r.payload.empty()) {
      Require(
          r.payload.data() >= piece.data() &&
              r.payload.data() + r.payload.size() <= piece.data() + r.consumed,
          "payload outside the consumed input");
    }
    out->payload.append(reinterpret_cast<const char*>(r.payload.data()),
                        r.payload.size());
    out->consumed += r.consumed;
    out->status = r.status;
    piece = piece.subspan(r.consumed);
  }
}

Decoded DecodeInPieces(std::span<const uint8_t> data, size_t step,
                       const HttpLimits& limits) {
  HttpChunkedDecoder decoder(limits);
  Decoded out;
  for (size_t pos = 0; pos < data.size(); pos += step) {
    Feed(data.subspan(pos, std::min(step, data.size() - pos)), &decoder, &out);
  }
  out.error = decoder.error();
  Require(decoder.payload_bytes() == out.payload.size(), "payload_bytes");
  Require(decoder.consumed_bytes() == out.consumed, "consumed_bytes");
  Require(decoder.done() == (out.status == HttpParseStatus::kComplete), "done");
  return out;
}

Decoded DecodeSplit(std::span<const uint8_t> data, size_t split,
                    const HttpLimits& limits) {
  HttpChunkedDecoder decoder(limits);
  Decoded out;
  Feed(data.first(split), &decoder, &out);
  Feed(data.subspan(split), &decoder, &out);
  out.error = decoder.error();
  return out;
}

bool Same(const Decoded& a, const Decoded& b) {
  return a.status == b.status && a.error == b.error &&
         a.consumed == b.consumed && a.payload == b.payload;
}

void DecodeOnce(std::span<const uint8_t> data, const HttpLimits& limits) {
  const Decoded whole = DecodeInPieces(data, data.size() + 1, limits);
  Require(!HttpParseStatusName(whole.status).empty(), "status name");
  Require(whole.consumed <= data.size(), "consumed");
  Require(whole.payload.size() <= whole.consumed, "payload longer than body");
  if (whole.status == HttpParseStatus::kNeedMoreData) {
    Require(whole.consumed == data.size(), "stopped without a decision");
  } else if (whole.status != HttpParseStatus::kComplete) {
    Require(whole.error != HttpError::kNone &&
                HttpParseStatusFor(whole.error) == whole.status,
            "refusal without a reason");
  }
  if (limits.max_body_bytes != 0) {
    Require(whole.payload.size() <= limits.max_body_bytes, "body limit");
  }
  Require(Same(whole, DecodeInPieces(data, 1, limits)), "byte feed differs");
  const size_t split = data.empty() ? 0 : data[0] % (data.size() + 1);
  Require(Same(whole, DecodeSplit(data, split, limits)), "split differs");
}

}  // namespace
}  // namespace ringway::codec

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ringway::codec;
  const std::span<const uint8_t> input(data, size);
  DecodeOnce(input, HttpLimits());
  // Small limits take other paths.
  DecodeOnce(input, {.max_body_bytes = 64,
                     .max_chunk_extension_bytes = 16,
                     .max_trailer_bytes = 32});
  return 0;
}
