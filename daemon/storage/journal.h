// Durability for the engine: every change to engine state (a batch, a tick,
// a policy reload) is logged and takes its engine turn in one order, and
// each engine shard applies its changes in that order, so that replaying
// the log over the newest snapshot rebuilds the state exactly.
//
// In the data directory:
//   log-<first seq>.wal         the write-ahead log (log.h)
//   snapshot-<seq>.state        engine state after record <seq>:
//                               magic | seq | length | crc32c | state
// The two newest snapshots are kept, and the log back to the older of them,
// so that a damaged newest snapshot still leaves an exact way back.
#ifndef SLAMON_DAEMON_STORAGE_JOURNAL_H_
#define SLAMON_DAEMON_STORAGE_JOURNAL_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/engine/engine.h"
#include "daemon/storage/log.h"

namespace slamon::storage {

struct JournalOptions {
  std::string dir;
  // A snapshot is taken when either is reached since the last one.
  absl::Duration snapshot_every = absl::Minutes(5);
  uint64_t snapshot_log_bytes = 256 << 20;
  LogWriter::Options log;
};

// What Open found and did, for the operator's log and for metrics.
struct RecoveryReport {
  uint64_t snapshot_seq = 0;  // 0: started without a snapshot
  uint64_t snapshot_bytes = 0;
  // Snapshots that could not be used (damaged or unreadable), with why.
  std::vector<std::string> skipped_snapshots;
  LogScan log;
  // Records missing between the snapshot and the log (both damaged or
  // deleted): replay goes on after the hole, and this says what was lost.
  std::string gap;
  // Records that passed their checksum but could not be applied.
  uint64_t replay_errors = 0;
  std::string first_replay_error;
  absl::Duration took;
};

// Applies one logged record to the engine during recovery: `at` is the
// daemon time it was first applied at, `body` what the caller logged.
using Replay = std::function<absl::Status(RecordType type, absl::Time at, absl::string_view body)>;

struct JournalStats {
  uint64_t log_bytes_written = 0;
  uint64_t log_commits = 0;
  uint64_t snapshots_written = 0;
  uint64_t snapshots_failed = 0;
  uint64_t last_snapshot_bytes = 0;
  absl::Duration last_snapshot_pause;  // ingest held off while state was saved
  absl::Duration last_snapshot_write;
  absl::Status last_snapshot_error;
};

class Journal {
 public:
  // Creates the directory if needed, loads the newest usable snapshot into
  // `engine` (which has applied nothing yet), replays the log after it, and
  // opens the log for appending. A damaged log tail or snapshot is reported
  // in `report`, never fatal; I/O errors (permissions, a missing disk) are.
  static absl::StatusOr<std::unique_ptr<Journal>> Open(JournalOptions options, engine::Engine* engine,
                                                       const engine::PolicyDecoder& decode, const Replay& replay,
                                                       std::function<absl::Time()> clock, RecoveryReport* report);
  ~Journal();  // finishes a snapshot in progress and commits the log

  // Logs a record stamped with the clock's time and gives `turn` (the
  // change the record holds, prepared on the engine) its turn, in one order
  // with every other Record call; then runs `apply(now)`, which must apply
  // the turn, outside the journal's lock: the engine applies changes in log
  // order shard by shard, and changes on different shards at once. Returns
  // the record's sequence number: the change may be acknowledged once
  // WhenDurable(seq) says so.
  uint64_t Record(RecordType type, absl::string_view body, engine::Engine::Turn& turn,
                  absl::FunctionRef<void(absl::Time now)> apply);
  void WhenDurable(uint64_t seq, LogWriter::Done done) { log_->WhenDurable(seq, std::move(done)); }
  // OK, or why changes cannot be made durable now (ingest refuses batches).
  absl::Status writable() const { return log_->status(); }

  // Starts a snapshot in the background if one is due and none is running.
  void MaybeSnapshot(absl::Time now);
  // Takes a snapshot and waits for it (at shutdown, so that the restart
  // replays little).
  absl::Status SnapshotNow();

  JournalStats stats() const;

 private:
  Journal(JournalOptions options, engine::Engine* engine, std::function<absl::Time()> clock,
          std::unique_ptr<LogWriter> log, int lock_fd);
  // Captures the state under the order lock; the caller writes it.
  std::pair<uint64_t, std::string> Capture();
  absl::Status Persist(uint64_t seq, const std::string& state);
  void SnapshotLoop();

  const JournalOptions options_;
  engine::Engine* const engine_;
  const std::function<absl::Time()> clock_;
  std::unique_ptr<LogWriter> log_;
  const int lock_fd_;  // holds the data directory's LOCK
  // One order for the log's records and the engine's turns, and the
  // snapshot's cut; held for an append, not for an apply.
  std::mutex order_mu_;

  mutable std::mutex snapshot_mu_;
  std::condition_variable snapshot_cv_;
  bool snapshot_requested_ = false;
  bool snapshot_running_ = false;
  bool stopping_ = false;
  absl::Time last_snapshot_at_;
  uint64_t last_snapshot_log_bytes_ = 0;
  JournalStats stats_;
  std::thread snapshot_thread_;
};

}  // namespace slamon::storage

#endif  // SLAMON_DAEMON_STORAGE_JOURNAL_H_
