// Policies: named sets of objectives, matched first-match against a contact's
// attributes at arrival (sla-semantics §1). Immutable once built; a reload
// builds a new PolicySet and open contacts keep the version they matched.
#ifndef SLAMON_DAEMON_ENGINE_POLICY_H_
#define SLAMON_DAEMON_ENGINE_POLICY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "daemon/engine/calendar.h"
#include "daemon/engine/nanos.h"
#include "daemon/engine/outcome.h"

namespace slamon::engine {

enum class ObjectiveKind : uint8_t {
  kAnswer,
  kAcknowledge,
  kNextResponse,
  kPeriodicUpdate,
  kCallback,
  kResolution,
};
inline constexpr int kObjectiveKindCount = 6;
absl::string_view ObjectiveKindName(ObjectiveKind kind);
std::optional<ObjectiveKind> ObjectiveKindFromName(absl::string_view name);

// Where the warning comes before the threshold: a fraction of it, or a
// duration before it.
struct WarnPoint {
  std::optional<double> fraction;
  std::optional<absl::Duration> before;
  bool is_set() const { return fraction.has_value() || before.has_value(); }
  // The elapsed time at which the warning fires, or nullopt if none is set.
  std::optional<absl::Duration> At(absl::Duration threshold) const;
  // The same in nanoseconds (kNeverNanos for an infinite threshold), which
  // At() also goes through: a Duration times a double is ~100 instructions
  // of library code, paid by every item clock started.
  std::optional<Nanos> AtNanos(Nanos threshold) const;
  bool operator==(const WarnPoint&) const = default;
};

struct Objective {
  ObjectiveKind kind = ObjectiveKind::kAnswer;
  // In the objective's basis: business time when `calendar` is set.
  absl::Duration threshold = absl::ZeroDuration();
  // "calendar" or the name of a business calendar.
  std::string basis = "calendar";
  // The business calendar named by `basis`; null for calendar time.
  std::shared_ptr<const BusinessCalendar> calendar;
  // A threshold of N business days ("5bd"): due at the close of the N-th
  // open day after the clock started. 0 when the threshold is a duration.
  int business_days = 0;
  // Target share of contacts within threshold (queue-level objectives).
  std::optional<double> goal;
  // answer only: abandons at or under this are "short"; 0 disables.
  absl::Duration short_abandon = absl::ZeroDuration();
  // answer only: a contact still waiting this long (calendar time) after
  // entering its queue, and past its deadline, is taken as lost: its end
  // event never reached slamon. Infinite: never.
  absl::Duration give_up_after = absl::InfiniteDuration();
  Formula formula = Formula::kAbandonsIn;
  WarnPoint warn;
  bool pausable = false;

  // Time elapsed from `from` to `to` in this objective's basis; zero if `to`
  // is not after `from`.
  absl::Duration Elapsed(absl::Time from, absl::Time to) const;
  // The instant at which `amount` of this basis' time has passed since `from`.
  absl::Time AddElapsed(absl::Time from, absl::Duration amount) const;
  // The threshold of a clock started at `from`, in this basis: `threshold`,
  // or for N business days the open time from `from` to the close of the
  // N-th open day after it.
  absl::Duration Budget(absl::Time from) const;
  // The same three in nanoseconds (kNeverNanos for an infinite budget), for
  // the item clocks: calendar time needs no library call then.
  Nanos ElapsedNanos(Nanos from, Nanos to) const;
  Nanos AddElapsedNanos(Nanos from, Nanos amount) const;
  Nanos BudgetNanos(Nanos from) const;
  // Whether a clock started at `from` and stopped at `at` met the threshold:
  // no more than the budget elapsed. (A business-time item handled after the
  // close of its due day, before the next opening, is within: no open time
  // passed.)
  bool Met(absl::Time from, absl::Time at) const;
  // The same in nanoseconds, as the answer outcome judges every answer.
  bool MetNanos(Nanos from, Nanos at) const { return ElapsedNanos(from, at) <= BudgetNanos(from); }
  // The elapsed time at which the warning fires for this budget, if any.
  std::optional<absl::Duration> WarnAt(absl::Duration budget) const { return warn.At(budget); }
  // Whether, at `now`, a clock started at `from` has passed the warning point.
  bool WarningReached(absl::Time from, absl::Time now) const;
  // Same definition; calendars are compared by content.
  bool operator==(const Objective& other) const;
};

// Conditions on a contact's arrival attributes; an empty list matches all.
struct PolicyMatch {
  std::vector<std::string> queues;
  std::vector<std::string> channels;
  std::vector<std::string> categories;
  std::vector<int32_t> priorities;
  bool Matches(absl::string_view queue, absl::string_view channel, absl::string_view category,
               int32_t priority) const;
  bool operator==(const PolicyMatch&) const = default;
};

struct Policy {
  std::string name;
  // Increases each time a reload changes this policy's definition.
  uint64_t version = 1;
  PolicyMatch match;
  std::vector<Objective> objectives;
  // Time zone of "today" and of the 30-minute intervals.
  absl::TimeZone time_zone = absl::UTCTimeZone();

  const Objective* Find(ObjectiveKind kind) const;
  // Same definition, regardless of version.
  bool SameDefinition(const Policy& other) const;
};

class PolicySet {
 public:
  // `origin` is what the set was built from, opaque to the engine: saved
  // state stores it so that the set can be rebuilt on restart (see
  // Engine::LoadState).
  explicit PolicySet(std::vector<Policy> policies, std::string origin = "")
      : policies_(std::move(policies)), origin_(std::move(origin)) {}

  // The first policy whose match accepts the contact, or nullptr.
  const Policy* Match(absl::string_view queue, absl::string_view channel,
                      absl::string_view category, int32_t priority) const;
  const std::vector<Policy>& policies() const { return policies_; }
  const std::string& origin() const { return origin_; }

  // Gives each policy of `next` the version of its namesake in `previous`,
  // plus one if its definition changed.
  static void CarryVersions(const PolicySet& previous, std::vector<Policy>& next);

 private:
  std::vector<Policy> policies_;
  std::string origin_;
};

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_POLICY_H_
