#include "dataplane/tls/tls_session.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace ringway::tls {
namespace {

// One method for every session; BoringSSL keeps a pointer to it.
const BIO_METHOD* SessionBioMethod(int (*read)(BIO*, char*, int),
                                   int (*write)(BIO*, const char*, int),
                                   long (*ctrl)(BIO*, int, long, void*)) {
  static BIO_METHOD* method = [&] {
    BIO_METHOD* m = BIO_meth_new(BIO_TYPE_SOURCE_SINK, "ringway session");
    BIO_meth_set_read(m, read);
    BIO_meth_set_write(m, write);
    BIO_meth_set_ctrl(m, ctrl);
    return m;
  }();
  return method;
}

}  // namespace

TlsSession::TlsSession(bssl::UniquePtr<SSL> ssl, size_t output_capacity)
    : ssl_(std::move(ssl)), output_capacity_(output_capacity) {
  BIO* bio = BIO_new(SessionBioMethod(&BioRead, &BioWrite, &BioCtrl));
  BIO_set_data(bio, this);
  BIO_set_init(bio, 1);
  // The same BIO both ways: SSL takes our one reference for both.
  SSL_set_bio(ssl_.get(), bio, bio);
}

TlsSession::~TlsSession() = default;

void TlsSession::SetInput(std::span<const uint8_t> ciphertext, bool eof) {
  input_ = ciphertext;
  input_consumed_ = 0;
  input_eof_ = eof;
}

size_t TlsSession::TakeInputConsumed() {
  size_t n = input_consumed_;
  input_ = {};
  input_consumed_ = 0;
  return n;
}

int TlsSession::BioRead(BIO* bio, char* out, int length) {
  auto* self = static_cast<TlsSession*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  size_t available = self->input_.size() - self->input_consumed_;
  if (available == 0) {
    if (self->input_eof_) return 0;
    BIO_set_retry_read(bio);
    return -1;
  }
  size_t n = std::min(available, static_cast<size_t>(length));
  std::memcpy(out, self->input_.data() + self->input_consumed_, n);
  self->input_consumed_ += n;
  return static_cast<int>(n);
}

int TlsSession::BioWrite(BIO* bio, const char* in, int length) {
  auto* self = static_cast<TlsSession*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  size_t held = self->output_end_ - self->output_begin_;
  size_t room =
      self->output_capacity_ > held ? self->output_capacity_ - held : 0;
  if (room == 0) {
    BIO_set_retry_write(bio);
    return -1;
  }
  size_t n = std::min(room, static_cast<size_t>(length));
  self->AppendOutput(reinterpret_cast<const uint8_t*>(in), n);
  return static_cast<int>(n);
}

void TlsSession::AppendOutput(const uint8_t* bytes, size_t n) {
  // Uninitialised on purpose: every byte is written before it is sent.
  if (output_ == nullptr) output_.reset(new uint8_t[2 * output_capacity_]);
  n = std::min(n, 2 * output_capacity_ - output_end_);
  std::memcpy(output_.get() + output_end_, bytes, n);
  output_end_ += n;
}

long TlsSession::BioCtrl(BIO* /*bio*/, int cmd, long /*larg*/, void* /*parg*/) {
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

void TlsSession::ConsumeOutput(size_t n) {
  output_begin_ += n;
  if (output_begin_ >= output_end_) {
    output_begin_ = output_end_ = 0;
  } else if (output_begin_ > output_capacity_ / 2) {
    // Past the middle: move the rest down, so that appending up to the
    // capacity always fits in the block.
    std::memmove(output_.get(), output_.get() + output_begin_,
                 output_end_ - output_begin_);
    output_end_ -= output_begin_;
    output_begin_ = 0;
  }
}

TlsResult TlsSession::Classify(int ret) {
  switch (SSL_get_error(ssl_.get(), ret)) {
    case SSL_ERROR_WANT_READ:
      return TlsResult::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return TlsResult::kWantWrite;
    case SSL_ERROR_ZERO_RETURN:
      return TlsResult::kClosed;
    default: {
      uint32_t error = ERR_peek_last_error();
      const char* reason = ERR_reason_error_string(error);
      error_ = reason != nullptr ? reason
               : input_eof_      ? "connection closed during TLS"
                                 : "TLS error";
      ERR_clear_error();
      return TlsResult::kError;
    }
  }
}

TlsResult TlsSession::Handshake() {
  ERR_clear_error();  // SSL_get_error reads the thread's error queue
  int ret = SSL_do_handshake(ssl_.get());
  return ret == 1 ? TlsResult::kOk : Classify(ret);
}

TlsResult TlsSession::Read(std::span<uint8_t> out, size_t* n) {
  *n = 0;
  ERR_clear_error();
  int ret = SSL_read(ssl_.get(), out.data(),
                     static_cast<int>(std::min<size_t>(out.size(), INT_MAX)));
  if (ret > 0) {
    *n = static_cast<size_t>(ret);
    return TlsResult::kOk;
  }
  return Classify(ret);
}

TlsResult TlsSession::Write(std::span<const uint8_t> in, size_t* n) {
  *n = 0;
  if (in.empty()) return TlsResult::kOk;
  ERR_clear_error();
  int ret = SSL_write(ssl_.get(), in.data(),
                      static_cast<int>(std::min<size_t>(in.size(), INT_MAX)));
  if (ret > 0) {
    *n = static_cast<size_t>(ret);
    return TlsResult::kOk;
  }
  return Classify(ret);
}

bool TlsSession::FlushPendingRecords() {
  ERR_clear_error();
  // An empty write seals nothing of ours but flushes what BoringSSL queued
  // while reading (the acknowledgement of a KeyUpdate, sealed with the old
  // key before it switched to the new one) into the output.
  static const uint8_t kNothing = 0;
  return SSL_write(ssl_.get(), &kNothing, 0) >= 0;
}

size_t TlsSession::Seal(std::span<const uint8_t> plaintext) {
  // A TLS record carries at most 16 KiB of plaintext; header, content type,
  // nonce and tag add well under 64 bytes (TLS 1.2 and 1.3, every AEAD).
  constexpr size_t kMaxRecordPlaintext = 16 * 1024;
  constexpr size_t kRecordOverhead = 64;
  size_t taken = 0;
  while (taken < plaintext.size()) {
    size_t held = output_end_ - output_begin_;
    size_t room = output_capacity_ > held ? output_capacity_ - held : 0;
    if (room <= kRecordOverhead) break;
    size_t offer = std::min({plaintext.size() - taken, kMaxRecordPlaintext,
                             room - kRecordOverhead});
    size_t n = 0;
    if (Write(plaintext.subspan(taken, offer), &n) != TlsResult::kOk) break;
    taken += n;
  }
  return taken;
}

void TlsSession::Shutdown() {
  SSL_shutdown(ssl_.get());
  ERR_clear_error();
}

bool TlsSession::handshake_done() const {
  return SSL_is_init_finished(ssl_.get());
}

std::string_view TlsSession::server_name() const {
  const char* name = SSL_get_servername(ssl_.get(), TLSEXT_NAMETYPE_host_name);
  return name != nullptr ? name : "";
}

std::string_view TlsSession::alpn() const {
  const uint8_t* data = nullptr;
  unsigned length = 0;
  SSL_get0_alpn_selected(ssl_.get(), &data, &length);
  return {reinterpret_cast<const char*>(data), length};
}

std::string_view TlsSession::version() const {
  return SSL_get_version(ssl_.get());
}

std::string_view TlsSession::cipher() const {
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_.get());
  return cipher != nullptr ? SSL_CIPHER_standard_name(cipher) : "";
}

bool TlsSession::resumed() const { return SSL_session_reused(ssl_.get()); }

std::string TlsSession::PeerVerifyResult() const {
  if (SSL_get0_peer_certificates(ssl_.get()) == nullptr) return "NONE";
  long result = SSL_get_verify_result(ssl_.get());
  if (result == X509_V_OK) return "SUCCESS";
  return std::string("FAILED:") + X509_verify_cert_error_string(result);
}

std::string TlsSession::PeerSubject() const {
  if (PeerVerifyResult() != "SUCCESS") return "";
  bssl::UniquePtr<X509> peer(SSL_get_peer_certificate(ssl_.get()));
  if (!peer) return "";
  bssl::UniquePtr<BIO> out(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(out.get(), X509_get_subject_name(peer.get()), 0,
                     XN_FLAG_RFC2253);
  const uint8_t* data = nullptr;
  size_t length = 0;
  BIO_mem_contents(out.get(), &data, &length);
  return std::string(reinterpret_cast<const char*>(data), length);
}

}  // namespace ringway::tls
