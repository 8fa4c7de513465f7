// The write-ahead log: records come back as written, in order; a torn or
// corrupt tail is cut at the last good record and the log goes on from there.
#include "daemon/storage/log.h"

#include <fstream>
#include <sys/resource.h>

#include <csignal>
#include <future>
#include <thread>

#include "absl/strings/str_format.h"

#include "common/files.h"
#include "common/framing.h"
#include "gtest/gtest.h"
#include "tests/temp_dir.h"

namespace slamon::storage {
namespace {

using testing::TempDir;

struct Read {
  std::vector<std::pair<uint64_t, std::string>> records;
  LogScan scan;
};

Read ReadAll(const std::string& dir, uint64_t after = 0) {
  Read out;
  absl::StatusOr<LogScan> scan = ReadLog(dir, after, [&](uint64_t seq, RecordType type, absl::string_view payload) {
    EXPECT_EQ(type, RecordType::kBatch);
    out.records.emplace_back(seq, std::string(payload));
    return absl::OkStatus();
  });
  EXPECT_TRUE(scan.ok()) << scan.status();
  if (scan.ok()) out.scan = *scan;
  return out;
}

void WriteRecords(const std::string& dir, uint64_t last_seq, const std::vector<std::string>& payloads,
                  LogWriter::Options options = {}) {
  auto writer = LogWriter::Open(dir, last_seq, options);
  ASSERT_TRUE(writer.ok()) << writer.status();
  for (const std::string& p : payloads) (*writer)->Append(RecordType::kBatch, p);
  ASSERT_TRUE((*writer)->Sync().ok());
}

std::string OnlySegment(const std::string& dir) {
  auto files = ListNumbered(dir, "log-", ".wal");
  EXPECT_TRUE(files.ok() && files->size() == 1);
  return dir + "/" + files->front().name;
}

TEST(LogTest, RecordsComeBackInOrderAndDurableCallbacksRun) {
  TempDir dir;
  auto writer = LogWriter::Open(dir.path(), 0, {});
  ASSERT_TRUE(writer.ok());
  EXPECT_EQ((*writer)->Append(RecordType::kBatch, "head-", "one"), 1u);
  EXPECT_EQ((*writer)->Append(RecordType::kBatch, "two"), 2u);
  std::promise<absl::Status> durable;
  (*writer)->WhenDurable(2, [&](const absl::Status& s) { durable.set_value(s); });
  EXPECT_TRUE(durable.get_future().get().ok());
  writer->reset();
  const Read r = ReadAll(dir.path());
  EXPECT_EQ(r.records, (std::vector<std::pair<uint64_t, std::string>>{{1, "head-one"}, {2, "two"}}));
  EXPECT_EQ(r.scan.last_seq, 2u);
  EXPECT_FALSE(r.scan.damaged);
}

TEST(LogTest, TornTailIsCutAndTheLogContinuesAfterTheLastGoodRecord) {
  TempDir dir;
  WriteRecords(dir.path(), 0, {"a", "b", "c"});
  const std::string segment = OnlySegment(dir.path());
  const uint64_t good_size = *FileSize(segment);
  EXPECT_EQ(good_size, 3 * (kFrameHeaderBytes + 1));
  std::ofstream(segment, std::ios::app) << std::string(10, '\x7f');  // half a header

  Read r = ReadAll(dir.path());
  EXPECT_EQ(r.records.size(), 3u);
  EXPECT_TRUE(r.scan.damaged);
  EXPECT_EQ(r.scan.damage, "torn record header at byte 54 of log-00000000000000000001.wal");
  EXPECT_EQ(r.scan.dropped_bytes, 10u);
  EXPECT_EQ(*FileSize(segment), good_size);

  WriteRecords(dir.path(), r.scan.last_seq, {"d"});
  r = ReadAll(dir.path());
  EXPECT_FALSE(r.scan.damaged);
  EXPECT_EQ(r.records.back(), (std::pair<uint64_t, std::string>{4, "d"}));
}

TEST(LogTest, FlippedByteCutsTheLogAtTheRecordItDamaged) {
  TempDir dir;
  WriteRecords(dir.path(), 0, {"first", "second", "third"});
  const std::string segment = OnlySegment(dir.path());
  std::string data = *ReadWholeFile(segment);
  const size_t second = kFrameHeaderBytes + 5;
  data[second + kFrameHeaderBytes + 2] ^= 0x01;  // inside "second"
  ASSERT_TRUE(WriteFileAtomically(segment, data).ok());

  const Read r = ReadAll(dir.path());
  EXPECT_EQ(r.records, (std::vector<std::pair<uint64_t, std::string>>{{1, "first"}}));
  EXPECT_EQ(r.scan.damage, "checksum mismatch at byte 22 of log-00000000000000000001.wal");
  EXPECT_EQ(r.scan.dropped_bytes, data.size() - second);
}

// Every type this build writes reads back, and so does a type it does not
// know (a newer slamond's, read after a rollback) with the records after
// it: its checksum holds, so it is no damage, and its reader skips it. A
// record out of sequence is damage: the log ends there.
TEST(LogTest, ARecordOfAnUnknownTypeIsHandedOnAndTheLogGoesOn) {
  TempDir dir;
  {
    auto writer = LogWriter::Open(dir.path(), 0, {});
    ASSERT_TRUE(writer.ok());
    for (RecordType type : {RecordType::kBatch, RecordType::kTick, RecordType::kPolicies, RecordType::kEndWaits}) {
      (*writer)->Append(type, "x");
    }
    ASSERT_TRUE((*writer)->Sync().ok());
  }
  std::string appended;
  AppendFrame(appended, 5, 9, "y");
  AppendFrame(appended, 6, static_cast<uint8_t>(RecordType::kBatch), "z");
  AppendFrame(appended, 8, static_cast<uint8_t>(RecordType::kBatch), "gap");
  const std::string segment = OnlySegment(dir.path());
  std::ofstream(segment, std::ios::app) << appended;

  std::vector<std::pair<int, std::string>> records;
  absl::StatusOr<LogScan> scan = ReadLog(dir.path(), 0, [&](uint64_t, RecordType type, absl::string_view payload) {
    records.emplace_back(static_cast<int>(type), std::string(payload));
    return absl::OkStatus();
  });
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(records,
            (std::vector<std::pair<int, std::string>>{{1, "x"}, {2, "x"}, {3, "x"}, {4, "x"}, {9, "y"}, {1, "z"}}));
  EXPECT_EQ(scan->last_seq, 6u);
  EXPECT_EQ(scan->damage, "record 8 where record 7 was expected, at byte 108 of log-00000000000000000001.wal");
  EXPECT_EQ(scan->dropped_bytes, kFrameHeaderBytes + 3);
}

TEST(LogTest, SegmentsRotateAndDropThroughDeletesOnlyWhollyOlderOnes) {
  TempDir dir;
  // Each record is 17 + 7 bytes; a segment takes new records until it
  // holds 48 bytes or more, so two records per segment.
  auto writer = LogWriter::Open(dir.path(), 0, {.segment_bytes = 48});
  ASSERT_TRUE(writer.ok());
  for (int i = 1; i <= 5; ++i) {
    (*writer)->Append(RecordType::kBatch, absl::StrFormat("record%d", i));
    ASSERT_TRUE((*writer)->Sync().ok());  // one commit each, so rotation is exact
  }
  auto files = ListNumbered(dir.path(), "log-", ".wal");
  ASSERT_TRUE(files.ok());
  std::vector<uint64_t> firsts;
  for (const auto& f : *files) firsts.push_back(f.number);
  EXPECT_EQ(firsts, (std::vector<uint64_t>{1, 3, 5}));

  (*writer)->DropThrough(3);  // segment 1-2 goes; 3-4 still holds record 4
  files = ListNumbered(dir.path(), "log-", ".wal");
  EXPECT_EQ(files->size(), 2u);
  writer->reset();
  const Read r = ReadAll(dir.path(), 3);
  EXPECT_EQ(r.records, (std::vector<std::pair<uint64_t, std::string>>{{4, "record4"}, {5, "record5"}}));
}

TEST(LogTest, DamageInAnOlderSegmentDropsEveryLaterOne) {
  TempDir dir;
  {
    auto writer = LogWriter::Open(dir.path(), 0, {.segment_bytes = 1});
    ASSERT_TRUE(writer.ok());
    for (const char* p : {"a", "b", "c"}) {
      (*writer)->Append(RecordType::kBatch, p);
      ASSERT_TRUE((*writer)->Sync().ok());
    }
  }
  const std::string second = dir.path() + "/log-00000000000000000002.wal";
  ASSERT_TRUE(TruncateFile(second, 5).ok());
  const Read r = ReadAll(dir.path());
  EXPECT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.scan.dropped_bytes, 5 + kFrameHeaderBytes + 1);
  EXPECT_EQ(ListNumbered(dir.path(), "log-", ".wal")->size(), 2u);  // the third is gone
}

// A file size limit stands in for a full disk: writes fail with EFBIG.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limited = saved_;
    limited.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~FileSizeLimit() { Lift(); }
  void Lift() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_handler_);
  }

 private:
  rlimit saved_;
  void (*previous_handler_)(int);
};

TEST(LogTest, FailedWritesAreReportedRetriedAndRecoveredFrom) {
  TempDir dir;
  auto writer = LogWriter::Open(dir.path(), 0, {});
  ASSERT_TRUE(writer.ok());
  ASSERT_EQ((*writer)->Append(RecordType::kBatch, std::string(100, 'a')), 1u);
  ASSERT_TRUE((*writer)->Sync().ok());
  {
    FileSizeLimit limit(200);  // the segment holds 117 bytes; the next record does not fit
    (*writer)->Append(RecordType::kBatch, std::string(100, 'b'));
    std::promise<absl::Status> durable;
    (*writer)->WhenDurable(2, [&](const absl::Status& s) { durable.set_value(s); });
    const absl::Status failed = durable.get_future().get();
    EXPECT_EQ(failed.code(), absl::StatusCode::kResourceExhausted) << failed;
    EXPECT_EQ((*writer)->status().code(), absl::StatusCode::kResourceExhausted);
    EXPECT_EQ(*FileSize(OnlySegment(dir.path())), kFrameHeaderBytes + 100);  // the partial write was cut
  }
  // The writer retries the failed group every second and recovers.
  for (int i = 0; i < 30 && !(*writer)->status().ok(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE((*writer)->status().ok());
  EXPECT_TRUE((*writer)->Sync().ok());
  writer->reset();
  const Read r = ReadAll(dir.path());
  EXPECT_EQ(r.records, (std::vector<std::pair<uint64_t, std::string>>{{1, std::string(100, 'a')},
                                                                       {2, std::string(100, 'b')}}));
}

TEST(FilesTest, FullDiskIsResourceExhaustedAndNamesThePath) {
  const absl::Status s = ErrnoStatus(ENOSPC, "cannot write", "/data/log-1.wal");
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "/data/log-1.wal: cannot write: No space left on device");
}

TEST(FilesTest, DataDirUnderARegularFileIsRefusedWithItsPath) {
  TempDir dir;
  const std::string file = dir.Write("plain", "x");
  const absl::Status s = EnsureWritableDir(file + "/data");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), file + "/data: cannot create the data directory: Not a directory");
}

}  // namespace
}  // namespace slamon::storage
