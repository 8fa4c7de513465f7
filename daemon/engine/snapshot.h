// A consistent, merged copy of the engine's state at one instant: what the
// exporters render. Owning plain values; no pointers into the engine.
#ifndef SLAMON_DAEMON_ENGINE_SNAPSHOT_H_
#define SLAMON_DAEMON_ENGINE_SNAPSHOT_H_

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "daemon/engine/items.h"
#include "daemon/engine/policy.h"
#include "daemon/engine/queue_stats.h"
#include "daemon/engine/result.h"
#include "daemon/engine/windows.h"

namespace slamon::engine {

struct WindowFigures {
  std::string name;  // "15m", "1h", "interval", "today"
  WindowTally tally;
  bool operator==(const WindowFigures&) const = default;
};

// The live gauges of one item objective (sla-semantics §4).
struct ItemGauges {
  std::array<int64_t, kItemStateCount> open{};  // by ItemState
  absl::Time oldest_start = absl::InfiniteFuture();  // of the open items
  absl::Time nearest_due = absl::InfiniteFuture();   // of the running clocks

  // Since the oldest open item's clock started; zero when none is open.
  absl::Duration OldestAge(absl::Time now) const {
    return oldest_start == absl::InfiniteFuture() ? absl::ZeroDuration() : now - oldest_start;
  }
  // Until the nearest deadline (negative once passed); none while no clock runs.
  std::optional<absl::Duration> ToNearestDeadline(absl::Time now) const {
    if (nearest_due == absl::InfiniteFuture()) return std::nullopt;
    return nearest_due - now;
  }
  bool operator==(const ItemGauges&) const = default;
};

struct QueueSnapshot {
  QueueKey key;
  // The policy's current answer objective, if it has one.
  std::optional<Objective> answer;
  // The policy's current objectives (the answer one included).
  std::vector<Objective> objectives;
  std::array<ItemGauges, kObjectiveKindCount> items;  // by ObjectiveKind
  QueueTotals totals;
  int64_t waiting = 0;
  absl::Duration oldest_wait = absl::ZeroDuration();
  int64_t waiting_past_threshold = 0;
  int64_t waiting_past_warning = 0;
  std::vector<WindowFigures> windows;
  bool operator==(const QueueSnapshot&) const = default;
};

struct HealthSnapshot {
  uint64_t events_received = 0;
  uint64_t records_received = 0;
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  std::array<uint64_t, kRejectReasonCount> rejected{};
  uint64_t open_contacts = 0;
  uint64_t pending_events = 0;
  uint64_t dedup_entries = 0;

  HealthSnapshot& operator+=(const HealthSnapshot& other);
  bool operator==(const HealthSnapshot&) const = default;
};

// A warning point or deadline that passed for an open item (what
// WatchBreaches streams).
struct ItemAlert {
  enum class Kind : uint8_t { kWarning, kBreach };
  Kind kind = Kind::kBreach;
  QueueKey key;
  ObjectiveKind objective = ObjectiveKind::kAnswer;
  std::string source;
  std::string contact_id;
  absl::Time started;  // the objective's clock started (this cycle)
  absl::Time at;       // the warning point or the deadline
  bool operator==(const ItemAlert&) const = default;
};

// One reporting period of one (queue, channel, policy): what completed in it.
struct HistoryRow {
  QueueKey key;
  absl::Time start;  // of the interval or local day (the policy's time zone)
  WindowTally tally;
  bool operator==(const HistoryRow&) const = default;
};

struct EngineSnapshot {
  absl::Time taken_at;
  std::vector<QueueSnapshot> queues;  // sorted by key
  HealthSnapshot health;
  bool operator==(const EngineSnapshot&) const = default;
};

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_SNAPSHOT_H_
