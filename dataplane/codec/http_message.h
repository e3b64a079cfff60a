// What the HTTP/1.1 codecs share (http_request_parser.h,
// http_response_parser.h, http_chunked_decoder.h): their limits, the outcome
// of a parse with its precise reason, and the parsed header fields, which
// are views into the caller's bytes. Pure and allocation-free.
//
//   if (status != HttpParseStatus::kComplete) {
//     Count(HttpErrorName(request.error));     // e.g. "obs_fold"
//     Reply(HttpStatusCodeFor(status));        // e.g. 400
//   }

#ifndef RINGWAY_DATAPLANE_CODEC_HTTP_MESSAGE_H_
#define RINGWAY_DATAPLANE_CODEC_HTTP_MESSAGE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ringway::codec {

// The largest body length the codecs accept, 2^63 - 1 bytes, so that a
// length fits any signed offset type (off_t, int64_t) its user converts to.
inline constexpr uint64_t kHttpMaxBodyBytes = (uint64_t{1} << 63) - 1;

// Per-listener (or per-upstream) limits, copied into each parser or decoder.
struct HttpLimits {
  // Request line (or a response's status line), CRLF excluded.
  size_t max_request_line = 8192;
  // Whole head: start line, field lines and the final empty line, plus any
  // empty lines skipped before a request line.
  size_t max_head_bytes = 16384;
  // Field lines in one head. The header array holds HttpHeaders::kCapacity
  // (128): a larger setting acts as 128.
  size_t max_header_count = 100;
  // Content-Length, or the sum of a chunked body's chunk sizes; 0 means
  // kHttpMaxBodyBytes.
  uint64_t max_body_bytes = 0;
  // Bytes of all chunk extensions (";name=value" after a chunk size) of one
  // chunked body together: many small chunks each with an extension cost
  // the decoder work for no payload.
  size_t max_chunk_extension_bytes = 4096;
  // Trailer section of a chunked body: field lines, CRLFs included.
  size_t max_trailer_bytes = 8192;
};

enum class HttpParseStatus {
  kNeedMoreData,         // valid so far; call again with more bytes
  kComplete,             // the head (or chunked body) is complete
  kMalformed,            // 400 Bad Request: broken syntax or framing
  kUriTooLong,           // 414: request line over max_request_line
  kHeadersTooLarge,      // 431: head, field count or trailers over limits
  kBodyTooLarge,         // 413 Content Too Large: over max_body_bytes
  kNotImplemented,       // 501: a transfer coding other than chunked
  kVersionNotSupported,  // 505: HTTP/x.y other than 1.0 and 1.1
};

// "need_more_data", "complete", "malformed", "uri_too_long",
// "headers_too_large", "body_too_large", "not_implemented",
// "version_not_supported": stable names for counters and logs.
std::string_view HttpParseStatusName(HttpParseStatus status);

// The status code to answer a client whose request failed with `status`:
// 400, 414, 431, 413, 501 or 505; 0 for kNeedMoreData and kComplete. A
// response from an upstream that fails to parse is a 502 to the client,
// whatever its status (RFC 9112 sections 5.2 and 6.3 ask for exactly that).
int HttpStatusCodeFor(HttpParseStatus status);

// Why a head or chunked body was refused, for log lines and counters; the
// status class each maps to is HttpParseStatusFor.
enum class HttpError {
  kNone,
  // Bytes and lines (RFC 9112 section 2.2).
  kBareCr,   // CR not followed by LF
  kBareLf,   // LF not preceded by CR: we do not take LF as a line end
  kNulByte,  // NUL anywhere in a head
  kObsFold,  // a field line starting with SP or HTAB (section 5.2)
  // Request line (RFC 9112 section 3).
  kBadRequestLine,      // not "method SP target SP version"
  kBadMethod,           // not a token
  kBadTarget,           // no form of section 3.2 fits, or SP/CTL in it
  kBadVersion,          // not HTTP-version at all
  kUnsupportedVersion,  // HTTP/x.y other than 1.0 and 1.1: 505
  // Status line (RFC 9112 section 4).
  kBadStatusLine,  // not "version SP code [SP reason]", or CTL in reason
  kBadStatusCode,  // not three digits in 100..599
  // Field lines (RFC 9112 section 5, RFC 9110 section 5).
  kSpaceBeforeColon,  // whitespace between field name and ":"
  kBadHeaderName,     // empty, not a token, or no ":"
  kBadHeaderValue,    // a CTL (other than HTAB) in a value
  kMissingHost,       // HTTP/1.1 request without Host (RFC 9112 section 3.2)
  kDuplicateHost,     // more than one Host field line
  kBadHost,           // Host value is not uri-host [":" port]
  // Framing (RFC 9112 section 6).
  kContentLengthWithTransferEncoding,  // both: a smuggling attempt
  kDuplicateContentLength,             // two Content-Length lines, even equal
  kBadContentLength,                   // not 1*DIGIT (a list too), or too big
  kTransferEncodingNotChunkedLast,     // chunked absent, not last, or twice
  kUnknownTransferCoding,              // a request coding other than chunked
  kTransferEncodingInHttp10,           // RFC 9112 section 6.1: faulty framing
  kUnexpectedSwitchingProtocols,       // 101 without Upgrade asked and given
  // Limits (HttpLimits).
  kRequestLineTooLong,
  kStatusLineTooLong,
  kHeadTooLarge,
  kTooManyHeaders,
  kBodyTooLarge,
  // Chunked body (RFC 9112 section 7.1).
  kBadChunkSize,           // chunk-size is not 1*HEXDIG
  kChunkSizeTooLarge,      // over 16 hex digits, or 2^63 or more
  kBadChunkExtension,      // not BWS ";" ..., or a CTL in it
  kChunkExtensionTooLong,  // over max_chunk_extension_bytes in total
  kMissingChunkCrlf,       // chunk data not followed by CRLF
  kBadTrailer,             // a trailer line breaking the field rules
  kTrailerTooLarge,        // over max_trailer_bytes
};

// "none", "bare_cr", "obs_fold", "duplicate_content_length", ...: the
// enumerator in snake_case without its "k", stable for counters and logs.
std::string_view HttpErrorName(HttpError error);

// kComplete for kNone; kUriTooLong, kHeadersTooLarge, kBodyTooLarge,
// kNotImplemented or kVersionNotSupported for the errors named after those
// limits or features; kMalformed for the rest.
HttpParseStatus HttpParseStatusFor(HttpError error);

enum class HttpVersion { kHttp10, kHttp11 };

// Methods are case-sensitive (RFC 9110 section 9.1): "get" is kOther.
enum class HttpMethod {
  kGet,
  kHead,
  kPost,
  kPut,
  kDelete,
  kOptions,
  kConnect,
  kTrace,
  kPatch,
  kOther,
};

// How the message body is delimited (RFC 9112 section 6.3).
enum class HttpBodyKind {
  kNone,           // no body: the next message starts after the head
  kContentLength,  // exactly content_length bytes (possibly 0)
  kChunked,        // chunked coding: see HttpChunkedDecoder
  kUntilClose,     // responses only: the body ends when the server closes
  kTunnel,         // responses only (101, 2xx to CONNECT): after the head
                   // the connection carries another protocol both ways
};

// A field line, both views into the parsed bytes. The value has leading
// and trailing OWS removed; the name is as sent (compare it ignoring case).
struct HttpHeader {
  std::string_view name;
  std::string_view value;
};

// The field lines of a head in the order received, stored inline (4 KiB,
// no heap). Lines with the same name are kept apart, not combined.
class HttpHeaders {
 public:
  static constexpr size_t kCapacity = 128;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const HttpHeader& operator[](size_t i) const { return fields_[i]; }
  const HttpHeader* begin() const { return fields_; }
  const HttpHeader* end() const { return fields_ + size_; }

  // The first field named `name` (ASCII case-insensitive), or nullptr.
  const HttpHeader* Find(std::string_view name) const;
  size_t Count(std::string_view name) const;
  // True if a field named `name` has `element` in its comma-separated list
  // value (RFC 9110 section 5.6.1), both compared ignoring case.
  bool HasListElement(std::string_view name, std::string_view element) const;
  // True if a Connection field lists `option` (RFC 9110 section 7.6.1):
  // "close", "keep-alive", "upgrade", or the name of a field that is
  // hop-by-hop for this message and must not be forwarded.
  bool HasConnectionOption(std::string_view option) const {
    return HasListElement("connection", option);
  }
  // A field a proxy must not forward: IsHopByHopHeader, or named in
  // Connection.
  bool IsHopByHop(std::string_view name) const;

  // Returns false (and adds nothing) when full.
  bool Add(std::string_view name, std::string_view value);
  void Clear() { size_ = 0; }

 private:
  HttpHeader fields_[kCapacity];
  size_t size_ = 0;
};

// The fields that describe one connection, not the message, and so are
// never forwarded (ASCII case-insensitive): Connection, Keep-Alive,
// Proxy-Connection, TE, Transfer-Encoding, Upgrade (RFC 9110 section
// 7.6.1), and Proxy-Authenticate, Proxy-Authorization, Trailer (RFC 2616
// section 13.5.1). Fields named in Connection come on top: see
// HttpHeaders::IsHopByHop.
bool IsHopByHopHeader(std::string_view name);

// Whether `name` may name a header field: a token (RFC 9110 section 5.1),
// by the same character rules the parsers apply.
bool IsFieldName(std::string_view name);

}  // namespace ringway::codec

#endif  // RINGWAY_DATAPLANE_CODEC_HTTP_MESSAGE_H_
