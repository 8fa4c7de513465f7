#include "daemon/engine/items.h"

#include <algorithm>

#include "common/check.h"

namespace slamon::engine {
namespace {

constexpr absl::string_view kStateNames[] = {"ok", "at_risk", "breached"};

}  // namespace

absl::string_view ItemStateName(ItemState state) { return kStateNames[static_cast<int>(state)]; }

ItemClock::ItemClock(const Objective& objective, Nanos at, Nanos now, bool paused)
    : started_(at),
      run_since_(at),
      budget_(objective.BudgetNanos(at)),
      learned_(now),
      kind_(objective.kind),
      paused_(paused) {
  Plan(objective);
}

Nanos ItemClock::Elapsed(const Objective& objective, Nanos at) const {
  return paused_ ? used_ : used_ + objective.ElapsedNanos(run_since_, at);
}

void ItemClock::Pause(const Objective& objective, Nanos at) {
  if (paused_) return;
  used_ = Elapsed(objective, at);
  paused_ = true;
  Plan(objective);
}

void ItemClock::Resume(const Objective& objective, Nanos at, Nanos now) {
  if (!paused_) return;
  paused_ = false;
  run_since_ = at;
  learned_ = now;
  Plan(objective);
}

Nanos ItemClock::ChangeNanos(const Objective& objective) const {
  if (paused_ || budget_ == kNeverNanos) return kNeverNanos;
  if (state_ == ItemState::kBreached) return GiveUpNanos(objective);
  if (state_ == ItemState::kOk) {
    if (const std::optional<Nanos> warn = objective.warn.AtNanos(budget_)) {
      return objective.AddElapsedNanos(run_since_, std::max<Nanos>(0, *warn - used_));
    }
  }
  // Breached once more than the budget has elapsed: a clock stopped exactly
  // at the threshold is within.
  return objective.AddElapsedNanos(run_since_, std::max<Nanos>(0, budget_ - used_) + 1);
}

Nanos ItemClock::GiveUpNanos(const Objective& objective) const {
  if (kind_ != ObjectiveKind::kAnswer || objective.give_up_after == absl::InfiniteDuration()) return kNeverNanos;
  const Nanos after = DurationNanos(objective.give_up_after);
  // Planned only once breached: if this instant is earlier (a deadline in
  // business time), the wait is given up on when the breach fires.
  return after >= kNeverNanos - started_ ? kNeverNanos : started_ + after;
}

ItemState ItemClock::Advance(const Objective& objective) {
  SLAMON_CHECK(state_ != ItemState::kBreached && !paused_);
  const bool warns = state_ == ItemState::kOk && objective.warn.is_set();
  state_ = warns ? ItemState::kAtRisk : ItemState::kBreached;
  Plan(objective);
  return state_;
}

void ItemClock::Plan(const Objective& objective) {
  if (paused_ || budget_ == kNeverNanos) {
    due_ = next_ = kNeverNanos;
    return;
  }
  due_ = objective.AddElapsedNanos(run_since_, std::max<Nanos>(0, budget_ - used_));
  const Nanos change = ChangeNanos(objective);
  next_ = change == kNeverNanos ? kNeverNanos : std::max(change, learned_);
}

void ItemClock::Save(StateWriter& out) const {
  out.U8(static_cast<uint8_t>(kind_));
  out.U8(static_cast<uint8_t>(state_));
  out.Bool(paused_);
  for (Nanos n : {started_, run_since_, used_, budget_, learned_, due_, next_}) out.I64(n);
}

void ItemClock::Load(StateReader& in) {
  kind_ = in.Enum<ObjectiveKind>(kObjectiveKindCount);
  state_ = in.Enum<ItemState>(kItemStateCount);
  paused_ = in.Bool();
  for (Nanos* n : {&started_, &run_since_, &used_, &budget_, &learned_, &due_, &next_}) *n = in.I64();
}

void OpenItems::Add(const ItemClock& clock) {
  by_state_[static_cast<int>(clock.state())] += 1;
  started_.insert(clock.started_nanos());
  if (clock.due_nanos() != kNeverNanos) due_.insert(clock.due_nanos());
}

void OpenItems::Remove(const ItemClock& clock) {
  by_state_[static_cast<int>(clock.state())] -= 1;
  SLAMON_CHECK(by_state_[static_cast<int>(clock.state())] >= 0);
  auto started = started_.find(clock.started_nanos());
  SLAMON_CHECK(started != started_.end());  // every open item was added
  started_.erase(started);
  if (clock.due_nanos() != kNeverNanos) {
    auto due = due_.find(clock.due_nanos());
    SLAMON_CHECK(due != due_.end());
    due_.erase(due);
  }
}

}  // namespace slamon::engine
