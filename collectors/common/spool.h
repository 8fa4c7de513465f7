// A collector's on-disk spool: sealed batches are written here before they
// are sent, and forgotten once the daemon acknowledges them. Events produced
// while the daemon is down wait here (up to a size bound), survive a
// collector restart, and are sent later in order; the daemon counts any
// batch sent twice once.
//
// In the directory: spool-<first batch>.dat segments of checksummed frames
// (common/framing.h) numbered by batch sequence, each holding
//   item tags | EventBatch
// and `acked`, the highest acknowledged batch sequence (rewritten at most
// every 200 ms and at close; if it is stale after a crash, acknowledged
// batches are sent again and the daemon counts them as duplicates).
#ifndef SLAMON_COLLECTORS_COMMON_SPOOL_H_
#define SLAMON_COLLECTORS_COMMON_SPOOL_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "slamon/v1/ingest.pb.h"

namespace slamon::collectors {

// A sealed batch with the caller's tag for each item (to name a rejected
// item, e.g. by its input line).
struct SpooledBatch {
  v1::EventBatch message;
  std::vector<uint64_t> event_tags;
  std::vector<uint64_t> record_tags;
};

class Spool {
 public:
  // Opens (or creates) the spool in `dir`. A torn last record (a crash
  // mid-write) is cut; everything before it is kept.
  static absl::StatusOr<std::unique_ptr<Spool>> Open(const std::string& dir, uint64_t max_bytes);
  ~Spool();

  // Batches written, not acknowledged: sequence numbers first..last
  // (empty when first > last).
  uint64_t first_unacked() const { return acked_ + 1; }
  uint64_t last() const { return last_; }
  uint64_t bytes() const { return bytes_; }
  bool full() const { return bytes_ >= max_bytes_; }

  // Writes a batch whose sequence is last() + 1.
  absl::Status Append(const SpooledBatch& batch);
  // Reads back an unacknowledged batch.
  absl::StatusOr<SpooledBatch> Read(uint64_t sequence) const;
  // Forgets every batch up to `sequence`.
  absl::Status Ack(uint64_t sequence);
  // Makes what was appended survive a machine crash (fdatasync).
  absl::Status Sync();

 private:
  struct Entry {
    uint64_t sequence;
    size_t segment;  // index into segments_
    uint64_t offset;
    uint32_t length;  // of the whole record
  };
  struct Segment {
    uint64_t first;
    std::string path;
  };
  Spool(std::string dir, uint64_t max_bytes) : dir_(std::move(dir)), max_bytes_(max_bytes) {}
  absl::Status StartSegment(uint64_t first);

  const std::string dir_;
  const uint64_t max_bytes_;
  std::deque<Segment> segments_;  // oldest first; the last one is being written
  size_t dropped_segments_ = 0;   // segments_ indices are offset by this
  std::deque<Entry> entries_;     // unacknowledged batches, in order
  uint64_t acked_ = 0;
  uint64_t last_ = 0;
  uint64_t bytes_ = 0;  // of unacknowledged records
  int fd_ = -1;
  uint64_t segment_size_ = 0;
  absl::Time acked_written_ = absl::InfinitePast();
};

}  // namespace slamon::collectors

#endif  // SLAMON_COLLECTORS_COMMON_SPOOL_H_
