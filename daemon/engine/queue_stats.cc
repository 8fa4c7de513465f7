#include "daemon/engine/queue_stats.h"

#include <algorithm>

#include "common/check.h"

namespace slamon::engine {

absl::string_view VolumeName(int index) {
  if (index == kTransferredIn) return "transferred_in";
  if (static_cast<EventKind>(index) == EventKind::kTransferred) return "transferred_out";
  return EventKindName(static_cast<EventKind>(index));
}

void Histogram::Observe(const std::vector<double>& bounds, double value) {
  if (counts.empty()) counts.resize(bounds.size() + 1);
  const auto it = std::lower_bound(bounds.begin(), bounds.end(), value);
  counts[static_cast<size_t>(it - bounds.begin())] += 1;
  sum += value;
  count += 1;
}

Histogram& Histogram::operator+=(const Histogram& other) {
  if (other.counts.empty()) return *this;
  if (counts.empty()) counts.resize(other.counts.size());
  SLAMON_CHECK(counts.size() == other.counts.size());
  for (size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
  sum += other.sum;
  count += other.count;
  return *this;
}

QueueTotals& QueueTotals::operator+=(const QueueTotals& other) {
  for (int i = 0; i < kVolumeCount; ++i) volume[i] += other.volume[i];
  outcomes += other.outcomes;
  for (int i = 0; i < kWaitKindCount; ++i) wait[i] += other.wait[i];
  handle += other.handle;
  resolved += other.resolved;
  resolved_first_contact += other.resolved_first_contact;
  surveyed += other.surveyed;
  csat_top_two += other.csat_top_two;
  csat_score_sum += other.csat_score_sum;
  return *this;
}

QueueStats::QueueStats(QueueKey key, const Policy* policy, const WindowOptions& windows,
                       const PeriodClock* periods)
    : key_(std::move(key)), policy_(policy), rolling_(windows), periods_(periods) {}

void QueueStats::RecordAnswer(absl::Time at, AnswerOutcome outcome, absl::Duration wait) {
  totals_.outcomes[outcome] += 1;
  rolling_.Add(at, outcome, wait);
  periods_.Add(at, outcome, wait);
}

void QueueStats::StopWaiting(absl::Time since) {
  auto it = waiting_.find(since);
  SLAMON_CHECK(it != waiting_.end());  // every waiting contact was inserted
  waiting_.erase(it);
}

void QueueStats::Advance(absl::Time now) {
  rolling_.Advance(now);
  periods_.Sync();
}

}  // namespace slamon::engine
