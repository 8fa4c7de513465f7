// Window figures the daemon computes itself (sla-semantics §5): rolling
// windows (15 min, 1 h) and aligned periods (the current 30-minute interval,
// today in the policy's time zone). Outcomes are attributed by event time.
#ifndef SLAMON_DAEMON_ENGINE_WINDOWS_H_
#define SLAMON_DAEMON_ENGINE_WINDOWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "daemon/engine/outcome.h"

namespace slamon::engine {

// What a window sums: answer outcomes and the waits of answered contacts.
struct WindowTally {
  OutcomeCounts outcomes;
  double answered_wait_seconds = 0;

  void Add(AnswerOutcome outcome, absl::Duration wait);
  WindowTally& operator+=(const WindowTally& other);
  WindowTally& operator-=(const WindowTally& other);
};

struct WindowOptions {
  std::vector<absl::Duration> rolling = {absl::Minutes(15), absl::Hours(1)};
  // Rolling windows move in steps of this size: a 15-minute window holds the
  // outcomes of the 90 most recent 10-second steps, the current one included.
  absl::Duration resolution = absl::Seconds(10);
  // Length of a reporting interval; divides a day.
  absl::Duration interval = absl::Minutes(30);
  // Local time at which "today" begins.
  absl::Duration day_start = absl::ZeroDuration();
  // A window is "at risk" when its figure is under goal + this margin.
  double at_risk_margin = 0.05;
  // Under this many contacts in the formula's denominator, a window is
  // judged "met": one early miss must not page anyone.
  uint64_t min_volume = 10;
};

// Rolling sums over a ring of fixed-resolution buckets. An outcome older than
// the longest window is ignored here (it still counts in the counters); one
// stamped ahead of the clock counts in the current step.
class RollingWindows {
 public:
  explicit RollingWindows(const WindowOptions& options);

  void Add(absl::Time at, AnswerOutcome outcome, absl::Duration wait);
  // Moves the windows' end to `now`. Time never goes back: an earlier `now` is
  // ignored.
  void Advance(absl::Time now);
  // The sum of window `i` (in WindowOptions::rolling order).
  const WindowTally& Sum(size_t i) const { return sums_[i]; }

 private:
  struct Bucket {
    int64_t index = INT64_MIN;
    WindowTally tally;
  };
  int64_t BucketOf(absl::Time t) const;
  Bucket& Slot(int64_t index) {
    return ring_[static_cast<size_t>(((index % ring_size_) + ring_size_) % ring_size_)];
  }

  absl::Duration resolution_;
  std::vector<int64_t> lengths_;  // in buckets
  int64_t ring_size_;
  int64_t now_index_ = INT64_MIN;
  std::vector<Bucket> ring_;  // allocated on first Add
  std::vector<WindowTally> sums_;
};

// The current interval and the current day, aligned in a time zone.
class PeriodWindows {
 public:
  PeriodWindows(const WindowOptions& options, absl::TimeZone zone);

  void Add(absl::Time at, AnswerOutcome outcome, absl::Duration wait);
  void Advance(absl::Time now);
  const WindowTally& interval() const { return interval_.tally; }
  const WindowTally& today() const { return day_.tally; }
  absl::Time interval_start() const { return interval_.start; }
  absl::Time day_start() const { return day_.start; }

 private:
  struct Period {
    absl::Time start = absl::InfinitePast();
    absl::Time end = absl::InfinitePast();
    WindowTally tally;
  };
  void Roll(absl::Time now);

  absl::Duration interval_length_;
  absl::Duration day_start_offset_;
  absl::TimeZone zone_;
  Period interval_;
  Period day_;
};

// Start of the aligned interval containing `t` in `zone` (intervals start at
// local midnight and every `length` after it).
absl::Time IntervalStart(absl::Time t, absl::Duration length, absl::TimeZone zone);
// Start of the local day containing `t` when days begin at `day_start`.
absl::Time DayStart(absl::Time t, absl::Duration day_start, absl::TimeZone zone);

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_WINDOWS_H_
