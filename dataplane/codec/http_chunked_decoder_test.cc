#include "dataplane/codec/http_chunked_decoder.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace ringway::codec {
namespace {

using Status = HttpParseStatus;

std::span<const uint8_t> AsBytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

struct Decoded {
  Status status = Status::kNeedMoreData;
  HttpError error = HttpError::kNone;
  std::string payload;
  size_t consumed = 0;  // body bytes, framing included

  bool operator==(const Decoded&) const = default;
};

// Feeds `input` in pieces of at most `step` bytes, calling Decode until
// each piece is used up, as a connection would with its receive buffers.
Decoded Decode(std::string_view input, size_t step = SIZE_MAX,
               const HttpLimits& limits = HttpLimits()) {
  HttpChunkedDecoder decoder(limits);
  Decoded out;
  for (size_t pos = 0; pos < input.size(); pos += step) {
    std::span<const uint8_t> piece = AsBytes(input.substr(pos, step));
    while (!piece.empty() && out.status == Status::kNeedMoreData) {
      const HttpChunkedResult r = decoder.Decode(piece);
      EXPECT_LE(r.consumed, piece.size());
      if (!r.payload.empty()) {
        EXPECT_GE(r.payload.data(), piece.data());
        EXPECT_LE(r.payload.data() + r.payload.size(),
                  piece.data() + r.consumed);
      }
      out.payload.append(reinterpret_cast<const char*>(r.payload.data()),
                         r.payload.size());
      out.consumed += r.consumed;
      out.status = r.status;
      piece = piece.subspan(r.consumed);
    }
    if (out.status != Status::kNeedMoreData) break;
  }
  out.error = decoder.error();
  EXPECT_EQ(decoder.payload_bytes(), out.payload.size());
  EXPECT_EQ(decoder.consumed_bytes(), out.consumed);
  EXPECT_EQ(decoder.done(), out.status == Status::kComplete);
  return out;
}

void ExpectRefused(std::string_view input, Status status, HttpError error,
                   const HttpLimits& limits = HttpLimits()) {
  const Decoded decoded = Decode(input, SIZE_MAX, limits);
  EXPECT_EQ(decoded.status, status) << input;
  EXPECT_EQ(decoded.error, error)
      << HttpErrorName(decoded.error) << " for: " << input;
}

void ExpectMalformed(std::string_view input, HttpError error) {
  ExpectRefused(input, Status::kMalformed, error);
}

TEST(HttpChunkedDecoderTest, SimpleBody) {
  constexpr std::string_view kBody = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  const Decoded decoded = Decode(kBody);
  EXPECT_EQ(decoded.status, Status::kComplete);
  EXPECT_EQ(decoded.error, HttpError::kNone);
  EXPECT_EQ(decoded.payload, "hello world");
  EXPECT_EQ(decoded.consumed, kBody.size());
}

TEST(HttpChunkedDecoderTest, PayloadPiecesPointIntoTheInput) {
  constexpr std::string_view kBody = "5\r\nhello\r\n0\r\n\r\n";
  const std::span<const uint8_t> input = AsBytes(kBody);
  HttpChunkedDecoder decoder;
  HttpChunkedResult r = decoder.Decode(input);
  EXPECT_EQ(r.status, Status::kNeedMoreData);
  EXPECT_EQ(r.consumed, 8u);  // returns right after the piece
  EXPECT_EQ(r.payload.data(), input.data() + 3);
  EXPECT_EQ(r.payload.size(), 5u);
  r = decoder.Decode(input.subspan(8));
  EXPECT_EQ(r.status, Status::kComplete);
  EXPECT_EQ(r.consumed, kBody.size() - 8);
  EXPECT_TRUE(r.payload.empty());
  EXPECT_TRUE(decoder.done());
}

TEST(HttpChunkedDecoderTest, BytesAfterTheEndAreNotConsumed) {
  constexpr std::string_view kBody = "3\r\nabc\r\n0\r\n\r\n";
  const std::string input = std::string(kBody) + "GET / HTTP/1.1\r\n";
  const Decoded decoded = Decode(input);
  EXPECT_EQ(decoded.status, Status::kComplete);
  EXPECT_EQ(decoded.consumed, kBody.size());

  HttpChunkedDecoder decoder;
  const std::span<const uint8_t> bytes = AsBytes(input);
  size_t used = 0;
  for (HttpChunkedResult r; !decoder.done(); used += r.consumed) {
    r = decoder.Decode(bytes.subspan(used));
  }
  EXPECT_EQ(used, kBody.size());
  const HttpChunkedResult after = decoder.Decode(bytes.subspan(used));
  EXPECT_EQ(after.status, Status::kComplete);
  EXPECT_EQ(after.consumed, 0u);
}

TEST(HttpChunkedDecoderTest, HexDigitsAnyCaseAndLeadingZeros) {
  const Decoded decoded =
      Decode("A\r\n0123456789\r\n000b\r\nabcdefghijk\r\n0000\r\n\r\n");
  EXPECT_EQ(decoded.status, Status::kComplete);
  EXPECT_EQ(decoded.payload, "0123456789abcdefghijk");
  EXPECT_EQ(Decode("0\r\n\r\n").status, Status::kComplete);
  EXPECT_EQ(Decode("0\r\n\r\n").payload, "");
}

TEST(HttpChunkedDecoderTest, ExtensionsAreSkipped) {
  const Decoded decoded = Decode(
      "5;name=value\r\nhello\r\n"
      "1 ; a=\"b c\";\tflag\r\n!\r\n"
      "0;last\r\n\r\n");
  EXPECT_EQ(decoded.status, Status::kComplete);
  EXPECT_EQ(decoded.payload, "hello!");
}

TEST(HttpChunkedDecoderTest, TrailersAreSkipped) {
  constexpr std::string_view kBody =
      "2\r\nhi\r\n0\r\nX-Checksum: abc\r\nEmpty:\r\nY:\tz \r\n\r\n";
  const Decoded decoded = Decode(kBody);
  EXPECT_EQ(decoded.status, Status::kComplete);
  EXPECT_EQ(decoded.payload, "hi");
  EXPECT_EQ(decoded.consumed, kBody.size());
}

TEST(HttpChunkedDecoderTest, BadHexIsRejected) {
  for (std::string_view body :
       {"g\r\n", "\r\n", "-5\r\n", "+5\r\n", "0x5\r\n", "5g\r\n", ";a\r\n"}) {
    ExpectMalformed(body, HttpError::kBadChunkSize);
  }
}

TEST(HttpChunkedDecoderTest, ChunkSizeOverflowIsRejected) {
  // 16 digits below 2^63 are a valid size (the data just never comes).
  EXPECT_EQ(Decode("7fffffffffffffff\r\n").status, Status::kNeedMoreData);
  ExpectMalformed("8000000000000000\r\n", HttpError::kChunkSizeTooLarge);
  ExpectMalformed("ffffffffffffffffff\r\n", HttpError::kChunkSizeTooLarge);
  // More than 16 digits, even with leading zeros.
  ExpectMalformed("00000000000000001\r\n", HttpError::kChunkSizeTooLarge);
}

TEST(HttpChunkedDecoderTest, MissingCrlfAfterDataIsRejected) {
  ExpectMalformed("5\r\nhelloX\r\n0\r\n\r\n", HttpError::kMissingChunkCrlf);
  ExpectMalformed("5\r\nhello\rX\n0\r\n\r\n", HttpError::kMissingChunkCrlf);
  ExpectMalformed("5\r\nhello\n0\r\n\r\n", HttpError::kMissingChunkCrlf);
  ExpectMalformed("5\r\nhello0\r\n\r\n", HttpError::kMissingChunkCrlf);
}

TEST(HttpChunkedDecoderTest, BareLfIsRejected) {
  ExpectMalformed("5\nhello\r\n", HttpError::kBareLf);
  ExpectMalformed("5;a\nhello\r\n", HttpError::kBareLf);
  ExpectMalformed("0\r\nX: 1\n\r\n", HttpError::kBareLf);
  ExpectMalformed("0\r\nX\n\r\n", HttpError::kBareLf);
  ExpectMalformed("0\r\n\n", HttpError::kBareLf);
}

TEST(HttpChunkedDecoderTest, BareCrIsRejected) {
  ExpectMalformed("5\rhello\r\n", HttpError::kBareCr);
  ExpectMalformed("5;a\rhello\r\n", HttpError::kBareCr);
  ExpectMalformed("0\r\nX: 1\rY: 2\r\n\r\n", HttpError::kBareCr);
  ExpectMalformed("0\r\n\rX", HttpError::kBareCr);
}

TEST(HttpChunkedDecoderTest, WhitespaceWithoutExtensionIsRejected) {
  ExpectMalformed("5 \r\nhello\r\n", HttpError::kBadChunkExtension);
  ExpectMalformed("5\t\r\nhello\r\n", HttpError::kBadChunkExtension);
  ExpectMalformed("5 x\r\nhello\r\n", HttpError::kBadChunkExtension);
}

TEST(HttpChunkedDecoderTest, ExtensionWithControlCharIsRejected) {
  ExpectMalformed("5;a=\x01\r\nhello\r\n", HttpError::kBadChunkExtension);
  ExpectMalformed("5;a=\x7f\r\nhello\r\n", HttpError::kBadChunkExtension);
  const std::string nul = std::string("5;a") + '\0' + "\r\nhello\r\n";
  ExpectMalformed(nul, HttpError::kBadChunkExtension);
}

TEST(HttpChunkedDecoderTest, ExtensionLimitCoversTheWholeBody) {
  HttpLimits limits;
  limits.max_chunk_extension_bytes = 8;
  // ";abc" twice: 8 bytes in all.
  const Decoded ok =
      Decode("1;abc\r\na\r\n1;abc\r\nb\r\n0\r\n\r\n", SIZE_MAX, limits);
  EXPECT_EQ(ok.status, Status::kComplete);
  EXPECT_EQ(ok.payload, "ab");
  ExpectRefused("1;abc\r\na\r\n1;abc\r\nb\r\n0;\r\n\r\n", Status::kMalformed,
                HttpError::kChunkExtensionTooLong, limits);
  ExpectRefused("1;abcdefgh\r\na\r\n", Status::kMalformed,
                HttpError::kChunkExtensionTooLong, limits);
}

TEST(HttpChunkedDecoderTest, TrailerLimitIsExact) {
  HttpLimits limits;
  limits.max_trailer_bytes = 10;
  // "X: 12345\r\n" is 10 bytes; the final CRLF does not count.
  EXPECT_EQ(Decode("0\r\nX: 12345\r\n\r\n", SIZE_MAX, limits).status,
            Status::kComplete);
  ExpectRefused("0\r\nX: 123456\r\n\r\n", Status::kHeadersTooLarge,
                HttpError::kTrailerTooLarge, limits);
  ExpectRefused("0\r\nX: 12345\r\nY", Status::kHeadersTooLarge,
                HttpError::kTrailerTooLarge, limits);
}

TEST(HttpChunkedDecoderTest, BadTrailerIsRejected) {
  ExpectMalformed("0\r\nX: 1\r\n 2\r\n\r\n", HttpError::kObsFold);
  ExpectMalformed("0\r\n\tX: 1\r\n\r\n", HttpError::kObsFold);
  ExpectMalformed("0\r\nX : 1\r\n\r\n", HttpError::kSpaceBeforeColon);
  ExpectMalformed("0\r\nNo-Colon\r\n\r\n", HttpError::kBadTrailer);
  ExpectMalformed("0\r\n: 1\r\n\r\n", HttpError::kBadTrailer);
  ExpectMalformed("0\r\nX(y): 1\r\n\r\n", HttpError::kBadTrailer);
  ExpectMalformed("0\r\nX: \x01\r\n\r\n", HttpError::kBadTrailer);
}

TEST(HttpChunkedDecoderTest, BodyLimitIsExact) {
  HttpLimits limits;
  limits.max_body_bytes = 10;
  const Decoded ok =
      Decode("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", SIZE_MAX, limits);
  EXPECT_EQ(ok.status, Status::kComplete);
  EXPECT_EQ(ok.payload, "helloworld");

  // Refused when the size arrives, before any of that chunk's data.
  const Decoded over =
      Decode("5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n", SIZE_MAX, limits);
  EXPECT_EQ(over.status, Status::kBodyTooLarge);
  EXPECT_EQ(over.error, HttpError::kBodyTooLarge);
  EXPECT_EQ(over.payload, "hello");
  ExpectRefused("b\r\n", Status::kBodyTooLarge, HttpError::kBodyTooLarge,
                limits);
}

TEST(HttpChunkedDecoderTest, SplitsDoNotChangeTheResult) {
  const std::vector<std::string> inputs = {
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
      "1a;ext=\"v\"\r\n" + std::string(26, 'z') + "\r\n0\r\nT: v\r\n\r\nNEXT",
      "5\r\nhello\r\n0\r\nX : 1\r\n\r\n",
      "5\r\nhelloXY",
      "10000000000000000\r\n",
      "3\r\nabc\r\n4\r\nde",  // incomplete
      "5 \r\nhello\r\n",
  };
  for (const std::string& input : inputs) {
    const Decoded whole = Decode(input);
    for (size_t step : {1, 2, 3, 7}) {
      EXPECT_EQ(Decode(input, step), whole) << input << " step " << step;
    }
  }
}

TEST(HttpChunkedDecoderTest, ResultSticksAndResetStartsOver) {
  HttpChunkedDecoder decoder;
  const HttpChunkedResult bad = decoder.Decode(AsBytes("zz"));
  EXPECT_EQ(bad.status, Status::kMalformed);
  EXPECT_EQ(bad.consumed, 0u);
  EXPECT_EQ(decoder.Decode(AsBytes("0\r\n\r\n")).status, Status::kMalformed);
  EXPECT_EQ(decoder.error(), HttpError::kBadChunkSize);

  decoder.Reset();
  EXPECT_EQ(decoder.error(), HttpError::kNone);
  const HttpChunkedResult good = decoder.Decode(AsBytes("0\r\n\r\n"));
  EXPECT_EQ(good.status, Status::kComplete);
  EXPECT_EQ(good.consumed, 5u);
}

}  // namespace
}  // namespace ringway::codec
