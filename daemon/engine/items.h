// Item-level objectives (sla-semantics §4): every running objective of an
// open contact is an ItemClock, measured in its objective's basis and
// paused by PAUSED when the objective is pausable. Times are int64 Unix
// nanoseconds: a million open items must fit in little memory.
#ifndef SLAMON_DAEMON_ENGINE_ITEMS_H_
#define SLAMON_DAEMON_ENGINE_ITEMS_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "absl/container/btree_set.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "daemon/engine/nanos.h"
#include "daemon/engine/policy.h"
#include "daemon/engine/state_codec.h"

namespace slamon::engine {

// Where an open item stands against its deadline: the `state` label of
// slamon_objective_open_items.
enum class ItemState : uint8_t { kOk, kAtRisk, kBreached };
inline constexpr int kItemStateCount = 3;
absl::string_view ItemStateName(ItemState state);

class ItemClock {
 public:
  // A new cycle of `objective` started at `at`. `now` is the daemon clock:
  // an item learnt after its warning point or deadline fires no earlier than
  // it was learnt (plus the reorder allowance), so that the event that
  // completes it in time, sent right behind, is not too late.
  ItemClock(const Objective& objective, Nanos at, Nanos now, bool paused);
  ItemClock() = default;  // for loading

  ObjectiveKind kind() const { return kind_; }
  ItemState state() const { return state_; }
  bool paused() const { return paused_; }
  absl::Time started() const { return FromNanos(started_); }
  Nanos started_nanos() const { return started_; }
  // The instant the budget runs out (kNeverNanos while paused).
  Nanos due_nanos() const { return due_; }
  // When the next state change is due (kNeverNanos if none).
  Nanos next_nanos() const { return next_; }

  // Time used in the basis up to `at`.
  Nanos Elapsed(const Objective& objective, Nanos at) const;
  bool Met(const Objective& objective, Nanos at) const { return Elapsed(objective, at) <= budget_; }

  void Pause(const Objective& objective, Nanos at);
  void Resume(const Objective& objective, Nanos at, Nanos now);
  // Moves to the next state (ok -> at risk -> breached) and plans the one
  // after. Call when next_nanos() has passed and the clock is not breached.
  ItemState Advance(const Objective& objective);
  // A breached clock plans one more change only if it is an answer clock
  // whose objective gives up on a wait (Objective::give_up_after): when
  // next_nanos() passes, the shard ends the wait as given up.
  bool GivesUp() const { return state_ == ItemState::kBreached && next_ != kNeverNanos; }
  // The instant the wait counts as given up on, in event time: give_up_after
  // from its start, or its deadline if that is later (whenever the daemon
  // learnt of it).
  Nanos GiveUpInstant(const Objective& objective) const { return std::max(due_, GiveUpNanos(objective)); }
  // The instant of the state change Advance() makes, before it is made.
  absl::Time ChangeInstant(const Objective& objective) const { return FromNanos(ChangeNanos(objective)); }

  void Save(StateWriter& out) const;
  void Load(StateReader& in);

 private:
  // Sets due_ and next_ from the state and the time used.
  void Plan(const Objective& objective);
  Nanos ChangeNanos(const Objective& objective) const;
  // When an answer clock's wait is given up on, or kNeverNanos.
  Nanos GiveUpNanos(const Objective& objective) const;

  Nanos started_ = 0;    // start of this cycle (the item's age)
  Nanos run_since_ = 0;  // last start or resume
  Nanos used_ = 0;       // basis time used before run_since_
  Nanos budget_ = 0;     // the threshold in basis time, fixed at start
  Nanos learned_ = 0;    // daemon time of the last start or resume
  Nanos due_ = kNeverNanos;
  Nanos next_ = kNeverNanos;
  ObjectiveKind kind_ = ObjectiveKind::kAnswer;
  ItemState state_ = ItemState::kOk;
  bool paused_ = false;
};

// The open items of one objective in one queue: what its live gauges read.
class OpenItems {
 public:
  void Add(const ItemClock& clock);
  void Remove(const ItemClock& clock);

  int64_t count(ItemState state) const { return by_state_[static_cast<int>(state)]; }
  // kNeverNanos when empty / when no open item's clock runs.
  Nanos oldest_start() const { return started_.empty() ? kNeverNanos : *started_.begin(); }
  Nanos nearest_due() const { return due_.empty() ? kNeverNanos : *due_.begin(); }

 private:
  std::array<int64_t, kItemStateCount> by_state_{};
  absl::btree_multiset<Nanos> started_;
  absl::btree_multiset<Nanos> due_;  // running clocks only
};

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_ITEMS_H_
