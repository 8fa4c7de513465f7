#include "daemon/storage/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/check.h"
#include "common/framing.h"
#include "common/files.h"

namespace slamon::storage {
namespace {

constexpr absl::string_view kSegmentPrefix = "log-";
constexpr absl::string_view kSegmentSuffix = ".wal";

std::string SegmentName(uint64_t first_seq) {
  return absl::StrFormat("%s%020d%s", kSegmentPrefix, first_seq, kSegmentSuffix);
}

const char* DamageName(FrameResult read) {
  switch (read) {
    case FrameResult::kTornHeader: return "torn record header";
    case FrameResult::kTorn: return "torn record";
    case FrameResult::kChecksum: return "checksum mismatch";
    case FrameResult::kOk: break;
  }
  SLAMON_CHECK(false && "not damage");
  return "";
}

}  // namespace

absl::StatusOr<LogScan> ReadLog(
    const std::string& dir, uint64_t after,
    const std::function<absl::Status(uint64_t seq, RecordType type, absl::string_view payload)>& record) {
  SLAMON_ASSIGN_OR_RETURN(const std::vector<NumberedFile> segments, ListNumbered(dir, kSegmentPrefix, kSegmentSuffix));
  LogScan scan;
  uint64_t expected = 0;  // the next sequence number, once known
  for (size_t s = 0; s < segments.size(); ++s) {
    const std::string path = absl::StrCat(dir, "/", segments[s].name);
    SLAMON_ASSIGN_OR_RETURN(const std::string data, ReadWholeFile(path));
    if (expected == 0) expected = segments[s].number;
    size_t offset = 0;
    std::string damage;
    if (segments[s].number != expected && !data.empty()) {
      damage = absl::StrCat("segment ", segments[s].name, " starts at record ", segments[s].number, ", expected ",
                            expected);
    }
    while (damage.empty() && offset < data.size()) {
      Frame frame;
      if (const FrameResult read = ReadFrame(absl::string_view(data).substr(offset), &frame);
          read != FrameResult::kOk) {
        damage = absl::StrCat(DamageName(read), " at byte ", offset, " of ", segments[s].name);
        break;
      }
      if (frame.sequence != expected) {
        damage = absl::StrCat("record ", frame.sequence, " where record ", expected,
                              " was expected, at byte ", offset, " of ", segments[s].name);
        break;
      }
      if (frame.sequence > after) {
        SLAMON_RETURN_IF_ERROR(record(frame.sequence, static_cast<RecordType>(frame.type), frame.payload));
        scan.records += 1;
      }
      scan.last_seq = frame.sequence;
      expected = frame.sequence + 1;
      offset += frame.size;
    }
    if (damage.empty()) continue;
    // Cut here: this segment at the last good record, every later one whole.
    scan.damaged = true;
    scan.damage = damage;
    scan.dropped_bytes += data.size() - offset;
    SLAMON_RETURN_IF_ERROR(TruncateFile(path, offset));
    for (size_t later = s + 1; later < segments.size(); ++later) {
      const std::string later_path = absl::StrCat(dir, "/", segments[later].name);
      SLAMON_ASSIGN_OR_RETURN(const uint64_t size, FileSize(later_path));
      scan.dropped_bytes += size;
      SLAMON_RETURN_IF_ERROR(RemoveFile(later_path));
    }
    SLAMON_RETURN_IF_ERROR(SyncDir(dir));
    break;
  }
  return scan;
}

absl::Status DeleteLog(const std::string& dir) {
  SLAMON_ASSIGN_OR_RETURN(const std::vector<NumberedFile> segments, ListNumbered(dir, kSegmentPrefix, kSegmentSuffix));
  for (const NumberedFile& f : segments) SLAMON_RETURN_IF_ERROR(RemoveFile(absl::StrCat(dir, "/", f.name)));
  return SyncDir(dir);
}

LogWriter::LogWriter(std::string dir, uint64_t last_seq, Options options)
    : dir_(std::move(dir)), options_(options), appended_(last_seq), durable_(last_seq) {}

absl::StatusOr<std::unique_ptr<LogWriter>> LogWriter::Open(const std::string& dir, uint64_t last_seq,
                                                           Options options) {
  SLAMON_ASSIGN_OR_RETURN(const std::vector<NumberedFile> segments, ListNumbered(dir, kSegmentPrefix, kSegmentSuffix));
  std::unique_ptr<LogWriter> writer(new LogWriter(dir, last_seq, options));
  for (const NumberedFile& f : segments) {
    // A leftover empty segment where the next one would start is reused.
    if (f.number <= last_seq) writer->segments_.emplace_back(f.number, absl::StrCat(dir, "/", f.name));
  }
  writer->thread_ = std::thread([w = writer.get()] { w->Run(); });
  return writer;
}

LogWriter::~LogWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (fd_ >= 0) close(fd_);
}

uint64_t LogWriter::Append(RecordType type, absl::string_view head, absl::string_view body) {
  std::lock_guard lock(mu_);
  const uint64_t seq = ++appended_;
  if (pending_.empty()) pending_first_ = seq;
  AppendFrame(pending_, seq, static_cast<uint8_t>(type), head, body);
  wake_.notify_one();
  return seq;
}

void LogWriter::WhenDurable(uint64_t seq, Done done) {
  absl::Status now;
  {
    std::lock_guard lock(mu_);
    if (seq > durable_ && status_.ok()) {
      waiters_.emplace_back(seq, std::move(done));
      return;
    }
    now = seq <= durable_ ? absl::OkStatus() : status_;
  }
  done(now);
}

absl::Status LogWriter::Sync() {
  std::unique_lock lock(mu_);
  const uint64_t target = appended_;
  durable_cv_.wait(lock, [&] { return durable_ >= target || !status_.ok(); });
  return durable_ >= target ? absl::OkStatus() : status_;
}

absl::Status LogWriter::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

uint64_t LogWriter::last_seq() const {
  std::lock_guard lock(mu_);
  return appended_;
}

uint64_t LogWriter::bytes_written() const {
  std::lock_guard lock(mu_);
  return bytes_written_;
}

uint64_t LogWriter::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

void LogWriter::DropThrough(uint64_t seq) {
  std::vector<std::string> doomed;
  {
    std::lock_guard lock(mu_);
    // A segment ends where the next begins; the newest is never dropped.
    while (segments_.size() >= 2 && segments_[1].first - 1 <= seq) {
      doomed.push_back(segments_.front().second);
      segments_.erase(segments_.begin());
    }
  }
  for (const std::string& path : doomed) (void)RemoveFile(path);  // a leftover is read and skipped
}

absl::Status LogWriter::OpenSegment(uint64_t first_seq) {
  const std::string path = absl::StrCat(dir_, "/", SegmentName(first_seq));
  SLAMON_ASSIGN_OR_RETURN(const int fd, CreateFile(path));
  SLAMON_RETURN_IF_ERROR(SyncDir(dir_));  // the new name must survive a crash too
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
  segment_path_ = path;
  segment_size_ = 0;
  std::lock_guard lock(mu_);
  if (segments_.empty() || segments_.back().first != first_seq) segments_.emplace_back(first_seq, path);
  return absl::OkStatus();
}

absl::Status LogWriter::Commit(const std::string& group, uint64_t first_seq) {
  if (fd_ < 0 || segment_size_ >= options_.segment_bytes) SLAMON_RETURN_IF_ERROR(OpenSegment(first_seq));
  absl::Status s = WriteAll(fd_, group, segment_path_);
  if (s.ok() && options_.sync) s = SyncFile(fd_, segment_path_);
  if (!s.ok()) {
    // Cut what a partial write left (after a failed fsync the kernel may have
    // dropped the pages), so that the retry writes the whole group again.
    CutBack(fd_, segment_size_);
    return s;
  }
  segment_size_ += group.size();
  return absl::OkStatus();
}

void LogWriter::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) break;  // stopping, and everything is committed
    std::string group = std::move(pending_);
    pending_.clear();
    const uint64_t first = pending_first_;
    const uint64_t last = appended_;
    lock.unlock();
    const absl::Status committed = Commit(group, first);
    lock.lock();
    std::vector<std::pair<uint64_t, Done>> ready;
    if (committed.ok()) {
      status_ = absl::OkStatus();
      durable_ = last;
      bytes_written_ += group.size();
      commits_ += 1;
      while (!waiters_.empty() && waiters_.front().first <= durable_) {
        ready.push_back(std::move(waiters_.front()));
        waiters_.pop_front();
      }
    } else {
      status_ = committed;
      // Keep the group to retry it; its waiters (and later ones) are told
      // now: their batches are not acknowledged and will be sent again.
      pending_.insert(0, group);
      pending_first_ = first;
      while (!waiters_.empty()) {
        ready.push_back(std::move(waiters_.front()));
        waiters_.pop_front();
      }
    }
    durable_cv_.notify_all();
    lock.unlock();
    for (auto& [seq, done] : ready) done(committed);
    lock.lock();
    if (!committed.ok()) {
      if (stopping_) break;
      wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
      if (stopping_) break;
    }
  }
}

}  // namespace slamon::storage
