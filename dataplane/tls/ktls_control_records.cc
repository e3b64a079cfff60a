#include "dataplane/tls/ktls_control_records.h"

#include <linux/tls.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

namespace ringway::tls {
namespace {

constexpr uint8_t kNewSessionTicket = 4;
constexpr uint8_t kKeyUpdate = 24;
constexpr uint8_t kAlertCloseNotify = 0;
constexpr uint8_t kAlertLevelWarning = 1;

}  // namespace

bool SplitHandshakeMessages(std::span<const uint8_t> record,
                            std::vector<HandshakeMessage>* out) {
  out->clear();
  size_t at = 0;
  while (at < record.size()) {
    if (record.size() - at < 4) return false;
    const size_t length = (size_t{record[at + 1]} << 16) |
                          (size_t{record[at + 2]} << 8) | record[at + 3];
    if (record.size() - at - 4 < length) return false;
    out->push_back({record[at], record.subspan(at, 4 + length)});
    at += 4 + length;
  }
  return true;
}

KtlsControl ClassifyHandshakeMessage(const HandshakeMessage& message) {
  switch (message.type) {
    case kNewSessionTicket:
      return KtlsControl::kNewSessionTicket;
    case kKeyUpdate:
      return KtlsControl::kKeyUpdate;
    default:
      return KtlsControl::kUnexpected;
  }
}

PostHandshakeRecord ReadPostHandshakeRecord(
    std::span<const uint8_t> record, bool from_server,
    std::vector<std::span<const uint8_t>>* tickets) {
  tickets->clear();
  std::vector<HandshakeMessage> messages;
  if (!SplitHandshakeMessages(record, &messages) || messages.empty()) {
    return PostHandshakeRecord::kUnexpected;
  }
  for (const HandshakeMessage& message : messages) {
    switch (ClassifyHandshakeMessage(message)) {
      case KtlsControl::kNewSessionTicket:
        if (!from_server) return PostHandshakeRecord::kUnexpected;
        tickets->push_back(message.bytes);
        break;
      case KtlsControl::kKeyUpdate:
        return PostHandshakeRecord::kKeyUpdate;
      default:
        return PostHandshakeRecord::kUnexpected;
    }
  }
  return PostHandshakeRecord::kTickets;
}

KtlsControl ClassifyAlert(std::span<const uint8_t> record) {
  if (record.size() != 2) return KtlsControl::kUnexpected;
  // TLS 1.3 sends close_notify as a warning; any other alert ends the
  // connection whatever level it claims (RFC 8446 section 6).
  if (record[1] == kAlertCloseNotify) return KtlsControl::kCloseNotify;
  return KtlsControl::kFatalAlert;
}

ssize_t KtlsReceive(int fd, std::span<uint8_t> buffer, uint8_t* type,
                    int flags) {
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(uint8_t))];
  iovec iov{buffer.data(), buffer.size()};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  ssize_t n = recvmsg(fd, &message, flags);
  if (n < 0) return -errno;
  *type = kRecordApplicationData;
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr;
       c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level == SOL_TLS && c->cmsg_type == TLS_GET_RECORD_TYPE) {
      *type = *CMSG_DATA(c);
    }
  }
  return n;
}

int KtlsSendCloseNotify(int fd) {
  uint8_t alert[2] = {kAlertLevelWarning, kAlertCloseNotify};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(uint8_t))] = {};
  iovec iov{alert, sizeof(alert)};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  cmsghdr* c = CMSG_FIRSTHDR(&message);
  c->cmsg_level = SOL_TLS;
  c->cmsg_type = TLS_SET_RECORD_TYPE;
  c->cmsg_len = CMSG_LEN(sizeof(uint8_t));
  *CMSG_DATA(c) = kRecordAlert;
  return sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ? -errno : 0;
}

}  // namespace ringway::tls
