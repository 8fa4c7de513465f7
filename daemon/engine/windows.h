// Window figures the daemon computes itself (sla-semantics §5): rolling
// windows (15 min, 1 h) and aligned periods (the current 30-minute interval,
// today in the policy's time zone). Outcomes are attributed by event time.
#ifndef SLAMON_DAEMON_ENGINE_WINDOWS_H_
#define SLAMON_DAEMON_ENGINE_WINDOWS_H_

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/time/time.h"
#include "daemon/engine/outcome.h"
#include "daemon/engine/policy.h"
#include "daemon/engine/seconds.h"
#include "daemon/engine/state_codec.h"

namespace slamon::engine {

// One outcome as a window counts it: a stopped answer clock, or a completed
// item objective (met or missed).
struct WindowEntry {
  static WindowEntry Answer(AnswerOutcome outcome, double wait_seconds) { return {false, outcome, wait_seconds}; }
  static WindowEntry Item(ObjectiveKind kind, bool met) {
    return {true, AnswerOutcome::kAnsweredWithin, 0, kind, met};
  }
  bool item;
  AnswerOutcome outcome;
  double wait_seconds;  // converted once: an entry is added to five windows
  ObjectiveKind kind = ObjectiveKind::kAnswer;
  bool met = false;
};

// What a window sums: answer outcomes, the waits of answered contacts, and
// met / missed item objectives.
struct WindowTally {
  OutcomeCounts outcomes;
  double answered_wait_seconds = 0;
  std::array<uint64_t, kObjectiveKindCount> items_met{};
  std::array<uint64_t, kObjectiveKindCount> items_missed{};

  void Add(const WindowEntry& entry);
  WindowTally& operator+=(const WindowTally& other);
  WindowTally& operator-=(const WindowTally& other);
  bool operator==(const WindowTally&) const = default;

  void Save(StateWriter& out) const;
  void Load(StateReader& in);
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
  // How much interval history each queue keeps (the newest intervals with
  // outcomes, history / interval of them), for exact reports.
  absl::Duration history = absl::Hours(24 * 7);
  // A window is "at risk" when its figure is under goal + this margin.
  double at_risk_margin = 0.05;
  // Under this many contacts in the formula's denominator, a window is
  // judged "met": one early miss must not page anyone.
  uint64_t min_volume = 10;
};

// The windows a snapshot reports, in its order: the rolling ones by length
// ("15m", "1h"), then "interval" and "today".
std::vector<std::string> WindowNames(const WindowOptions& options);

// Rolling sums over fixed-resolution buckets. Only buckets that hold an
// outcome are stored (a queue with traffic in one shard of eight keeps an
// eighth of them), oldest first; each window keeps a running sum and the
// position of its oldest bucket, so Add and Advance are O(1) amortised. An
// outcome older than the longest window is ignored here (it still counts in
// the counters); one stamped ahead of the clock counts in the current step.
class RollingWindows {
 public:
  explicit RollingWindows(const WindowOptions& options);

  void Add(absl::Time at, const WindowEntry& entry);
  void Add(absl::Time at, AnswerOutcome outcome, absl::Duration wait) {
    Add(at, WindowEntry::Answer(outcome, Seconds(wait)));
  }
  // Moves the windows' end to `now`. Time never goes back: an earlier `now` is
  // ignored.
  void Advance(absl::Time now);
  // The sum of window `i` (in WindowOptions::rolling order).
  const WindowTally& Sum(size_t i) const { return windows_[i].sum; }

  // Saved state is loaded only into windows built with the same options;
  // Load fails the reader otherwise.
  void Save(StateWriter& out) const;
  void Load(StateReader& in);

 private:
  struct Bucket {
    int64_t index;
    WindowTally tally;
  };
  struct Window {
    int64_t length;    // in buckets
    uint64_t first;    // absolute position of its oldest bucket
    WindowTally sum;
  };
  int64_t BucketOf(absl::Time t) const;
  bool Inside(const Window& w, int64_t index) const { return index > now_index_ - w.length; }

  absl::Duration resolution_;
  int64_t step_nanos_;  // resolution_, converted once: not per outcome
  int64_t now_index_ = INT64_MIN;
  absl::Time next_step_ = absl::InfinitePast();  // when now_index_ next changes
  int64_t longest_ = 1;
  // Buckets ever removed from the front: positions are absolute so that
  // removing old buckets does not move the windows' positions.
  uint64_t popped_ = 0;
  std::deque<Bucket> buckets_;
  std::vector<Window> windows_;
};

// The current interval and day of one time zone. Shared by every queue of a
// shard that reports in that zone, so that the zone arithmetic runs once per
// period rather than once per queue.
class PeriodClock {
 public:
  PeriodClock(const WindowOptions& options, absl::TimeZone zone)
      : interval_length_(options.interval), day_start_offset_(options.day_start), zone_(zone) {}

  // Recomputes the bounds only when `now` has passed them.
  void Advance(absl::Time now);
  absl::Time interval_start() const { return interval_start_; }
  absl::Time day_start() const { return day_start_; }
  // Start of the interval / local day containing `t` (no zone arithmetic
  // for the current one, nor for the past interval asked for last: late
  // outcomes and replayed history come in runs of one interval).
  absl::Time IntervalOf(absl::Time t);
  absl::Time DayOf(absl::Time t) const;

 private:
  absl::Duration interval_length_;
  absl::Duration day_start_offset_;
  absl::TimeZone zone_;
  absl::Time interval_start_ = absl::InfinitePast();
  absl::Time interval_end_ = absl::InfinitePast();
  absl::Time day_start_ = absl::InfinitePast();
  absl::Time day_end_ = absl::InfinitePast();
  absl::Time past_interval_start_ = absl::InfinitePast();
  absl::Time past_interval_end_ = absl::InfinitePast();
};

// One queue's tallies for the current interval and day of its PeriodClock,
// and its interval history: every outcome lands in the interval its event
// time falls in, so a report over the history adds up to the counters.
class PeriodWindows {
 public:
  PeriodWindows(PeriodClock* clock, size_t history_intervals)
      : clock_(clock), history_intervals_(history_intervals) {}

  void Add(absl::Time at, const WindowEntry& entry);
  void Add(absl::Time at, AnswerOutcome outcome, absl::Duration wait) {
    Add(at, WindowEntry::Answer(outcome, Seconds(wait)));
  }
  // Starts new tallies if the clock has moved to a new period.
  void Sync();
  const WindowTally& interval() const { return interval_.tally; }
  const WindowTally& today() const { return day_.tally; }
  // Every interval with outcomes starting in [from, to), oldest first: the
  // history (the oldest beyond the configured count are dropped), then the
  // current interval.
  void ForEachInterval(absl::Time from, absl::Time to,
                       const std::function<void(absl::Time, const WindowTally&)>& visit) const;
  const PeriodClock& clock() const { return *clock_; }

  void Save(StateWriter& out) const;
  void Load(StateReader& in);

 private:
  struct Period {
    absl::Time start = absl::InfinitePast();
    WindowTally tally;
  };
  void AddToHistory(absl::Time start, const WindowTally& tally);

  PeriodClock* clock_;  // shared by the shard's queues in one zone
  size_t history_intervals_;
  Period interval_;
  Period day_;
  absl::btree_map<absl::Time, WindowTally> history_;
};

// Start of the aligned interval containing `t` in `zone` (intervals start at
// local midnight and every `length` after it).
absl::Time IntervalStart(absl::Time t, absl::Duration length, absl::TimeZone zone);
// Start of the local day containing `t` when days begin at `day_start`.
absl::Time DayStart(absl::Time t, absl::Duration day_start, absl::TimeZone zone);

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_WINDOWS_H_
