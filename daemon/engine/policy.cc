#include "daemon/engine/policy.h"

#include <algorithm>

#include "common/check.h"

namespace slamon::engine {
namespace {

constexpr absl::string_view kObjectiveNames[] = {
    "answer", "acknowledge", "next_response", "periodic_update", "callback", "resolution",
};

template <typename T, typename V>
bool AcceptsOrEmpty(const std::vector<T>& allowed, const V& value) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

}  // namespace

absl::string_view ObjectiveKindName(ObjectiveKind kind) {
  return kObjectiveNames[static_cast<int>(kind)];
}

std::optional<ObjectiveKind> ObjectiveKindFromName(absl::string_view name) {
  for (size_t i = 0; i < std::size(kObjectiveNames); ++i) {
    if (kObjectiveNames[i] == name) return static_cast<ObjectiveKind>(i);
  }
  return std::nullopt;
}

std::optional<absl::Duration> WarnPoint::At(absl::Duration threshold) const {
  const std::optional<Nanos> at = AtNanos(DurationNanos(threshold));
  if (!at) return std::nullopt;
  return *at == kNeverNanos ? absl::InfiniteDuration() : absl::Nanoseconds(*at);
}

std::optional<Nanos> WarnPoint::AtNanos(Nanos threshold) const {
  if (!is_set()) return std::nullopt;
  if (threshold == kNeverNanos) return kNeverNanos;
  // 0 < fraction < 1 (the config checks): the product is under threshold.
  if (fraction) return static_cast<Nanos>(*fraction * static_cast<double>(threshold));
  return std::max<Nanos>(0, threshold - DurationNanos(*before));
}

absl::Duration Objective::Elapsed(absl::Time from, absl::Time to) const {
  if (calendar == nullptr) return std::max(absl::ZeroDuration(), to - from);
  return calendar->BusinessTimeBetween(from, to);
}

absl::Time Objective::AddElapsed(absl::Time from, absl::Duration amount) const {
  if (calendar == nullptr) return from + amount;
  return calendar->AddBusinessTime(from, amount);
}

absl::Duration Objective::Budget(absl::Time from) const {
  SLAMON_CHECK(business_days == 0 || calendar != nullptr);  // the config requires a business basis
  if (business_days == 0) return threshold;
  const absl::Time due = calendar->EndOfBusinessDays(from, business_days);
  return due == absl::InfiniteFuture() ? absl::InfiniteDuration() : Elapsed(from, due);
}

Nanos Objective::ElapsedNanos(Nanos from, Nanos to) const {
  if (calendar == nullptr) return std::max<Nanos>(0, to - from);
  return DurationNanos(calendar->BusinessTimeBetween(FromNanos(from), FromNanos(to)));
}

Nanos Objective::AddElapsedNanos(Nanos from, Nanos amount) const {
  if (calendar == nullptr) return from > 0 && amount >= kNeverNanos - from ? kNeverNanos : from + amount;
  return ToNanos(calendar->AddBusinessTime(FromNanos(from), absl::Nanoseconds(amount)));
}

Nanos Objective::BudgetNanos(Nanos from) const {
  if (business_days == 0) return DurationNanos(threshold);
  return DurationNanos(Budget(FromNanos(from)));
}

bool Objective::Met(absl::Time from, absl::Time at) const { return Elapsed(from, at) <= Budget(from); }

bool Objective::WarningReached(absl::Time from, absl::Time now) const {
  // For a threshold in business days, a fraction applies to the business time
  // between the start and the deadline.
  const std::optional<absl::Duration> warn_at = WarnAt(Budget(from));
  return warn_at.has_value() && Elapsed(from, now) >= *warn_at;
}

bool Objective::operator==(const Objective& o) const {
  const bool same_calendar = calendar == o.calendar ||
                             (calendar != nullptr && o.calendar != nullptr && calendar->hours() == o.calendar->hours());
  return kind == o.kind && threshold == o.threshold && basis == o.basis && same_calendar &&
         business_days == o.business_days && goal == o.goal && short_abandon == o.short_abandon &&
         give_up_after == o.give_up_after && formula == o.formula && warn == o.warn && pausable == o.pausable;
}

bool PolicyMatch::Matches(absl::string_view queue, absl::string_view channel,
                          absl::string_view category, int32_t priority) const {
  return AcceptsOrEmpty(queues, queue) && AcceptsOrEmpty(channels, channel) &&
         AcceptsOrEmpty(categories, category) && AcceptsOrEmpty(priorities, priority);
}

const Objective* Policy::Find(ObjectiveKind kind) const {
  for (const Objective& o : objectives) {
    if (o.kind == kind) return &o;
  }
  return nullptr;
}

bool Policy::SameDefinition(const Policy& other) const {
  return name == other.name && match == other.match && objectives == other.objectives &&
         time_zone == other.time_zone;
}

const Policy* PolicySet::Match(absl::string_view queue, absl::string_view channel,
                               absl::string_view category, int32_t priority) const {
  for (const Policy& p : policies_) {
    if (p.match.Matches(queue, channel, category, priority)) return &p;
  }
  return nullptr;
}

void PolicySet::CarryVersions(const PolicySet& previous, std::vector<Policy>& next) {
  for (Policy& p : next) {
    for (const Policy& old : previous.policies_) {
      if (old.name != p.name) continue;
      p.version = p.SameDefinition(old) ? old.version : old.version + 1;
    }
  }
}

}  // namespace slamon::engine
