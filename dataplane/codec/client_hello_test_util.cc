#include "dataplane/codec/client_hello_test_util.h"

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace ringway::codec {
namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "client_hello_test_util: %s\n", what);
  std::abort();
}

void Check(bool ok, const char* what) {
  if (!ok) Die(what);
}

// ALPN wire format (RFC 7301): each name prefixed by its 8-bit length.
Bytes AlpnWireList(const std::vector<std::string>& protocols) {
  Bytes list;
  for (const std::string& p : protocols) {
    AppendU8(&list, static_cast<uint8_t>(p.size()));
    AppendString(&list, p);
  }
  return list;
}

void ApplyOptions(const CaptureOptions& options, SSL* ssl) {
  if (options.tls12_only) {
    Check(SSL_set_max_proto_version(ssl, TLS1_2_VERSION), "max version");
  }
  if (!options.server_name.empty()) {
    Check(SSL_set_tlsext_host_name(ssl, options.server_name.c_str()), "sni");
  }
  if (!options.alpn.empty()) {
    const Bytes list = AlpnWireList(options.alpn);
    // NOTE: unlike most of BoringSSL, this returns 0 on success.
    Check(SSL_set_alpn_protos(ssl, list.data(), list.size()) == 0, "alpn");
  }
  if (options.post_quantum) {
    Check(SSL_set1_curves_list(ssl, "CECPQ2:X25519:P-256"), "curves");
  }
  if (options.ech_grease) SSL_set_enable_ech_grease(ssl, 1);
}

}  // namespace

void AppendU8(Bytes* out, uint8_t v) { out->push_back(v); }

void AppendU16(Bytes* out, uint16_t v) {
  out->push_back(static_cast<uint8_t>(v >> 8));
  out->push_back(static_cast<uint8_t>(v));
}

void AppendU24(Bytes* out, uint32_t v) {
  out->push_back(static_cast<uint8_t>(v >> 16));
  AppendU16(out, static_cast<uint16_t>(v));
}

void AppendBytes(Bytes* out, std::span<const uint8_t> bytes) {
  out->insert(out->end(), bytes.begin(), bytes.end());
}

void AppendString(Bytes* out, const std::string& s) {
  out->insert(out->end(), s.begin(), s.end());
}

Bytes CaptureClientHello(const CaptureOptions& options) {
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  Check(ctx != nullptr, "SSL_CTX_new");
  bssl::UniquePtr<SSL> ssl(SSL_new(ctx.get()));
  Check(ssl != nullptr, "SSL_new");
  BIO* read_bio = BIO_new(BIO_s_mem());
  BIO* write_bio = BIO_new(BIO_s_mem());
  Check(read_bio != nullptr && write_bio != nullptr, "BIO_new");
  SSL_set_bio(ssl.get(), read_bio, write_bio);  // takes both
  SSL_set_connect_state(ssl.get());
  ApplyOptions(options, ssl.get());
  // The client writes its ClientHello, then waits for the server's reply.
  Check(SSL_do_handshake(ssl.get()) == -1 &&
            SSL_get_error(ssl.get(), -1) == SSL_ERROR_WANT_READ,
        "handshake did not stop for the server");
  const uint8_t* contents = nullptr;
  size_t length = 0;
  Check(BIO_mem_contents(write_bio, &contents, &length), "BIO_mem_contents");
  return Bytes(contents, contents + length);
}

Bytes HandshakePayload(std::span<const uint8_t> records) {
  Bytes payload;
  while (!records.empty()) {
    Check(records.size() >= 5 && records[0] == 22, "not a handshake record");
    const size_t length = size_t{records[3]} << 8 | records[4];
    Check(records.size() >= 5 + length, "truncated record");
    AppendBytes(&payload, records.subspan(5, length));
    records = records.subspan(5 + length);
  }
  return payload;
}

Bytes FrameRecords(std::span<const uint8_t> handshake,
                   const std::vector<size_t>& fragment_sizes,
                   uint16_t record_version) {
  Bytes out;
  size_t i = 0;
  while (!handshake.empty()) {
    size_t n = i < fragment_sizes.size() ? fragment_sizes[i] : handshake.size();
    n = std::min({n, handshake.size(), size_t{16384}});
    AppendU8(&out, 22);
    AppendU16(&out, record_version);
    AppendU16(&out, static_cast<uint16_t>(n));
    AppendBytes(&out, handshake.first(n));
    handshake = handshake.subspan(n);
    ++i;
  }
  return out;
}

Bytes ReframeClientHello(std::span<const uint8_t> records,
                         const std::vector<size_t>& fragment_sizes) {
  return FrameRecords(HandshakePayload(records), fragment_sizes);
}

Bytes ServerNameExtensionBody(const std::string& host_name) {
  Bytes entry;
  AppendU8(&entry, 0);  // host_name
  AppendU16(&entry, static_cast<uint16_t>(host_name.size()));
  AppendString(&entry, host_name);
  Bytes body;
  AppendU16(&body, static_cast<uint16_t>(entry.size()));
  AppendBytes(&body, entry);
  return body;
}

Bytes AlpnExtensionBody(const std::vector<std::string>& protocols) {
  const Bytes list = AlpnWireList(protocols);
  Bytes body;
  AppendU16(&body, static_cast<uint16_t>(list.size()));
  AppendBytes(&body, list);
  return body;
}

Bytes HandBuiltHello::Message() const {
  Bytes body;
  AppendU16(&body, legacy_version);
  body.insert(body.end(), 32, 0xab);  // random
  AppendU8(&body, static_cast<uint8_t>(session_id.size()));
  AppendBytes(&body, session_id);
  AppendU16(&body, static_cast<uint16_t>(cipher_suites.size()));
  AppendBytes(&body, cipher_suites);
  AppendU8(&body, static_cast<uint8_t>(compression_methods.size()));
  AppendBytes(&body, compression_methods);
  if (extensions.has_value()) {
    Bytes block;
    for (const auto& [type, ext_body] : *extensions) {
      AppendU16(&block, type);
      AppendU16(&block, static_cast<uint16_t>(ext_body.size()));
      AppendBytes(&block, ext_body);
    }
    AppendU16(&body, static_cast<uint16_t>(block.size()));
    AppendBytes(&body, block);
  }
  Bytes message;
  AppendU8(&message, 1);  // client_hello
  AppendU24(&message, static_cast<uint32_t>(body.size()));
  AppendBytes(&message, body);
  return message;
}

}  // namespace ringway::codec
