#include "daemon/engine/queue_stats.h"

#include <algorithm>

#include "common/check.h"
#include "daemon/engine/seconds.h"

namespace slamon::engine {

absl::string_view VolumeName(int index) {
  if (index == kTransferredIn) return "transferred_in";
  if (index == kGivenUp) return "given_up";
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

ItemTotals& ItemTotals::operator+=(const ItemTotals& other) {
  met += other.met;
  missed += other.missed;
  warnings += other.warnings;
  breaches += other.breaches;
  elapsed += other.elapsed;
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
  for (int k = 0; k < kObjectiveKindCount; ++k) items[k] += other.items[k];
  for (int l = 0; l < kEscalationLevels; ++l) escalations[l] += other.escalations[l];
  return *this;
}

QueueStats::QueueStats(QueueKey key, const Policy* policy, const WindowOptions& windows,
                       PeriodClock* periods)
    : key_(std::move(key)),
      policy_(policy),
      rolling_(windows),
      periods_(periods, static_cast<size_t>(std::max<int64_t>(1, windows.history / windows.interval))) {}

void QueueStats::RecordAnswer(absl::Time at, AnswerOutcome outcome, Nanos wait) {
  totals_.outcomes[outcome] += 1;
  const WindowEntry entry = WindowEntry::Answer(outcome, Seconds(wait));
  rolling_.Add(at, entry);
  periods_.Add(at, entry);
}

void QueueStats::RecordItem(absl::Time at, ObjectiveKind kind, bool met, Nanos elapsed,
                            const std::vector<double>& elapsed_bounds) {
  ItemTotals& t = totals_.items[static_cast<int>(kind)];
  (met ? t.met : t.missed) += 1;
  t.elapsed.Observe(elapsed_bounds, Seconds(elapsed));
  rolling_.Add(at, WindowEntry::Item(kind, met));
  periods_.Add(at, WindowEntry::Item(kind, met));
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

namespace slamon::engine {
namespace {

void SaveHistogram(StateWriter& out, const Histogram& h) {
  out.Varint(h.counts.size());
  for (uint64_t n : h.counts) out.Varint(n);
  out.Double(h.sum);
  out.Varint(h.count);
}

Histogram LoadHistogram(StateReader& in, const std::vector<double>& saved,
                        const std::vector<double>& current) {
  Histogram h;
  h.counts.resize(in.Count(1));
  for (uint64_t& n : h.counts) n = in.Varint();
  h.sum = in.Double();
  h.count = in.Varint();
  if (!h.counts.empty() && h.counts.size() != saved.size() + 1) {
    in.Fail("histogram bucket count does not match its bounds");
    return {};
  }
  return saved == current ? h : h.Rebucket(saved, current);
}

}  // namespace

Histogram Histogram::Rebucket(const std::vector<double>& from, const std::vector<double>& to) const {
  if (counts.empty()) return *this;
  std::vector<uint64_t> cumulative(counts.size());
  uint64_t running = 0;
  for (size_t i = 0; i < counts.size(); ++i) cumulative[i] = running += counts[i];
  Histogram out;
  out.sum = sum;
  out.count = count;
  out.counts.resize(to.size() + 1);
  uint64_t previous = 0;
  for (size_t i = 0; i < to.size(); ++i) {
    // Old bounds up to to[i]: the cumulative count of the last of them.
    const auto end = std::upper_bound(from.begin(), from.end(), to[i]);
    const uint64_t at = end == from.begin() ? 0 : cumulative[static_cast<size_t>(end - from.begin()) - 1];
    out.counts[i] = at - previous;
    previous = at;
  }
  out.counts[to.size()] = count - previous;
  return out;
}

void QueueTotals::Save(StateWriter& out) const {
  for (uint64_t v : volume) out.Varint(v);
  for (uint64_t n : outcomes.n) out.Varint(n);
  for (const Histogram& h : wait) SaveHistogram(out, h);
  SaveHistogram(out, handle);
  out.Varint(resolved);
  out.Varint(resolved_first_contact);
  out.Varint(surveyed);
  out.Varint(csat_top_two);
  out.Double(csat_score_sum);
  for (const ItemTotals& t : items) {
    for (uint64_t n : {t.met, t.missed, t.warnings, t.breaches}) out.Varint(n);
    SaveHistogram(out, t.elapsed);
  }
  for (uint64_t n : escalations) out.Varint(n);
}

void QueueTotals::Load(StateReader& in, const BoundsChange& bounds) {
  // given_up is the last volume counter; formats 1 and 2 had none.
  const int volumes = in.format() >= 3 ? kVolumeCount : kVolumeCount - 1;
  for (int i = 0; i < volumes; ++i) volume[i] = in.Varint();
  for (uint64_t& n : outcomes.n) n = in.Varint();
  for (Histogram& h : wait) h = LoadHistogram(in, bounds.saved_wait, bounds.wait);
  handle = LoadHistogram(in, bounds.saved_handle, bounds.handle);
  resolved = in.Varint();
  resolved_first_contact = in.Varint();
  surveyed = in.Varint();
  csat_top_two = in.Varint();
  csat_score_sum = in.Double();
  if (in.format() < 2) return;  // format 1 had no item objectives
  for (ItemTotals& t : items) {
    for (uint64_t* n : {&t.met, &t.missed, &t.warnings, &t.breaches}) *n = in.Varint();
    t.elapsed = LoadHistogram(in, bounds.saved_elapsed, bounds.elapsed);
  }
  for (uint64_t& n : escalations) n = in.Varint();
}

void QueueStats::Save(StateWriter& out) const {
  totals_.Save(out);
  rolling_.Save(out);
  periods_.Save(out);
}

void QueueStats::Load(StateReader& in, const BoundsChange& bounds) {
  totals_.Load(in, bounds);
  rolling_.Load(in);
  periods_.Load(in);
}

}  // namespace slamon::engine
