// A shard's access log lines on their way to their files, written through
// the shard's io_uring so a slow disk never blocks the shard.
//
// Per file, lines accumulate in a buffer that is written (by an io_uring
// worker, for a regular file) once it holds kFlushBytes or its first line
// is kFlushDelayNs old (nginx's `buffer=` and
// `flush=`): under load a write carries a hundred lines or more, at light
// load a line waits 100 ms at most. At most one write per file is in
// flight, so lines reach the file whole and in order. Lines beyond
// kMaxBufferedBytes waiting for one file (the disk cannot keep up) are
// dropped and counted, never queued without bound.
// Buffers keep their capacity: a warm shard allocates nothing per line.
//
// Shard-local. Files (AccessLogFile) are shared with the control thread,
// which only reopens them (a dup onto the same descriptor).

#ifndef RINGWAY_DATAPLANE_ACCESSLOG_ACCESS_LOG_WRITER_H_
#define RINGWAY_DATAPLANE_ACCESSLOG_ACCESS_LOG_WRITER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "dataplane/accesslog/access_entry.h"
#include "dataplane/accesslog/access_log_file.h"
#include "dataplane/common/log_limiter.h"
#include "dataplane/ring/ring.h"
#include "dataplane/stats/shard_stats.h"

namespace ringway::accesslog {

class AccessLogWriter {
 public:
  static constexpr size_t kFlushBytes = 64 * 1024;
  static constexpr uint64_t kFlushDelayNs = 100'000'000;
  static constexpr size_t kMaxBufferedBytes = 1 << 20;

  // Completions of its writes carry `write_op` (the shard's op code) and
  // are handed back to OnWritten.
  AccessLogWriter(ring::Ring* ring, stats::ShardStats* stats, int shard_id,
                  uint8_t write_op);
  ~AccessLogWriter();
  AccessLogWriter(const AccessLogWriter&) = delete;
  AccessLogWriter& operator=(const AccessLogWriter&) = delete;

  // Queues one line for `file` (kept open until the line is written),
  // stamped with the wall clock now.
  void Write(const std::shared_ptr<const AccessLogFile>& file,
             AccessEntry& entry);
  // Once per loop iteration, before the ring is submitted: a write for
  // every file whose lines are due (all of them with `all`, for a draining
  // shard) and none in flight.
  void Flush(bool all = false);
  // When Flush must run next for lines waiting now (UINT64_MAX: none wait);
  // the shard wakes up for it.
  uint64_t NextWakeNs() const;
  // The completion of a write: `slot` from its user_data.
  void OnWritten(uint32_t slot, int32_t res);
  // Nothing waiting and nothing in flight (a draining shard may end).
  bool idle() const;

  void set_now(uint64_t now_ns) { now_ns_ = now_ns; }

 private:
  struct FileLines {
    std::shared_ptr<const AccessLogFile> file;  // null: a free slot
    std::string filling;            // lines not yet handed to a write
    uint64_t filling_since_ns = 0;  // its first line
    std::string writing;            // the write in flight
    size_t written = 0;             // of `writing`
    bool in_flight = false;
  };

  FileLines* Find(const std::shared_ptr<const AccessLogFile>& file);
  void Submit(uint32_t slot);

  ring::Ring* ring_;
  stats::ShardStats* stats_;
  int shard_id_;
  uint8_t write_op_;
  // A deque: growing it never moves a slot whose write is in flight.
  std::deque<FileLines> files_;
  uint64_t now_ns_ = 0;
  LogLimiter log_limiter_;
};

}  // namespace ringway::accesslog

#endif  // RINGWAY_DATAPLANE_ACCESSLOG_ACCESS_LOG_WRITER_H_
