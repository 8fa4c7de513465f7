#include "daemon/engine/windows.h"

#include <algorithm>
#include <functional>

#include "common/check.h"
#include "daemon/engine/seconds.h"

namespace slamon::engine {

void WindowTally::Add(const WindowEntry& e) {
  if (e.item) {
    (e.met ? items_met : items_missed)[static_cast<int>(e.kind)] += 1;
    return;
  }
  outcomes[e.outcome] += 1;
  if (e.outcome == AnswerOutcome::kAnsweredWithin || e.outcome == AnswerOutcome::kAnsweredLate) {
    answered_wait_seconds += e.wait_seconds;
  }
}

WindowTally& WindowTally::operator+=(const WindowTally& other) {
  outcomes += other.outcomes;
  answered_wait_seconds += other.answered_wait_seconds;
  for (int k = 0; k < kObjectiveKindCount; ++k) {
    items_met[k] += other.items_met[k];
    items_missed[k] += other.items_missed[k];
  }
  return *this;
}

WindowTally& WindowTally::operator-=(const WindowTally& other) {
  outcomes -= other.outcomes;
  answered_wait_seconds -= other.answered_wait_seconds;
  for (int k = 0; k < kObjectiveKindCount; ++k) {
    items_met[k] -= other.items_met[k];
    items_missed[k] -= other.items_missed[k];
  }
  return *this;
}

std::vector<std::string> WindowNames(const WindowOptions& options) {
  std::vector<std::string> names;
  for (const absl::Duration d : options.rolling) names.push_back(absl::FormatDuration(d));
  names.emplace_back("interval");
  names.emplace_back("today");
  return names;
}

RollingWindows::RollingWindows(const WindowOptions& options)
    : resolution_(options.resolution), step_nanos_(absl::ToInt64Nanoseconds(options.resolution)) {
  SLAMON_CHECK(step_nanos_ > 0);
  for (absl::Duration d : options.rolling) {
    const int64_t n = std::max<int64_t>(1, absl::IDivDuration(d, resolution_, &d));
    windows_.push_back({n, 0, {}});
    longest_ = std::max(longest_, n);
  }
}

int64_t RollingWindows::BucketOf(absl::Time t) const {
  const int64_t ns = absl::ToUnixNanos(t);
  return ns >= 0 ? ns / step_nanos_ : (ns + 1) / step_nanos_ - 1;  // floor division, no negation to overflow
}

void RollingWindows::Add(absl::Time at, const WindowEntry& entry) {
  if (now_index_ == INT64_MIN) return;  // never advanced: no window exists yet
  const int64_t index = std::min(BucketOf(at), now_index_);
  if (index <= now_index_ - longest_) return;  // older than every window
  // Usually the newest bucket; a late outcome searches back for its own.
  auto it = buckets_.end();
  while (it != buckets_.begin() && std::prev(it)->index > index) --it;
  if (it == buckets_.begin() || std::prev(it)->index != index) {
    const uint64_t position = popped_ + static_cast<uint64_t>(it - buckets_.begin());
    it = buckets_.insert(it, Bucket{index, {}});
    // Windows whose oldest bucket sits at or after the insertion point move
    // by one, unless the new bucket is inside them (it becomes their oldest).
    for (Window& w : windows_) {
      if (w.first > position || (w.first == position && !Inside(w, index))) w.first += 1;
    }
  } else {
    --it;
  }
  it->tally.Add(entry);
  for (Window& w : windows_) {
    if (Inside(w, index)) w.sum.Add(entry);
  }
}

void RollingWindows::Advance(absl::Time now) {
  if (now < next_step_) return;  // still within the current step: nothing leaves
  const int64_t target = BucketOf(now);
  now_index_ = target;
  // The last bucket absl::Time can hold (a time from saved state) never ends.
  int64_t next_step_nanos = 0;
  next_step_ = __builtin_mul_overflow(target + 1, step_nanos_, &next_step_nanos) ? absl::InfiniteFuture()
                                                                                : absl::FromUnixNanos(next_step_nanos);
  uint64_t keep_from = popped_ + buckets_.size();
  for (Window& w : windows_) {
    while (w.first < popped_ + buckets_.size()) {
      const Bucket& b = buckets_[static_cast<size_t>(w.first - popped_)];
      if (Inside(w, b.index)) break;
      w.sum -= b.tally;
      w.first += 1;
    }
    keep_from = std::min(keep_from, w.first);
  }
  while (popped_ < keep_from) {
    buckets_.pop_front();
    popped_ += 1;
  }
}

absl::Time IntervalStart(absl::Time t, absl::Duration length, absl::TimeZone zone) {
  const absl::TimeZone::CivilInfo info = zone.At(t);
  const absl::CivilDay day(info.cs);
  const int64_t seconds_into_day = (info.cs - absl::CivilSecond(day));
  const int64_t step = absl::ToInt64Seconds(length);
  const absl::CivilSecond start = absl::CivilSecond(day) + seconds_into_day / step * step;
  const absl::TimeZone::TimeInfo ti = zone.At(start);
  switch (ti.kind) {
    case absl::TimeZone::TimeInfo::UNIQUE:
      return ti.pre;
    case absl::TimeZone::TimeInfo::SKIPPED:  // the start fell in a DST gap
      return ti.trans;
    case absl::TimeZone::TimeInfo::REPEATED:  // DST fall-back: the latest start not after t
      return ti.post <= t ? ti.post : ti.pre;
  }
  return ti.pre;
}

absl::Time DayStart(absl::Time t, absl::Duration day_start, absl::TimeZone zone) {
  const absl::TimeZone::CivilInfo info = zone.At(t);
  absl::CivilDay day(info.cs);
  const int64_t offset = absl::ToInt64Seconds(day_start);
  if (info.cs - absl::CivilSecond(day) < offset) day -= 1;
  return absl::FromCivil(absl::CivilSecond(day) + offset, zone);
}

void PeriodClock::Advance(absl::Time now) {
  if (now >= interval_end_) {
    interval_start_ = IntervalStart(now, interval_length_, zone_);
    interval_end_ = interval_start_ + interval_length_;
  }
  if (now >= day_end_) {
    day_start_ = DayStart(now, day_start_offset_, zone_);
    day_end_ = DayStart(day_start_ + absl::Hours(26), day_start_offset_, zone_);
  }
}

absl::Time PeriodClock::IntervalOf(absl::Time t) {
  if (t >= interval_start_ && t < interval_end_) return interval_start_;
  if (t >= past_interval_start_ && t < past_interval_end_) return past_interval_start_;
  past_interval_start_ = IntervalStart(t, interval_length_, zone_);
  past_interval_end_ = past_interval_start_ + interval_length_;
  return past_interval_start_;
}

absl::Time PeriodClock::DayOf(absl::Time t) const {
  if (t >= day_start_ && t < day_end_) return day_start_;
  return DayStart(t, day_start_offset_, zone_);
}

void PeriodWindows::Sync() {
  if (interval_.start != clock_->interval_start()) {
    // The interval ends: into the history (the current one is counted in
    // interval_ only, so that an outcome costs one tally update).
    if (interval_.tally != WindowTally{}) AddToHistory(interval_.start, interval_.tally);
    interval_ = {clock_->interval_start(), {}};
  }
  if (day_.start != clock_->day_start()) day_ = {clock_->day_start(), {}};
}

void PeriodWindows::AddToHistory(absl::Time start, const WindowTally& tally) {
  history_[start] += tally;
  while (history_.size() > history_intervals_) history_.erase(history_.begin());
}

void PeriodWindows::ForEachInterval(absl::Time from, absl::Time to,
                                    const std::function<void(absl::Time, const WindowTally&)>& visit) const {
  for (auto it = history_.lower_bound(from); it != history_.end() && it->first < to; ++it) visit(it->first, it->second);
  if (interval_.start >= from && interval_.start < to && interval_.tally != WindowTally{}) {
    visit(interval_.start, interval_.tally);
  }
}

void PeriodWindows::Add(absl::Time at, const WindowEntry& entry) {
  Sync();
  // An outcome stamped ahead of the clock counts in the current period, like
  // in the rolling windows; one before the period started belongs to history.
  if (at >= interval_.start) {
    interval_.tally.Add(entry);
  } else {
    WindowTally one;
    one.Add(entry);
    AddToHistory(clock_->IntervalOf(at), one);
  }
  if (at >= day_.start) day_.tally.Add(entry);
}

}  // namespace slamon::engine

namespace slamon::engine {

void WindowTally::Save(StateWriter& out) const {
  for (uint64_t n : outcomes.n) out.Varint(n);
  out.Double(answered_wait_seconds);
  for (const auto* counts : {&items_met, &items_missed}) {
    for (uint64_t n : *counts) out.Varint(n);
  }
}

void WindowTally::Load(StateReader& in) {
  for (uint64_t& n : outcomes.n) n = in.Varint();
  answered_wait_seconds = in.Double();
  if (in.format() < 2) return;  // format 1 had no item objectives
  for (auto* counts : {&items_met, &items_missed}) {
    for (uint64_t& n : *counts) n = in.Varint();
  }
}

void RollingWindows::Save(StateWriter& out) const {
  out.Duration(resolution_);
  out.Varint(windows_.size());
  for (const Window& w : windows_) {
    out.I64(w.length);
    out.U64(w.first);
    w.sum.Save(out);
  }
  out.I64(now_index_);
  out.Time(next_step_);
  out.U64(popped_);
  out.Varint(buckets_.size());
  for (const Bucket& b : buckets_) {
    out.I64(b.index);
    b.tally.Save(out);
  }
}

void RollingWindows::Load(StateReader& in) {
  // Read everything first: windows configured differently since the state
  // was saved start empty (they refill within their length) instead of
  // failing the whole load.
  const absl::Duration resolution = in.Duration();
  std::vector<Window> windows(in.Count(17));
  for (Window& w : windows) {
    w.length = in.I64();
    w.first = in.U64();
    w.sum.Load(in);
  }
  const int64_t now_index = in.I64();
  const absl::Time next_step = in.Time();
  const uint64_t popped = in.U64();
  std::deque<Bucket> buckets(in.Count(16));
  for (Bucket& b : buckets) {
    b.index = in.I64();
    b.tally.Load(in);
  }
  if (!in.ok() || resolution != resolution_ || windows.size() != windows_.size()) return;
  for (size_t i = 0; i < windows.size(); ++i) {
    if (windows[i].length != windows_[i].length) return;
    if (windows[i].first < popped || windows[i].first > popped + buckets.size()) {
      return in.Fail("rolling window position out of range");
    }
  }
  windows_ = std::move(windows);
  now_index_ = now_index;
  next_step_ = next_step;
  popped_ = popped;
  buckets_ = std::move(buckets);
}

void PeriodWindows::Save(StateWriter& out) const {
  for (const Period* p : {&interval_, &day_}) {
    out.Time(p->start);
    p->tally.Save(out);
  }
  out.Varint(history_.size());
  for (const auto& [start, tally] : history_) {
    out.Time(start);
    tally.Save(out);
  }
}

void PeriodWindows::Load(StateReader& in) {
  for (Period* p : {&interval_, &day_}) {
    p->start = in.Time();
    p->tally.Load(in);
  }
  if (in.format() < 2) return;  // format 1 kept no history
  const size_t n = in.Count(10);
  for (size_t i = 0; i < n && in.ok(); ++i) {
    const absl::Time start = in.Time();
    WindowTally tally;
    tally.Load(in);
    AddToHistory(start, tally);
  }
}

}  // namespace slamon::engine
