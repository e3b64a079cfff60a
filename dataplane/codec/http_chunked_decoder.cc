#include "dataplane/codec/http_chunked_decoder.h"

#include <algorithm>

#include "dataplane/codec/internal/http_chars.h"

namespace ringway::codec {

using internal::IsOws;

namespace {

// 16 hex digits hold any size below 2^64; sizes stop at kHttpMaxBodyBytes.
constexpr uint8_t kMaxSizeDigits = 16;

}  // namespace

HttpChunkedDecoder::HttpChunkedDecoder(const HttpLimits& limits)
    : max_body_bytes_(limits.max_body_bytes == 0
                          ? kHttpMaxBodyBytes
                          : std::min(limits.max_body_bytes, kHttpMaxBodyBytes)),
      max_extension_bytes_(limits.max_chunk_extension_bytes),
      max_trailer_bytes_(limits.max_trailer_bytes) {}

void HttpChunkedDecoder::Reset() {
  state_ = State::kSizeFirst;
  error_ = HttpError::kNone;
  chunk_remaining_ = 0;
  size_digits_ = 0;
  extension_started_ = false;
  extension_bytes_ = 0;
  trailer_bytes_ = 0;
  payload_bytes_ = 0;
  consumed_bytes_ = 0;
}

HttpChunkedResult HttpChunkedDecoder::Decode(std::span<const uint8_t> input) {
  size_t pos = 0;
  while (pos < input.size() && state_ != State::kDone &&
         state_ != State::kFailed) {
    if (state_ == State::kData) return TakeData(input, pos);
    Step(static_cast<char>(input[pos]));
    if (state_ != State::kFailed) ++pos;
  }
  consumed_bytes_ += pos;
  return {status(), pos, {}};
}

HttpParseStatus HttpChunkedDecoder::status() const {
  if (state_ == State::kDone) return HttpParseStatus::kComplete;
  if (state_ == State::kFailed) return HttpParseStatusFor(error_);
  return HttpParseStatus::kNeedMoreData;
}

HttpChunkedResult HttpChunkedDecoder::TakeData(std::span<const uint8_t> input,
                                               size_t pos) {
  const size_t n = static_cast<size_t>(
      std::min<uint64_t>(chunk_remaining_, input.size() - pos));
  chunk_remaining_ -= n;
  payload_bytes_ += n;
  if (chunk_remaining_ == 0) state_ = State::kDataCr;
  consumed_bytes_ += pos + n;
  return {HttpParseStatus::kNeedMoreData, pos + n, input.subspan(pos, n)};
}

void HttpChunkedDecoder::Step(char c) {
  switch (state_) {
    case State::kSizeFirst:
    case State::kSize:
      return OnSize(c);
    case State::kExtension:
      return OnExtension(c);
    case State::kSizeLf:
      return OnSizeLf(c);
    case State::kDataCr:
      return Expect(c, '\r', State::kDataLf, HttpError::kMissingChunkCrlf);
    case State::kDataLf:
      return OnDataLf(c);
    case State::kTrailerLineStart:
      return OnTrailerLineStart(c);
    case State::kTrailerName:
      return OnTrailerName(c);
    case State::kTrailerValue:
      return OnTrailerValue(c);
    case State::kTrailerLf:
      if (!CountTrailerByte()) return;
      return Expect(c, '\n', State::kTrailerLineStart, HttpError::kBareCr);
    case State::kFinalLf:
      return Expect(c, '\n', State::kDone, HttpError::kBareCr);
    case State::kData:  // Decode's
    case State::kDone:
    case State::kFailed:
      return;
  }
}

void HttpChunkedDecoder::Expect(char c, char expected, State next,
                                HttpError error) {
  if (c == expected) {
    state_ = next;
  } else {
    Fail(error);
  }
}

void HttpChunkedDecoder::Fail(HttpError error) {
  state_ = State::kFailed;
  error_ = error;
}

// chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF (section 7.1).
void HttpChunkedDecoder::OnSize(char c) {
  if (internal::IsHexDigit(c)) {
    if (size_digits_ == kMaxSizeDigits) {
      return Fail(HttpError::kChunkSizeTooLarge);
    }
    ++size_digits_;
    chunk_remaining_ = chunk_remaining_ << 4 | internal::HexValue(c);
    if (chunk_remaining_ > kHttpMaxBodyBytes) {
      return Fail(HttpError::kChunkSizeTooLarge);
    }
    state_ = State::kSize;
  } else if (state_ == State::kSizeFirst) {
    Fail(HttpError::kBadChunkSize);
  } else if (c == '\r') {
    state_ = State::kSizeLf;
  } else if (c == '\n') {
    Fail(HttpError::kBareLf);
  } else if (c == ';' || IsOws(c)) {
    state_ = State::kExtension;
    OnExtension(c);
  } else {
    Fail(HttpError::kBadChunkSize);
  }
}

// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
// (section 7.1.1): checked up to the first ";", then for CTLs only.
void HttpChunkedDecoder::OnExtension(char c) {
  if (c == '\r') {
    // Whitespace after the size with no ";" is not an extension.
    if (!extension_started_) return Fail(HttpError::kBadChunkExtension);
    state_ = State::kSizeLf;
    return;
  }
  if (c == '\n') return Fail(HttpError::kBareLf);
  if (++extension_bytes_ > max_extension_bytes_) {
    return Fail(HttpError::kChunkExtensionTooLong);
  }
  if (extension_started_) {
    if (!internal::IsFieldChar(c)) Fail(HttpError::kBadChunkExtension);
  } else if (c == ';') {
    extension_started_ = true;
  } else if (!IsOws(c)) {
    Fail(HttpError::kBadChunkExtension);
  }
}

void HttpChunkedDecoder::OnSizeLf(char c) {
  if (c != '\n') return Fail(HttpError::kBareCr);
  if (chunk_remaining_ == 0) {  // last-chunk: the trailer section follows
    state_ = State::kTrailerLineStart;
    return;
  }
  // Refused before any of the chunk's data is forwarded. payload_bytes_
  // never exceeds max_body_bytes_, so the subtraction cannot wrap.
  if (chunk_remaining_ > max_body_bytes_ - payload_bytes_) {
    return Fail(HttpError::kBodyTooLarge);
  }
  state_ = State::kData;
}

void HttpChunkedDecoder::OnDataLf(char c) {
  if (c != '\n') return Fail(HttpError::kMissingChunkCrlf);
  state_ = State::kSizeFirst;
  chunk_remaining_ = 0;
  size_digits_ = 0;
  extension_started_ = false;
}

// Counts a byte of the trailer field lines; false once over the limit.
bool HttpChunkedDecoder::CountTrailerByte() {
  if (++trailer_bytes_ <= max_trailer_bytes_) return true;
  Fail(HttpError::kTrailerTooLarge);
  return false;
}

// trailer-section = *( field-line CRLF ), then CRLF (section 7.1.2), with
// the field line rules of heads (internal::ParseFieldLine), byte by byte.
void HttpChunkedDecoder::OnTrailerLineStart(char c) {
  if (c == '\r') {
    state_ = State::kFinalLf;
    return;
  }
  if (!CountTrailerByte()) return;
  if (IsOws(c)) return Fail(HttpError::kObsFold);
  if (c == '\n') return Fail(HttpError::kBareLf);
  if (!internal::IsTokenChar(c)) return Fail(HttpError::kBadTrailer);
  state_ = State::kTrailerName;
}

void HttpChunkedDecoder::OnTrailerName(char c) {
  if (!CountTrailerByte()) return;
  if (c == ':') {
    state_ = State::kTrailerValue;
  } else if (IsOws(c)) {
    Fail(HttpError::kSpaceBeforeColon);
  } else if (c == '\n') {
    Fail(HttpError::kBareLf);
  } else if (!internal::IsTokenChar(c)) {
    Fail(HttpError::kBadTrailer);  // a CR here: a line without a colon
  }
}

void HttpChunkedDecoder::OnTrailerValue(char c) {
  if (!CountTrailerByte()) return;
  if (c == '\r') {
    state_ = State::kTrailerLf;
  } else if (c == '\n') {
    Fail(HttpError::kBareLf);
  } else if (!internal::IsFieldChar(c)) {
    Fail(HttpError::kBadTrailer);
  }
}

}  // namespace ringway::codec
