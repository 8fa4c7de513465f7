#include "daemon/export/storage_metrics.h"

namespace slamon::exporter {

void RenderStorage(const storage::Journal& journal, const storage::RecoveryReport& recovery, Exposition& out) {
  const storage::JournalStats s = journal.stats();
  out.Add("slamon_storage_writable", "1 while the write-ahead log accepts batches, 0 while writes fail.",
          MetricType::kGauge, {}, journal.writable().ok() ? 1 : 0);
  out.Add("slamon_storage_log_written_bytes_total", "Bytes appended to the write-ahead log since start.",
          MetricType::kCounter, {}, static_cast<double>(s.log_bytes_written));
  out.Add("slamon_storage_log_commits_total", "Group commits (one write and one fdatasync each) since start.",
          MetricType::kCounter, {}, static_cast<double>(s.log_commits));
  out.Add("slamon_storage_snapshots_total", "Snapshots of engine state attempted since start, by result.",
          MetricType::kCounter, {}, "result", "ok", static_cast<double>(s.snapshots_written));
  out.Add("slamon_storage_snapshots_total", "", MetricType::kCounter, {}, "result", "error",
          static_cast<double>(s.snapshots_failed));
  out.Add("slamon_storage_snapshot_size_bytes", "Size of the last snapshot written.", MetricType::kGauge, {},
          static_cast<double>(s.last_snapshot_bytes));
  out.Add("slamon_storage_snapshot_pause_seconds",
          "How long ingest was held off while the last snapshot's state was captured.", MetricType::kGauge, {},
          absl::ToDoubleSeconds(s.last_snapshot_pause));
  out.Add("slamon_storage_recovery_duration_seconds", "Time the last start took to load state and replay the log.",
          MetricType::kGauge, {}, absl::ToDoubleSeconds(recovery.took));
  out.Add("slamon_storage_recovery_replayed_records", "Log records replayed at the last start.", MetricType::kGauge, {},
          static_cast<double>(recovery.log.records));
  out.Add("slamon_storage_recovery_dropped_bytes",
          "Bytes of damaged or torn log cut at the last start (0 after a clean stop).", MetricType::kGauge, {},
          static_cast<double>(recovery.log.dropped_bytes));
  out.Add("slamon_storage_recovery_skipped_snapshots", "Damaged or unreadable snapshots passed over at the last start.",
          MetricType::kGauge, {}, static_cast<double>(recovery.skipped_snapshots.size()));
  out.Add("slamon_storage_recovery_skipped_records",
          "Log records whose checksum held but which could not be applied at the last start (e.g. a newer "
          "slamond's record type).",
          MetricType::kGauge, {}, static_cast<double>(recovery.replay_errors));
}

}  // namespace slamon::exporter
