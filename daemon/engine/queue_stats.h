// Everything the engine knows about one (queue, channel, policy) key within
// one shard. Shards are merged into one view only when a snapshot is taken.
#ifndef SLAMON_DAEMON_ENGINE_QUEUE_STATS_H_
#define SLAMON_DAEMON_ENGINE_QUEUE_STATS_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/time/time.h"
#include "daemon/engine/event.h"
#include "daemon/engine/items.h"
#include "daemon/engine/outcome.h"
#include "daemon/engine/policy.h"
#include "daemon/engine/state_codec.h"
#include "daemon/engine/windows.h"

namespace slamon::engine {

struct QueueKey {
  std::string queue;
  std::string channel;
  std::string policy;  // "" when no policy matched
  bool operator==(const QueueKey&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const QueueKey& k) {
    return H::combine(std::move(h), k.queue, k.channel, k.policy);
  }
};

// Volume counters: one per event kind, with transfers split into the queue
// left (transferred_out) and the queue entered (transferred_in), and the
// waiting contacts given up on (given_up: Objective::give_up_after).
inline constexpr int kTransferredIn = kEventKindCount;
inline constexpr int kGivenUp = kEventKindCount + 1;
inline constexpr int kVolumeCount = kEventKindCount + 2;
absl::string_view VolumeName(int index);

// A cumulative histogram with shared bounds (Prometheus semantics: a value
// equal to a bound lands in that bound's bucket).
struct Histogram {
  std::vector<uint64_t> counts;  // one per bound, plus +Inf
  double sum = 0;
  uint64_t count = 0;

  void Observe(const std::vector<double>& bounds, double value);
  Histogram& operator+=(const Histogram& other);
  bool operator==(const Histogram&) const = default;

  // The same observations under other bounds (bounds changed across a
  // restart). A new bound's cumulative count is that of the largest old
  // bound not above it: observations between the two cannot be placed, so
  // they count only from the next old bound up. Exact for every old bound.
  Histogram Rebucket(const std::vector<double>& from, const std::vector<double>& to) const;
};

// The histogram bounds saved state was written with, and today's.
struct BoundsChange {
  const std::vector<double>& saved_wait;
  const std::vector<double>& wait;
  const std::vector<double>& saved_handle;
  const std::vector<double>& handle;
  const std::vector<double>& saved_elapsed;
  const std::vector<double>& elapsed;
};

// Counters of one item objective in one queue (sla-semantics §4, §6).
struct ItemTotals {
  uint64_t met = 0;
  uint64_t missed = 0;
  uint64_t warnings = 0;
  uint64_t breaches = 0;
  Histogram elapsed;  // seconds in the objective's basis, of completed cycles

  ItemTotals& operator+=(const ItemTotals& other);
  bool operator==(const ItemTotals&) const = default;
};

// ESCALATED levels 1..9 (level 0, unspecified, counts as 1).
inline constexpr int kEscalationLevels = 9;

enum class WaitKind : uint8_t { kAnswered, kAbandoned, kFlowedOut };
inline constexpr int kWaitKindCount = 3;

// Monotonic totals: what Prometheus counters and histograms export.
struct QueueTotals {
  std::array<uint64_t, kVolumeCount> volume{};
  OutcomeCounts outcomes;
  std::array<Histogram, kWaitKindCount> wait;
  Histogram handle;
  uint64_t resolved = 0;
  uint64_t resolved_first_contact = 0;
  uint64_t surveyed = 0;
  uint64_t csat_top_two = 0;  // scores in the top two points of a 5-point scale
  double csat_score_sum = 0;  // normalised to a 5-point scale
  std::array<ItemTotals, kObjectiveKindCount> items;  // indexed by ObjectiveKind
  std::array<uint64_t, kEscalationLevels> escalations{};  // index = level - 1

  QueueTotals& operator+=(const QueueTotals& other);
  bool operator==(const QueueTotals&) const = default;

  void Save(StateWriter& out) const;
  void Load(StateReader& in, const BoundsChange& bounds);
};

class QueueStats {
 public:
  QueueStats(QueueKey key, const Policy* policy, const WindowOptions& windows,
             PeriodClock* periods);

  const QueueKey& key() const { return key_; }

  QueueTotals& totals() { return totals_; }
  const QueueTotals& totals() const { return totals_; }
  const Policy* policy() const { return policy_; }
  void set_policy(const Policy* policy) { policy_ = policy; }

  // A stopped answer clock, attributed to `at`.
  void RecordAnswer(absl::Time at, AnswerOutcome outcome, Nanos wait);
  // A completed item objective cycle, attributed to `at`.
  void RecordItem(absl::Time at, ObjectiveKind kind, bool met, Nanos elapsed,
                  const std::vector<double>& elapsed_bounds);
  // Open items follow every change of a clock: untrack, change, track. The
  // answer objective's open items are the waiting contacts (waiting()), so
  // its clocks are not tracked twice.
  void TrackItem(const ItemClock& clock) {
    if (clock.kind() != ObjectiveKind::kAnswer) open_items_[static_cast<int>(clock.kind())].Add(clock);
  }
  void UntrackItem(const ItemClock& clock) {
    if (clock.kind() != ObjectiveKind::kAnswer) open_items_[static_cast<int>(clock.kind())].Remove(clock);
  }
  const OpenItems& open_items(ObjectiveKind kind) const { return open_items_[static_cast<int>(kind)]; }
  void StartWaiting(absl::Time since) { waiting_.insert(since); }
  void StopWaiting(absl::Time since);

  void Advance(absl::Time now);
  // Where this key's entry was in the snapshot last taken: a hint for the
  // next one (SnapshotMerge::Find checks it), so that a refill finds its
  // entries without hashing their keys again.
  size_t& snapshot_position() { return snapshot_position_; }
  const RollingWindows& rolling() const { return rolling_; }
  const PeriodWindows& periods() const { return periods_; }
  const absl::btree_multiset<absl::Time>& waiting() const { return waiting_; }

  // Totals and windows; the key, policy and waiting contacts are the
  // shard's to save (waiting is rebuilt from the contacts).
  void Save(StateWriter& out) const;
  void Load(StateReader& in, const BoundsChange& bounds);

 private:
  QueueKey key_;
  const Policy* policy_;
  QueueTotals totals_;
  RollingWindows rolling_;
  PeriodWindows periods_;
  // Segment start of every contact waiting now, oldest first.
  absl::btree_multiset<absl::Time> waiting_;
  // Rebuilt from the contacts' clocks, like waiting_.
  std::array<OpenItems, kObjectiveKindCount> open_items_;
  size_t snapshot_position_ = SIZE_MAX;
};

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_QUEUE_STATS_H_
