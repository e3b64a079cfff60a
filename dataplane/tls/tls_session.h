// One TLS connection driven by the shard without blocking: ciphertext comes
// in from whatever the ring received and goes out through a buffer the
// caller sends, so BoringSSL never touches a socket. The same object serves
// the server side now and the upstream (client) side later; after the
// handshake its keys can move to the kernel (kTLS).
//
// Per completion:
//   session.SetInput(received);             // ciphertext, any split
//   TlsResult r = session.Handshake();      // or Read(), Write()
//   Consume(received, session.TakeInputConsumed());
//   send(session.output()); ... session.ConsumeOutput(sent);
//
// The only copies are BoringSSL's own: ciphertext into its record buffer,
// sealed records out of it into `output()`.

#ifndef RINGWAY_DATAPLANE_TLS_TLS_SESSION_H_
#define RINGWAY_DATAPLANE_TLS_TLS_SESSION_H_

#include <openssl/base.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ringway::tls {

enum class TlsResult {
  kOk,         // done (handshake complete, or bytes read/written)
  kWantRead,   // needs more ciphertext: SetInput() and call again
  kWantWrite,  // output() is full: send some, ConsumeOutput(), call again
  kClosed,     // the peer sent close_notify (or EOF was fed)
  kError,      // fatal: error_reason() says why; close the connection
};

// Shard-local.
class TlsSession {
 public:
  // `output_capacity`: bytes of sealed records held before kWantWrite.
  explicit TlsSession(bssl::UniquePtr<SSL> ssl,
                      size_t output_capacity = 64 * 1024);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Ciphertext available to the next calls, until TakeInputConsumed().
  // `eof`: the peer closed the TCP stream after these bytes.
  void SetInput(std::span<const uint8_t> ciphertext, bool eof = false);
  // Bytes of the input BoringSSL has taken since SetInput(); they may be
  // released. The input is cleared.
  size_t TakeInputConsumed();

  TlsResult Handshake();
  // Plaintext into `out`; `*n` bytes on kOk.
  TlsResult Read(std::span<uint8_t> out, size_t* n);
  // Seals plaintext; `*n` bytes taken on kOk (may be fewer than offered).
  TlsResult Write(std::span<const uint8_t> in, size_t* n);
  // Seals as much of `plaintext` as fits in the output, a whole record at
  // a time, so BoringSSL never holds a half-written record that a later
  // call would have to retry with the same bytes. Bytes taken; fewer than
  // offered when the output is full (send, ConsumeOutput, call again) or on
  // an error (error_reason()).
  size_t Seal(std::span<const uint8_t> plaintext);
  // Queues close_notify.
  void Shutdown();
  // Moves records BoringSSL queued while reading (a KeyUpdate's
  // acknowledgement: our write key has already changed) into the output,
  // so the write keys exported for kTLS match what the peer expects once
  // the output is sent. False on an error (error_reason()).
  bool FlushPendingRecords();
  // Bytes sent in the clear ahead of the handshake (an outgoing PROXY
  // header). Only before the first Handshake().
  void QueueCleartext(std::span<const uint8_t> bytes) {
    AppendOutput(bytes.data(), bytes.size());
  }

  // Sealed records waiting to be sent. Stays put until ConsumeOutput, so a
  // send may be in flight from it while BoringSSL seals more.
  std::span<const uint8_t> output() const {
    return {output_.get() + output_begin_, output_end_ - output_begin_};
  }
  void ConsumeOutput(size_t n);
  // The kernel seals this session's records now (kTLS), the output is
  // empty: frees its block. The SSL stays, for what it still knows.
  void ReleaseOutput() {
    output_.reset();
    output_begin_ = output_end_ = 0;
  }

  bool handshake_done() const;
  std::string_view server_name() const;  // SNI sent by the client, or ""
  std::string_view alpn() const;         // negotiated ALPN, or ""
  std::string_view version() const;      // "TLSv1.3", ...
  std::string_view cipher() const;       // standard cipher suite name
  bool resumed() const;
  // The client certificate check, as nginx's $ssl_client_verify: "NONE"
  // (no certificate), "SUCCESS", or "FAILED:<reason>"; and the verified
  // certificate's subject in RFC 2253 form ("" unless SUCCESS).
  std::string PeerVerifyResult() const;
  std::string PeerSubject() const;
  std::string_view error_reason() const { return error_; }
  SSL* ssl() const { return ssl_.get(); }

 private:
  static int BioRead(BIO* bio, char* out, int length);
  static int BioWrite(BIO* bio, const char* in, int length);
  static long BioCtrl(BIO* bio, int cmd, long larg, void* parg);
  TlsResult Classify(int ret);

  bssl::UniquePtr<SSL> ssl_;
  std::span<const uint8_t> input_;
  size_t input_consumed_ = 0;
  bool input_eof_ = false;
  // Copies into the output (a plain memcpy: sealed records are this
  // session's bulk path). At most 2 * output_capacity_ - output_end_.
  void AppendOutput(const uint8_t* bytes, size_t n);

  // [output_begin_, output_end_) of a block of twice the capacity, made on
  // first use and never reallocated: ConsumeOutput moves the bytes down
  // only when they would otherwise creep past the middle, and then no send
  // is using them.
  std::unique_ptr<uint8_t[]> output_;
  size_t output_begin_ = 0;
  size_t output_end_ = 0;
  size_t output_capacity_;
  std::string error_;
};

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_TLS_SESSION_H_
