#include "dataplane/accesslog/access_log_writer.h"

#include <limits.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/time/clock.h"
#include "dataplane/common/log.h"
#include "dataplane/ring/user_data.h"

namespace ringway::accesslog {

using stats::Counter;

AccessLogWriter::AccessLogWriter(ring::Ring* ring, stats::ShardStats* stats,
                                 int shard_id, uint8_t write_op)
    : ring_(ring), stats_(stats), shard_id_(shard_id), write_op_(write_op) {}

AccessLogWriter::~AccessLogWriter() {
  // A write the ring gave up on (a shard ending past its drain deadline)
  // may still be read by a kernel worker: its bytes stay allocated. (A
  // moved deque keeps its elements where they are.)
  if (!idle()) new std::deque<FileLines>(std::move(files_));
}

AccessLogWriter::FileLines* AccessLogWriter::Find(
    const std::shared_ptr<const AccessLogFile>& file) {
  FileLines* free_slot = nullptr;
  for (FileLines& lines : files_) {
    if (lines.file == file) return &lines;
    if (lines.file == nullptr && free_slot == nullptr) free_slot = &lines;
  }
  if (free_slot == nullptr) free_slot = &files_.emplace_back();
  free_slot->file = file;
  return free_slot;
}

void AccessLogWriter::Write(const std::shared_ptr<const AccessLogFile>& file,
                            AccessEntry& entry) {
  FileLines& lines = *Find(file);
  if (lines.filling.size() >= kMaxBufferedBytes) {
    stats_->Add(Counter::kAccessLogDropped);
    return;
  }
  entry.unix_time_us = absl::GetCurrentTimeNanos() / 1000;
  if (lines.filling.empty()) lines.filling_since_ns = now_ns_;
  AppendJsonLine(entry, &lines.filling);
  stats_->Add(Counter::kAccessLogLines);
}

void AccessLogWriter::Flush(bool all) {
  for (uint32_t slot = 0; slot < files_.size(); ++slot) {
    FileLines& lines = files_[slot];
    if (lines.file == nullptr || lines.in_flight) continue;
    if (lines.filling.empty()) {
      // A file no table names any more (and nothing here waits for it):
      // let it close.
      if (lines.file.use_count() == 1) lines.file.reset();
      continue;
    }
    if (!all && lines.filling.size() < kFlushBytes &&
        now_ns_ < lines.filling_since_ns + kFlushDelayNs) {
      continue;
    }
    lines.writing.swap(lines.filling);
    lines.filling.clear();
    lines.written = 0;
    Submit(slot);
  }
}

void AccessLogWriter::Submit(uint32_t slot) {
  FileLines& lines = files_[slot];
  size_t length = lines.writing.size() - lines.written;
  if (lines.file->small_atomic_writes() && length > PIPE_BUF) {
    // Whole lines of at most PIPE_BUF bytes (a longer line alone), so
    // another shard's write to the same pipe never lands inside one.
    const std::string_view rest(lines.writing.data() + lines.written, length);
    size_t end = rest.rfind('\n', PIPE_BUF - 1);
    if (end == std::string_view::npos) end = rest.find('\n');
    if (end != std::string_view::npos) length = end + 1;
  }
  io_uring_sqe* sqe = ring_->GetSqe();
  // Offset -1: the file's position, which O_APPEND keeps at its end (and
  // the only one a pipe or terminal on standard output takes).
  io_uring_prep_write(sqe, lines.file->fd(),
                      lines.writing.data() + lines.written,
                      static_cast<unsigned>(length), static_cast<uint64_t>(-1));
  io_uring_sqe_set_data64(sqe, ring::UserData{write_op_, slot, 0}.Pack());
  // A file write goes straight to an io_uring worker: the shard neither
  // copies the batch into the page cache itself nor tries once without
  // blocking only for the worker to do it all again (ext4 often cannot
  // take a buffered write without blocking).
  if (!lines.file->small_atomic_writes()) sqe->flags |= IOSQE_ASYNC;
  lines.in_flight = true;
}

void AccessLogWriter::OnWritten(uint32_t slot, int32_t res) {
  if (slot >= files_.size() || !files_[slot].in_flight) return;
  FileLines& lines = files_[slot];
  if (res == -EINTR) {
    Submit(slot);
    return;
  }
  if (res == -EAGAIN) {
    // A full non-blocking pipe or terminal on standard output: wait until
    // it takes bytes again instead of spinning.
    io_uring_sqe* poll = ring_->GetSqe();
    io_uring_prep_poll_add(poll, lines.file->fd(), POLLOUT);
    io_uring_sqe_set_data64(poll, ring::UserData{ring::kOpIgnore, 0, 0}.Pack());
    poll->flags |= IOSQE_IO_LINK;
    Submit(slot);
    return;
  }
  if (res <= 0) {
    stats_->Add(Counter::kAccessLogWriteErrors);
    RINGWAY_LOG_LIMITED(log_limiter_, kAccessLog, now_ns_, kError,
                        "shard %d: writing access log \"%s\": %s (%d bytes "
                        "lost)",
                        shard_id_, lines.file->path(),
                        res == 0 ? "no progress" : std::strerror(-res),
                        lines.writing.size() - lines.written);
    lines.written = lines.writing.size();
  } else {
    lines.written += static_cast<size_t>(res);
  }
  if (lines.written < lines.writing.size()) {
    Submit(slot);  // a short write: the rest
    return;
  }
  lines.writing.clear();
  lines.in_flight = false;
}

uint64_t AccessLogWriter::NextWakeNs() const {
  uint64_t wake = UINT64_MAX;
  for (const FileLines& lines : files_) {
    // A file with a write in flight is looked at again when it completes.
    if (lines.in_flight || lines.filling.empty()) continue;
    wake = std::min(wake, lines.filling_since_ns + kFlushDelayNs);
  }
  return wake;
}

bool AccessLogWriter::idle() const {
  for (const FileLines& lines : files_) {
    if (lines.in_flight || !lines.filling.empty()) return false;
  }
  return true;
}

}  // namespace ringway::accesslog
