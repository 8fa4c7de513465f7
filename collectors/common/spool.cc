#include "collectors/common/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/coding.h"
#include "common/files.h"
#include "common/framing.h"

namespace slamon::collectors {
namespace {

constexpr absl::string_view kPrefix = "spool-";
constexpr absl::string_view kSuffix = ".dat";
constexpr uint8_t kBatchRecord = 1;  // the frame type of a spooled batch
constexpr uint64_t kSegmentBytes = 8 << 20;


// Tags then the batch: count (8) | tags (8 each) for events, then records.
std::string EncodeBody(const SpooledBatch& batch) {
  std::string out;
  for (const auto* tags : {&batch.event_tags, &batch.record_tags}) {
    PutFixed(out, tags->size(), 8);
    for (uint64_t t : *tags) PutFixed(out, t, 8);
  }
  batch.message.AppendToString(&out);
  return out;
}

absl::StatusOr<SpooledBatch> DecodeBody(absl::string_view body) {
  SpooledBatch batch;
  for (auto* tags : {&batch.event_tags, &batch.record_tags}) {
    if (body.size() < 8) return absl::DataLossError("spool record too short");
    const uint64_t n = GetFixed(body, 8);
    body.remove_prefix(8);
    if (n > body.size() / 8) return absl::DataLossError("spool record tag count out of range");
    for (uint64_t i = 0; i < n; ++i, body.remove_prefix(8)) tags->push_back(GetFixed(body, 8));
  }
  if (!batch.message.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return absl::DataLossError("spooled batch does not parse");
  }
  return batch;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Spool>> Spool::Open(const std::string& dir, uint64_t max_bytes) {
  SLAMON_RETURN_IF_ERROR(EnsureWritableDir(dir));
  std::unique_ptr<Spool> spool(new Spool(dir, max_bytes));
  const std::string acked_path = dir + "/acked";
  if (absl::StatusOr<std::string> acked = ReadWholeFile(acked_path); acked.ok()) {
    if (!absl::SimpleAtoi(*acked, &spool->acked_)) return absl::DataLossError(acked_path + ": not a number");
  }
  spool->last_ = spool->acked_;
  SLAMON_ASSIGN_OR_RETURN(const std::vector<NumberedFile> files, ListNumbered(dir, kPrefix, kSuffix));
  for (const NumberedFile& f : files) {
    const std::string path = absl::StrCat(dir, "/", f.name);
    SLAMON_ASSIGN_OR_RETURN(const std::string data, ReadWholeFile(path));
    spool->segments_.push_back({f.number, path});
    uint64_t offset = 0;
    Frame frame;
    while (offset < data.size() && ReadFrame(absl::string_view(data).substr(offset), &frame) == FrameResult::kOk) {
      if (frame.sequence > spool->acked_) {
        spool->entries_.push_back({frame.sequence, spool->segments_.size() - 1, offset,
                                   static_cast<uint32_t>(frame.size)});
        spool->bytes_ += frame.size;
      }
      spool->last_ = std::max(spool->last_, frame.sequence);
      offset += frame.size;
    }
    if (offset < data.size()) SLAMON_RETURN_IF_ERROR(TruncateFile(path, offset));  // a torn tail
  }
  return spool;
}

Spool::~Spool() {
  (void)WriteFileAtomically(dir_ + "/acked", absl::StrCat(acked_));
  if (fd_ >= 0) {
    (void)SyncFile(fd_, segments_.back().path);
    close(fd_);
  }
}

absl::Status Spool::StartSegment(uint64_t first) {
  const std::string path = absl::StrFormat("%s/%s%020d%s", dir_, kPrefix, first, kSuffix);
  SLAMON_ASSIGN_OR_RETURN(const int fd, CreateFile(path));
  if (fd_ >= 0) {
    (void)SyncFile(fd_, segments_.back().path);
    close(fd_);
  }
  fd_ = fd;
  segment_size_ = 0;
  segments_.push_back({first, path});
  return SyncDir(dir_);
}

absl::Status Spool::Append(const SpooledBatch& batch) {
  const uint64_t sequence = last_ + 1;
  if (fd_ < 0 || segment_size_ >= kSegmentBytes) SLAMON_RETURN_IF_ERROR(StartSegment(sequence));
  std::string record;
  AppendFrame(record, sequence, kBatchRecord, EncodeBody(batch));
  if (absl::Status s = WriteAll(fd_, record, segments_.back().path); !s.ok()) {
    CutBack(fd_, segment_size_);
    return s;
  }
  entries_.push_back({sequence, dropped_segments_ + segments_.size() - 1, segment_size_,
                      static_cast<uint32_t>(record.size())});
  segment_size_ += record.size();
  bytes_ += record.size();
  last_ = sequence;
  return absl::OkStatus();
}

absl::StatusOr<SpooledBatch> Spool::Read(uint64_t sequence) const {
  // By search, not by offset: a damaged record cut at open leaves a hole.
  const auto it = std::lower_bound(entries_.begin(), entries_.end(), sequence,
                                   [](const Entry& e, uint64_t s) { return e.sequence < s; });
  if (it == entries_.end() || it->sequence != sequence) {
    return absl::NotFoundError(absl::StrCat("batch ", sequence, " is not in the spool"));
  }
  const Entry& e = *it;
  const std::string& path = segments_[e.segment - dropped_segments_].path;
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(errno, "cannot open", path);
  std::string record(e.length, '\0');
  if (pread(fd.get(), record.data(), record.size(), static_cast<off_t>(e.offset)) != static_cast<ssize_t>(e.length)) {
    return ErrnoStatus(errno, "cannot read", path);
  }
  Frame frame;
  if (ReadFrame(record, &frame) != FrameResult::kOk || frame.sequence != sequence) {
    return absl::DataLossError(absl::StrCat(path, ": batch ", sequence, " fails its checksum"));
  }
  return DecodeBody(frame.payload);
}

absl::Status Spool::Ack(uint64_t sequence) {
  while (!entries_.empty() && entries_.front().sequence <= sequence) {
    bytes_ -= entries_.front().length;
    entries_.pop_front();
  }
  acked_ = std::max(acked_, sequence);
  // Segments before the one holding the oldest unacknowledged batch go.
  const size_t keep_from = entries_.empty() ? dropped_segments_ + segments_.size() - 1 : entries_.front().segment;
  while (dropped_segments_ < keep_from && segments_.size() > 1) {
    SLAMON_RETURN_IF_ERROR(RemoveFile(segments_.front().path));
    segments_.pop_front();
    dropped_segments_ += 1;
  }
  if (absl::Now() - acked_written_ < absl::Milliseconds(200)) return absl::OkStatus();
  acked_written_ = absl::Now();
  return WriteFileAtomically(dir_ + "/acked", absl::StrCat(acked_));
}

absl::Status Spool::Sync() { return fd_ >= 0 ? SyncFile(fd_, segments_.back().path) : absl::OkStatus(); }

}  // namespace slamon::collectors
