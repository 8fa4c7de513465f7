#include "daemon/engine/windows.h"

#include <algorithm>

#include "common/check.h"

namespace slamon::engine {

void WindowTally::Add(AnswerOutcome outcome, absl::Duration wait) {
  outcomes[outcome] += 1;
  if (outcome == AnswerOutcome::kAnsweredWithin || outcome == AnswerOutcome::kAnsweredLate) {
    answered_wait_seconds += absl::ToDoubleSeconds(wait);
  }
}

WindowTally& WindowTally::operator+=(const WindowTally& other) {
  outcomes += other.outcomes;
  answered_wait_seconds += other.answered_wait_seconds;
  return *this;
}

WindowTally& WindowTally::operator-=(const WindowTally& other) {
  outcomes -= other.outcomes;
  answered_wait_seconds -= other.answered_wait_seconds;
  return *this;
}

RollingWindows::RollingWindows(const WindowOptions& options) : resolution_(options.resolution) {
  SLAMON_CHECK(resolution_ > absl::ZeroDuration());
  int64_t longest = 1;
  for (absl::Duration d : options.rolling) {
    const int64_t n = std::max<int64_t>(1, absl::IDivDuration(d, resolution_, &d));
    lengths_.push_back(n);
    longest = std::max(longest, n);
  }
  ring_size_ = longest + 1;
  sums_.resize(lengths_.size());
}

int64_t RollingWindows::BucketOf(absl::Time t) const {
  return absl::ToUnixNanos(t) >= 0
             ? absl::ToUnixNanos(t) / absl::ToInt64Nanoseconds(resolution_)
             : (absl::ToUnixNanos(t) + 1) / absl::ToInt64Nanoseconds(resolution_) - 1;
}

void RollingWindows::Add(absl::Time at, AnswerOutcome outcome, absl::Duration wait) {
  if (now_index_ == INT64_MIN) return;  // never advanced: no window exists yet
  const int64_t index = std::min(BucketOf(at), now_index_);
  if (index <= now_index_ - ring_size_) return;  // older than every window
  if (ring_.empty()) ring_.resize(static_cast<size_t>(ring_size_));
  Bucket& bucket = Slot(index);
  if (bucket.index != index) bucket = Bucket{index, {}};
  bucket.tally.Add(outcome, wait);
  for (size_t w = 0; w < lengths_.size(); ++w) {
    if (index > now_index_ - lengths_[w]) sums_[w].Add(outcome, wait);
  }
}

void RollingWindows::Advance(absl::Time now) {
  const int64_t target = BucketOf(now);
  if (now_index_ == INT64_MIN || target - now_index_ >= ring_size_) {
    // First use, or a jump past every window: nothing old stays inside.
    now_index_ = target;
    std::fill(sums_.begin(), sums_.end(), WindowTally{});
    ring_.clear();
    return;
  }
  if (target <= now_index_) return;
  if (!ring_.empty()) {
    for (size_t w = 0; w < lengths_.size(); ++w) {
      // Buckets (now - len, target - len] leave window w.
      for (int64_t leaving = now_index_ - lengths_[w] + 1; leaving <= target - lengths_[w];
           ++leaving) {
        const Bucket& bucket = Slot(leaving);
        if (bucket.index == leaving) sums_[w] -= bucket.tally;
      }
    }
  }
  now_index_ = target;
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

PeriodWindows::PeriodWindows(const WindowOptions& options, absl::TimeZone zone)
    : interval_length_(options.interval), day_start_offset_(options.day_start), zone_(zone) {}

void PeriodWindows::Roll(absl::Time now) {
  if (now >= interval_.end) {
    interval_.start = IntervalStart(now, interval_length_, zone_);
    interval_.end = interval_.start + interval_length_;
    interval_.tally = {};
  }
  if (now >= day_.end) {
    day_.start = DayStart(now, day_start_offset_, zone_);
    day_.end = DayStart(day_.start + absl::Hours(26), day_start_offset_, zone_);
    day_.tally = {};
  }
}

void PeriodWindows::Advance(absl::Time now) { Roll(now); }

void PeriodWindows::Add(absl::Time at, AnswerOutcome outcome, absl::Duration wait) {
  // An outcome stamped ahead of the clock counts in the current period, like
  // in the rolling windows; one before the period started belongs to history.
  if (at >= interval_.start) interval_.tally.Add(outcome, wait);
  if (at >= day_.start) day_.tally.Add(outcome, wait);
}

}  // namespace slamon::engine
