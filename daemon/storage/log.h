// The write-ahead log: numbered records in segment files
// (log-<first sequence number>.wal), each a checksummed frame
// (common/framing.h) whose type is a RecordType. A writer thread commits
// appended records in groups: one write and one fdatasync for whatever
// accumulated while the previous group was being synced, so that many
// concurrent batches share each fsync.
#ifndef SLAMON_DAEMON_STORAGE_LOG_H_
#define SLAMON_DAEMON_STORAGE_LOG_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace slamon::storage {

// A record of another type (a newer slamond's, read after a rollback) is
// still handed on: its checksum shows it is no damage, and cutting the log
// there would lose every record after it. Its reader skips it.
enum class RecordType : uint8_t { kBatch = 1, kTick = 2, kPolicies = 3, kEndWaits = 4 };

// What reading the log found.
struct LogScan {
  uint64_t last_seq = 0;      // of the last good record (0 when none)
  uint64_t records = 0;       // good records handed to the callback
  // A torn or corrupt tail: where it began and how much was cut. Later
  // segments are dropped too: records after a hole cannot be applied.
  bool damaged = false;
  std::string damage;         // what was wrong, for the log line
  uint64_t dropped_bytes = 0;
};

// Reads every record with a sequence number above `after`, in order, and
// cuts a damaged tail (truncating its segment at the last good record and
// deleting later segments) so that the writer can continue from a clean end.
// Fails only on I/O errors, never on damaged content.
absl::StatusOr<LogScan> ReadLog(
    const std::string& dir, uint64_t after,
    const std::function<absl::Status(uint64_t seq, RecordType type, absl::string_view payload)>& record);

// Deletes every segment. For a log that ends before the snapshot recovery
// used (its tail was cut): all it holds is in the snapshot, and new records
// must not follow a hole.
absl::Status DeleteLog(const std::string& dir);

class LogWriter {
 public:
  struct Options {
    size_t segment_bytes = 64 << 20;  // start a new segment past this size
    bool sync = true;                 // fdatasync each group (off only in benchmarks)
  };
  using Done = std::function<void(const absl::Status&)>;

  // Appends after `last_seq` (what ReadLog found) in `dir`, which exists.
  static absl::StatusOr<std::unique_ptr<LogWriter>> Open(const std::string& dir, uint64_t last_seq,
                                                         Options options);
  ~LogWriter();  // commits what was appended, then stops

  // Queues a record (payload = head + body) for the next group commit;
  // returns its sequence number. Callers order their appends themselves
  // (the Journal holds a lock).
  uint64_t Append(RecordType type, absl::string_view head, absl::string_view body = {});
  // Runs `done` once `seq` is durable, or with the error that stopped it;
  // on the writer thread, or at once if already decided.
  void WhenDurable(uint64_t seq, Done done);
  // Blocks until everything appended so far is durable (or failed).
  absl::Status Sync();
  // OK, or why the log cannot take records now (the last commit failed;
  // the writer retries it every second). RESOURCE_EXHAUSTED for a full disk.
  absl::Status status() const;
  // Deletes segments whose records all have sequence numbers <= seq.
  void DropThrough(uint64_t seq);

  uint64_t last_seq() const;
  uint64_t bytes_written() const;
  uint64_t commits() const;

 private:
  LogWriter(std::string dir, uint64_t last_seq, Options options);
  void Run();
  absl::Status Commit(const std::string& group, uint64_t first_seq);
  absl::Status OpenSegment(uint64_t first_seq);

  const std::string dir_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable durable_cv_;
  std::string pending_;             // framed records not yet written
  uint64_t pending_first_ = 0;      // sequence number of pending_'s first record
  uint64_t appended_ = 0;           // last sequence number appended
  uint64_t durable_ = 0;            // last sequence number on disk
  absl::Status status_;
  std::deque<std::pair<uint64_t, Done>> waiters_;
  bool stopping_ = false;
  uint64_t bytes_written_ = 0;
  uint64_t commits_ = 0;
  // Writer thread only.
  int fd_ = -1;
  std::string segment_path_;
  size_t segment_size_ = 0;
  std::vector<std::pair<uint64_t, std::string>> segments_;  // (first seq, path), oldest first; guarded by mu_
  std::thread thread_;
};

}  // namespace slamon::storage

#endif  // SLAMON_DAEMON_STORAGE_LOG_H_
