#include "daemon/storage/journal.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/check.h"
#include "common/crc32c.h"
#include "daemon/engine/state_codec.h"
#include "common/files.h"

namespace slamon::storage {
namespace {

constexpr absl::string_view kSnapshotPrefix = "snapshot-";
constexpr absl::string_view kSnapshotSuffix = ".state";
constexpr uint64_t kSnapshotMagic = 0x5041'4e53'4e4d'4c53;  // "SLMNSNAP", little-endian
constexpr size_t kSnapshotHeaderBytes = 28;
constexpr size_t kKeptSnapshots = 2;

std::string SnapshotPath(const std::string& dir, uint64_t seq) {
  return absl::StrFormat("%s/%s%020d%s", dir, kSnapshotPrefix, seq, kSnapshotSuffix);
}

std::string EncodeSnapshot(uint64_t seq, absl::string_view state) {
  engine::StateWriter header;
  header.U64(kSnapshotMagic);
  header.U64(seq);
  header.U64(state.size());
  const uint32_t crc = Crc32c(state);
  std::string out = header.Release();
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
  out.append(state.data(), state.size());
  return out;
}

// The state inside a snapshot file, after checking its frame.
absl::StatusOr<absl::string_view> DecodeSnapshot(absl::string_view file, uint64_t seq) {
  if (file.size() < kSnapshotHeaderBytes) return absl::DataLossError("shorter than its header");
  engine::StateReader header(file.substr(0, kSnapshotHeaderBytes));
  if (header.U64() != kSnapshotMagic) return absl::DataLossError("not a slamon snapshot (bad magic)");
  if (header.U64() != seq) return absl::DataLossError("sequence number differs from its name");
  const uint64_t length = header.U64();
  uint32_t crc = 0;
  for (int i = 0; i < 4; ++i) crc |= static_cast<uint32_t>(header.U8()) << (8 * i);
  const absl::string_view state = file.substr(kSnapshotHeaderBytes);
  if (state.size() != length) {
    return absl::DataLossError(absl::StrCat("holds ", state.size(), " bytes of state, its header says ", length));
  }
  if (Crc32c(state) != crc) return absl::DataLossError("checksum mismatch");
  return state;
}

std::string EncodeTime(absl::Time t) {
  engine::StateWriter out;
  out.Time(t);
  return out.Release();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Journal>> Journal::Open(JournalOptions options, engine::Engine* engine,
                                                       const engine::PolicyDecoder& decode, const Replay& replay,
                                                       std::function<absl::Time()> clock, RecoveryReport* report) {
  const absl::Time started = absl::Now();  // only to report how long recovery took
  *report = RecoveryReport{};
  SLAMON_RETURN_IF_ERROR(EnsureWritableDir(options.dir));
  SLAMON_ASSIGN_OR_RETURN(const int raw_lock, LockDir(options.dir));
  ScopedFd lock(raw_lock);  // released into the Journal once recovery succeeds

  SLAMON_ASSIGN_OR_RETURN(std::vector<NumberedFile> snapshots,
                          ListNumbered(options.dir, kSnapshotPrefix, kSnapshotSuffix));
  for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
    SLAMON_ASSIGN_OR_RETURN(const std::string file, ReadWholeFile(absl::StrCat(options.dir, "/", it->name)));
    absl::StatusOr<absl::string_view> state = DecodeSnapshot(file, it->number);
    absl::Status loaded = state.ok() ? engine->LoadState(*state, decode) : state.status();
    if (!loaded.ok()) {
      report->skipped_snapshots.push_back(absl::StrCat(it->name, ": ", loaded.message()));
      continue;
    }
    report->snapshot_seq = it->number;
    report->snapshot_bytes = file.size();
    break;
  }

  uint64_t next = report->snapshot_seq + 1;
  SLAMON_ASSIGN_OR_RETURN(
      report->log,
      ReadLog(options.dir, report->snapshot_seq,
              [&](uint64_t seq, RecordType type, absl::string_view payload) -> absl::Status {
                if (seq != next && report->gap.empty()) {
                  report->gap = absl::StrCat("records ", next, " to ", seq - 1,
                                             " are missing: no snapshot or log holds them");
                }
                next = seq + 1;
                engine::StateReader in(payload);
                const absl::Time at = in.Time();
                absl::Status applied = in.ok() ? replay(type, at, payload.substr(8)) : in.status();
                if (!applied.ok()) {
                  if (report->replay_errors++ == 0) {
                    report->first_replay_error = absl::StrCat("record ", seq, ": ", applied.message());
                  }
                }
                return absl::OkStatus();
              }));
  if (report->log.last_seq < report->snapshot_seq) {
    // The log was cut before the snapshot's record: the snapshot holds all
    // of it, and the next record must not start after a hole.
    SLAMON_RETURN_IF_ERROR(DeleteLog(options.dir));
  }
  const uint64_t last_seq = std::max(report->log.last_seq, report->snapshot_seq);
  SLAMON_ASSIGN_OR_RETURN(std::unique_ptr<LogWriter> log, LogWriter::Open(options.dir, last_seq, options.log));
  report->took = absl::Now() - started;
  return std::unique_ptr<Journal>(
      new Journal(std::move(options), engine, std::move(clock), std::move(log), lock.release()));
}

Journal::Journal(JournalOptions options, engine::Engine* engine, std::function<absl::Time()> clock,
                 std::unique_ptr<LogWriter> log, int lock_fd)
    : options_(std::move(options)),
      engine_(engine),
      clock_(std::move(clock)),
      log_(std::move(log)),
      lock_fd_(lock_fd) {
  last_snapshot_at_ = clock_();
  snapshot_thread_ = std::thread([this] { SnapshotLoop(); });
}

Journal::~Journal() {
  {
    std::lock_guard lock(snapshot_mu_);
    stopping_ = true;
  }
  snapshot_cv_.notify_all();
  snapshot_thread_.join();
  (void)log_->Sync();
  log_.reset();
  close(lock_fd_);
}

uint64_t Journal::Record(RecordType type, absl::string_view body, engine::Engine::Turn& turn,
                         absl::FunctionRef<void(absl::Time now)> apply) {
  absl::Time now;
  uint64_t seq;
  {
    std::lock_guard lock(order_mu_);
    now = clock_();
    seq = log_->Append(type, EncodeTime(now), body);
    engine_->TakeTurn(turn);
  }
  apply(now);
  return seq;
}

std::pair<uint64_t, std::string> Journal::Capture() {
  std::lock_guard lock(order_mu_);
  const absl::Time started = absl::Now();
  // Turns taken before the cut may still be applying.
  engine_->AwaitTurns();
  std::pair<uint64_t, std::string> cut{log_->last_seq(), engine_->SaveState()};
  std::lock_guard stats_lock(snapshot_mu_);
  stats_.last_snapshot_pause = absl::Now() - started;
  return cut;
}

absl::Status Journal::Persist(uint64_t seq, const std::string& state) {
  const absl::Time started = absl::Now();
  // The log must hold every record up to the cut before the snapshot can
  // stand in for them: the next segment starts after it.
  SLAMON_RETURN_IF_ERROR(log_->Sync());
  const std::string file = EncodeSnapshot(seq, state);
  SLAMON_RETURN_IF_ERROR(WriteFileAtomically(SnapshotPath(options_.dir, seq), file));
  SLAMON_ASSIGN_OR_RETURN(const std::vector<NumberedFile> snapshots,
                          ListNumbered(options_.dir, kSnapshotPrefix, kSnapshotSuffix));
  if (snapshots.size() >= kKeptSnapshots) {
    const size_t oldest_kept = snapshots.size() - kKeptSnapshots;
    for (size_t i = 0; i < oldest_kept; ++i) {
      (void)RemoveFile(absl::StrCat(options_.dir, "/", snapshots[i].name));
    }
    log_->DropThrough(snapshots[oldest_kept].number);
  }
  std::lock_guard lock(snapshot_mu_);
  stats_.snapshots_written += 1;
  stats_.last_snapshot_bytes = file.size();
  stats_.last_snapshot_write = absl::Now() - started;
  return absl::OkStatus();
}

void Journal::MaybeSnapshot(absl::Time now) {
  const uint64_t log_bytes = log_->bytes_written();
  std::lock_guard lock(snapshot_mu_);
  if (snapshot_running_ || snapshot_requested_) return;
  if (now - last_snapshot_at_ < options_.snapshot_every &&
      log_bytes - last_snapshot_log_bytes_ < options_.snapshot_log_bytes) {
    return;
  }
  last_snapshot_at_ = now;
  last_snapshot_log_bytes_ = log_bytes;
  snapshot_requested_ = true;
  snapshot_cv_.notify_all();
}

absl::Status Journal::SnapshotNow() {
  std::unique_lock lock(snapshot_mu_);
  snapshot_cv_.wait(lock, [this] { return !snapshot_running_; });
  snapshot_running_ = true;
  lock.unlock();
  auto [seq, state] = Capture();
  absl::Status s = Persist(seq, state);
  lock.lock();
  snapshot_running_ = false;
  if (!s.ok()) stats_.snapshots_failed += 1;
  stats_.last_snapshot_error = s;
  snapshot_cv_.notify_all();
  return s;
}

void Journal::SnapshotLoop() {
  std::unique_lock lock(snapshot_mu_);
  while (true) {
    snapshot_cv_.wait(lock, [this] { return stopping_ || (snapshot_requested_ && !snapshot_running_); });
    if (stopping_) return;
    snapshot_requested_ = false;
    snapshot_running_ = true;
    lock.unlock();
    auto [seq, state] = Capture();
    const absl::Status s = Persist(seq, state);
    lock.lock();
    snapshot_running_ = false;
    if (!s.ok()) stats_.snapshots_failed += 1;
    stats_.last_snapshot_error = s;
    snapshot_cv_.notify_all();
  }
}

JournalStats Journal::stats() const {
  JournalStats s;
  {
    std::lock_guard lock(snapshot_mu_);
    s = stats_;
  }
  s.log_bytes_written = log_->bytes_written();
  s.log_commits = log_->commits();
  return s;
}

}  // namespace slamon::storage
