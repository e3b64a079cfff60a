#include "dataplane/codec/http_message.h"

#include "dataplane/codec/internal/http_chars.h"

namespace ringway::codec {

using internal::EqualsIgnoreCase;

std::string_view HttpParseStatusName(HttpParseStatus status) {
  switch (status) {
    case HttpParseStatus::kNeedMoreData:
      return "need_more_data";
    case HttpParseStatus::kComplete:
      return "complete";
    case HttpParseStatus::kMalformed:
      return "malformed";
    case HttpParseStatus::kUriTooLong:
      return "uri_too_long";
    case HttpParseStatus::kHeadersTooLarge:
      return "headers_too_large";
    case HttpParseStatus::kBodyTooLarge:
      return "body_too_large";
    case HttpParseStatus::kNotImplemented:
      return "not_implemented";
    case HttpParseStatus::kVersionNotSupported:
      return "version_not_supported";
  }
  return "unknown";
}

int HttpStatusCodeFor(HttpParseStatus status) {
  switch (status) {
    case HttpParseStatus::kNeedMoreData:
    case HttpParseStatus::kComplete:
      return 0;
    case HttpParseStatus::kMalformed:
      return 400;
    case HttpParseStatus::kUriTooLong:
      return 414;
    case HttpParseStatus::kHeadersTooLarge:
      return 431;  // RFC 6585 section 5
    case HttpParseStatus::kBodyTooLarge:
      return 413;
    case HttpParseStatus::kNotImplemented:
      return 501;
    case HttpParseStatus::kVersionNotSupported:
      return 505;
  }
  return 400;
}

std::string_view HttpErrorName(HttpError error) {
  using E = HttpError;
  switch (error) {
    case E::kNone:
      return "none";
    case E::kBareCr:
      return "bare_cr";
    case E::kBareLf:
      return "bare_lf";
    case E::kNulByte:
      return "nul_byte";
    case E::kObsFold:
      return "obs_fold";
    case E::kBadRequestLine:
      return "bad_request_line";
    case E::kBadMethod:
      return "bad_method";
    case E::kBadTarget:
      return "bad_target";
    case E::kBadVersion:
      return "bad_version";
    case E::kUnsupportedVersion:
      return "unsupported_version";
    case E::kBadStatusLine:
      return "bad_status_line";
    case E::kBadStatusCode:
      return "bad_status_code";
    case E::kSpaceBeforeColon:
      return "space_before_colon";
    case E::kBadHeaderName:
      return "bad_header_name";
    case E::kBadHeaderValue:
      return "bad_header_value";
    case E::kMissingHost:
      return "missing_host";
    case E::kDuplicateHost:
      return "duplicate_host";
    case E::kBadHost:
      return "bad_host";
    case E::kContentLengthWithTransferEncoding:
      return "content_length_with_transfer_encoding";
    case E::kDuplicateContentLength:
      return "duplicate_content_length";
    case E::kBadContentLength:
      return "bad_content_length";
    case E::kTransferEncodingNotChunkedLast:
      return "transfer_encoding_not_chunked_last";
    case E::kUnknownTransferCoding:
      return "unknown_transfer_coding";
    case E::kTransferEncodingInHttp10:
      return "transfer_encoding_in_http10";
    case E::kUnexpectedSwitchingProtocols:
      return "unexpected_switching_protocols";
    case E::kRequestLineTooLong:
      return "request_line_too_long";
    case E::kStatusLineTooLong:
      return "status_line_too_long";
    case E::kHeadTooLarge:
      return "head_too_large";
    case E::kTooManyHeaders:
      return "too_many_headers";
    case E::kBodyTooLarge:
      return "body_too_large";
    case E::kBadChunkSize:
      return "bad_chunk_size";
    case E::kChunkSizeTooLarge:
      return "chunk_size_too_large";
    case E::kBadChunkExtension:
      return "bad_chunk_extension";
    case E::kChunkExtensionTooLong:
      return "chunk_extension_too_long";
    case E::kMissingChunkCrlf:
      return "missing_chunk_crlf";
    case E::kBadTrailer:
      return "bad_trailer";
    case E::kTrailerTooLarge:
      return "trailer_too_large";
  }
  return "unknown";
}

HttpParseStatus HttpParseStatusFor(HttpError error) {
  switch (error) {
    case HttpError::kNone:
      return HttpParseStatus::kComplete;
    case HttpError::kRequestLineTooLong:
      return HttpParseStatus::kUriTooLong;
    case HttpError::kStatusLineTooLong:
    case HttpError::kHeadTooLarge:
    case HttpError::kTooManyHeaders:
    case HttpError::kTrailerTooLarge:
      return HttpParseStatus::kHeadersTooLarge;
    case HttpError::kBodyTooLarge:
      return HttpParseStatus::kBodyTooLarge;
    case HttpError::kUnknownTransferCoding:
      return HttpParseStatus::kNotImplemented;
    case HttpError::kUnsupportedVersion:
      return HttpParseStatus::kVersionNotSupported;
    default:
      return HttpParseStatus::kMalformed;
  }
}

const HttpHeader* HttpHeaders::Find(std::string_view name) const {
  for (const HttpHeader& field : *this) {
    if (EqualsIgnoreCase(field.name, name)) return &field;
  }
  return nullptr;
}

size_t HttpHeaders::Count(std::string_view name) const {
  size_t count = 0;
  for (const HttpHeader& field : *this) {
    if (EqualsIgnoreCase(field.name, name)) ++count;
  }
  return count;
}

bool HttpHeaders::HasListElement(std::string_view name,
                                 std::string_view element) const {
  for (const HttpHeader& field : *this) {
    if (EqualsIgnoreCase(field.name, name) &&
        internal::ListContains(field.value, element)) {
      return true;
    }
  }
  return false;
}

bool HttpHeaders::IsHopByHop(std::string_view name) const {
  return IsHopByHopHeader(name) || HasConnectionOption(name);
}

bool HttpHeaders::Add(std::string_view name, std::string_view value) {
  if (size_ == kCapacity) return false;
  fields_[size_++] = {name, value};
  return true;
}

bool IsHopByHopHeader(std::string_view name) {
  static constexpr std::string_view kHopByHop[] = {
      "connection",          "keep-alive", "proxy-connection",
      "proxy-authenticate",  "te",         "trailer",
      "proxy-authorization", "upgrade",    "transfer-encoding",
  };
  for (std::string_view hop : kHopByHop) {
    if (EqualsIgnoreCase(name, hop)) return true;
  }
  return false;
}

bool IsFieldName(std::string_view name) { return internal::IsToken(name); }

}  // namespace ringway::codec
