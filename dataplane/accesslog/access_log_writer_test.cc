#include "dataplane/accesslog/access_log_writer.h"

#include <limits.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "dataplane/ring/ring.h"
#include "dataplane/ring/user_data.h"
#include "gtest/gtest.h"

namespace ringway::accesslog {
namespace {

constexpr uint8_t kWriteOp = 5;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t CountLines(const std::string& text) {
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

class AccessLogWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ring = ring::Ring::Create(64);
    ASSERT_TRUE(ring.ok()) << ring.status();
    ring_ = std::move(*ring);
    writer_ =
        std::make_unique<AccessLogWriter>(ring_.get(), &stats_, 0, kWriteOp);
    dir_ = std::getenv("TEST_TMPDIR") != nullptr ? std::getenv("TEST_TMPDIR")
                                                 : "/tmp";
  }

  // Hands completions of writes in flight back (waiting up to 10 ms).
  void Reap() {
    ring_->SubmitAndWaitTimeout(10'000'000);
    ring_->ForEachCompletion([&](const io_uring_cqe& cqe) {
      const ring::UserData tag = ring::UserData::Unpack(cqe.user_data);
      ASSERT_EQ(tag.op, kWriteOp);
      writer_->OnWritten(tag.slot, cqe.res);
    });
  }

  // Flushes everything (as a draining shard) until the writer is idle (at
  // most 3 s: a lost completion fails the test instead of hanging it).
  void Settle() {
    for (int i = 0; i < 300 && !writer_->idle(); ++i) {
      writer_->Flush(/*all=*/true);
      Reap();
    }
    ASSERT_TRUE(writer_->idle());
  }

  void WriteLine(const std::shared_ptr<const AccessLogFile>& file,
                 std::string_view path) {
    AccessEntry entry;
    entry.kind = "http";
    entry.path = path;
    writer_->Write(file, entry);
  }

  uint64_t Count(stats::Counter counter) const {
    return stats_.values[static_cast<int>(counter)].load();
  }

  std::unique_ptr<ring::Ring> ring_;
  stats::ShardStats stats_;
  std::unique_ptr<AccessLogWriter> writer_;
  std::string dir_;
};

TEST_F(AccessLogWriterTest, LinesReachTheFileWholeAndInOrder) {
  const std::string path = dir_ + "/ordered.log";
  std::remove(path.c_str());
  auto file = AccessLogFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  for (int i = 0; i < 1000; ++i) {
    WriteLine(*file, "/" + std::to_string(i));
    // Some lines join a buffer while the previous write is in flight.
    if (i % 100 == 0) writer_->Flush(/*all=*/true);
  }
  Settle();
  const std::string text = ReadAll(path);
  ASSERT_EQ(CountLines(text), 1000u);
  size_t at = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string want = "\"path\":\"/" + std::to_string(i) + "\"";
    at = text.find(want, at);
    ASSERT_NE(at, std::string::npos) << "line " << i << " missing or late";
  }
  EXPECT_EQ(Count(stats::Counter::kAccessLogLines), 1000u);
  EXPECT_EQ(Count(stats::Counter::kAccessLogDropped), 0u);
}

// A line waits for more until its buffer holds kFlushBytes or it is
// kFlushDelayNs old; the shard is told when to wake up for it.
TEST_F(AccessLogWriterTest, LinesWaitForABufferfulOrTheirDelay) {
  const std::string path = dir_ + "/delayed.log";
  std::remove(path.c_str());
  auto file = AccessLogFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  const uint64_t start = 1'000'000'000;
  writer_->set_now(start);
  EXPECT_EQ(writer_->NextWakeNs(), UINT64_MAX);
  WriteLine(*file, "/first");
  EXPECT_EQ(writer_->NextWakeNs(), start + AccessLogWriter::kFlushDelayNs);
  writer_->set_now(start + AccessLogWriter::kFlushDelayNs - 1);
  writer_->Flush();
  Reap();
  EXPECT_EQ(ReadAll(path), "") << "written before its delay";
  writer_->set_now(start + AccessLogWriter::kFlushDelayNs);
  writer_->Flush();
  for (int i = 0; i < 300 && !writer_->idle(); ++i) Reap();
  EXPECT_EQ(CountLines(ReadAll(path)), 1u);
  // A bufferful goes at once, whatever the time.
  const std::string long_path(1000, 'q');
  const int lines = AccessLogWriter::kFlushBytes / 1000 + 1;
  for (int i = 0; i < lines; ++i) WriteLine(*file, long_path);
  writer_->Flush();
  for (int i = 0; i < 300 && !writer_->idle(); ++i) Reap();
  EXPECT_EQ(CountLines(ReadAll(path)), 1u + lines);
}

// logrotate's way: the file is renamed, then SIGUSR1 reopens it; lines
// written after go to a new file at the old path.
TEST_F(AccessLogWriterTest, ReopenAfterRenameWritesTheNewFile) {
  const std::string path = dir_ + "/rotated.log";
  const std::string old_path = path + ".1";
  std::remove(path.c_str());
  std::remove(old_path.c_str());
  auto file = AccessLogFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  WriteLine(*file, "/before");
  Settle();
  ASSERT_EQ(std::rename(path.c_str(), old_path.c_str()), 0);
  WriteLine(*file, "/renamed");  // still the old file: not reopened yet
  Settle();
  ASSERT_TRUE((*file)->Reopen().ok());
  WriteLine(*file, "/after");
  Settle();
  const std::string old_text = ReadAll(old_path);
  const std::string new_text = ReadAll(path);
  EXPECT_EQ(CountLines(old_text), 2u);
  EXPECT_NE(old_text.find("/before"), std::string::npos);
  EXPECT_NE(old_text.find("/renamed"), std::string::npos);
  EXPECT_EQ(CountLines(new_text), 1u);
  EXPECT_NE(new_text.find("/after"), std::string::npos);
}

// A disk that takes nothing: the write fails, is counted, the lines are
// gone and the writer goes on.
TEST_F(AccessLogWriterTest, FailedWriteIsCountedAndLinesDropped) {
  auto file = AccessLogFile::Open("/dev/full");
  ASSERT_TRUE(file.ok()) << file.status();
  WriteLine(*file, "/lost");
  Settle();
  EXPECT_EQ(Count(stats::Counter::kAccessLogWriteErrors), 1u);
  WriteLine(*file, "/lost-too");
  Settle();
  EXPECT_EQ(Count(stats::Counter::kAccessLogWriteErrors), 2u);
}

// Lines for a file whose writes cannot keep up are bounded: past
// kMaxBufferedBytes waiting they are dropped and counted.
TEST_F(AccessLogWriterTest, BacklogIsBounded) {
  const std::string path = dir_ + "/bounded.log";
  std::remove(path.c_str());
  auto file = AccessLogFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  const std::string long_path(1000, 'p');
  const int lines = 3 * AccessLogWriter::kMaxBufferedBytes / 1000;
  for (int i = 0; i < lines; ++i) WriteLine(*file, long_path);
  const uint64_t dropped = Count(stats::Counter::kAccessLogDropped);
  const uint64_t queued = Count(stats::Counter::kAccessLogLines);
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(queued + dropped, static_cast<uint64_t>(lines));
  Settle();
  EXPECT_EQ(CountLines(ReadAll(path)), queued);
}

// Standard output that is a pipe or socket (journald, a log shipper):
// several shards write to it at once, and only writes of at most PIPE_BUF
// are atomic there, so each write is whole lines within that size. A
// SEQPACKET socket on fd 1 shows each write as one packet.
TEST_F(AccessLogWriterTest, WritesToAPipeAreWholeLinesWithinPipeBuf) {
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
  const int saved_stdout = dup(STDOUT_FILENO);
  ASSERT_GE(dup2(pair[0], STDOUT_FILENO), 0);
  auto file = AccessLogFile::Open("stdout");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE((*file)->small_atomic_writes());
  const int lines = 40;  // ~600 bytes each: 24 KiB in all
  for (int i = 0; i < lines; ++i)
    WriteLine(*file, std::string(300, 'a' + i % 26));
  Settle();
  dup2(saved_stdout, STDOUT_FILENO);
  close(saved_stdout);
  close(pair[0]);
  int packets = 0;
  size_t seen_lines = 0;
  char packet[64 * 1024];
  ssize_t n;
  while ((n = recv(pair[1], packet, sizeof(packet), MSG_DONTWAIT)) > 0) {
    ++packets;
    const std::string_view text(packet, static_cast<size_t>(n));
    EXPECT_LE(text.size(), static_cast<size_t>(PIPE_BUF));
    EXPECT_EQ(text.back(), '\n') << "a write ends inside a line";
    seen_lines += CountLines(std::string(text));
  }
  close(pair[1]);
  EXPECT_EQ(seen_lines, static_cast<size_t>(lines));
  EXPECT_GT(packets, 1);
}

TEST(AccessLogFileTest, OpenErrorNamesThePath) {
  auto file = AccessLogFile::Open("/nonexistent-dir/access.log");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("/nonexistent-dir/access.log"),
            std::string::npos)
      << file.status();
}

}  // namespace
}  // namespace ringway::accesslog
