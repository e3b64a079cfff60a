// Records other than application data on a kTLS socket. The kernel hands
// them to user space whole (recvmsg with a TLS_GET_RECORD_TYPE control
// message; a plain recv fails with EIO) and sends them when told the type
// (TLS_SET_RECORD_TYPE). After the handshake a TLS 1.3 peer sends
// NewSessionTicket (kept for resumption), KeyUpdate (the kernel before
// 6.14 cannot rekey a socket: the connection must end cleanly, never spin
// on it, as HAProxy issue 3450 did) and alerts (close_notify ends the
// stream). Shard-local helpers; no state.
//
//   uint8_t type;
//   ssize_t n = KtlsReceive(fd, buffer, &type);
//   if (type != kRecordApplicationData) {
//     for (auto m : SplitHandshakeMessages(...)) ...  // or ClassifyAlert
//   }

#ifndef RINGWAY_DATAPLANE_TLS_KTLS_CONTROL_RECORDS_H_
#define RINGWAY_DATAPLANE_TLS_KTLS_CONTROL_RECORDS_H_

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <vector>

namespace ringway::tls {

inline constexpr uint8_t kRecordAlert = 21;
inline constexpr uint8_t kRecordHandshake = 22;
inline constexpr uint8_t kRecordApplicationData = 23;

// What a record that is not application data asks of the receiver.
enum class KtlsControl : uint8_t {
  kNewSessionTicket,  // keep it (SSL_process_tls13_new_session_ticket)
  kKeyUpdate,         // rekey; end the connection cleanly if impossible
  kCloseNotify,       // end of the peer's stream
  kFatalAlert,        // the peer gave up: close
  kUnexpected,        // anything else after the handshake: close
};

// One handshake message (4-byte header included) of a handshake record.
struct HandshakeMessage {
  uint8_t type = 0;
  std::span<const uint8_t> bytes;  // header and body
};

// Splits a handshake record's plaintext into whole messages. False if a
// message runs past the record (they are small here: tickets, KeyUpdate).
bool SplitHandshakeMessages(std::span<const uint8_t> record,
                            std::vector<HandshakeMessage>* out);

KtlsControl ClassifyHandshakeMessage(const HandshakeMessage& message);
KtlsControl ClassifyAlert(std::span<const uint8_t> record);

// A handshake record a kTLS socket received after the handshake, as every
// path that reads one takes it.
enum class PostHandshakeRecord : uint8_t {
  kTickets,     // NewSessionTicket messages only, from a server: keep them
  kKeyUpdate,   // a KeyUpdate: end the connection cleanly
  kUnexpected,  // empty, malformed, or a message nobody sends now: close
};

// Reads a handshake record's plaintext. On kTickets, `tickets` holds each
// NewSessionTicket message whole (for ClientContext::KeepSessionTickets).
// Only a server sends tickets: from a client (`from_server` false) they
// are unexpected.
PostHandshakeRecord ReadPostHandshakeRecord(
    std::span<const uint8_t> record, bool from_server,
    std::vector<std::span<const uint8_t>>* tickets);

// recvmsg on a kTLS RX socket: plaintext into `buffer`, the record's type
// in `*type` (application data when the kernel sent no control message).
// Returns bytes read, 0 at EOF, or -errno. `flags` as recvmsg's
// (MSG_DONTWAIT where the caller must not block).
ssize_t KtlsReceive(int fd, std::span<uint8_t> buffer, uint8_t* type,
                    int flags = 0);

// Sends close_notify as an alert record through the kernel's TX.
// Returns 0 or -errno.
int KtlsSendCloseNotify(int fd);

}  // namespace ringway::tls

#endif  // RINGWAY_DATAPLANE_TLS_KTLS_CONTROL_RECORDS_H_
