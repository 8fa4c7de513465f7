// The answer clock's outcomes (sla-semantics §3) and the service-level
// formulas computed from them. Everything here is pure arithmetic.
#ifndef SLAMON_DAEMON_ENGINE_OUTCOME_H_
#define SLAMON_DAEMON_ENGINE_OUTCOME_H_

#include <array>
#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace slamon::engine {

enum class AnswerOutcome : uint8_t {
  kAnsweredWithin,
  kAnsweredLate,
  kAbandonedShort,
  kAbandonedWithin,
  kAbandonedLate,
  kFlowedOutWithin,
  kFlowedOutLate,
};
inline constexpr int kAnswerOutcomeCount = 7;

// The `outcome` label of slamon_objective_outcomes_total{objective="answer"}.
absl::string_view AnswerOutcomeName(AnswerOutcome outcome);

// How a contact's wait in a queue ended. kGivenUp: slamon stopped waiting
// for an end event (Objective::give_up_after); it has no outcome of §3.
enum class AnswerEnd : uint8_t { kAnswered, kAbandoned, kFlowedOut, kGivenUp };
inline constexpr int kAnswerEndCount = 4;

// Classifies one stopped answer clock, given whether it met the threshold
// (in the objective's basis) and whether an abandon was short.
AnswerOutcome ClassifyAnswer(AnswerEnd end, bool within_threshold, bool short_abandon);

// The same in calendar time: a wait of exactly `threshold` is within; an
// abandon of exactly `short_abandon` is short. short_abandon 0 disables.
AnswerOutcome ClassifyAnswer(AnswerEnd end, absl::Duration wait, absl::Duration threshold,
                             absl::Duration short_abandon);

// Counts of outcomes, indexed by AnswerOutcome.
struct OutcomeCounts {
  std::array<uint64_t, kAnswerOutcomeCount> n{};

  uint64_t& operator[](AnswerOutcome o) { return n[static_cast<int>(o)]; }
  uint64_t operator[](AnswerOutcome o) const { return n[static_cast<int>(o)]; }
  OutcomeCounts& operator+=(const OutcomeCounts& other);
  OutcomeCounts& operator-=(const OutcomeCounts& other);
  bool operator==(const OutcomeCounts&) const = default;

  uint64_t answered() const;
  uint64_t abandoned() const;
  uint64_t flowed_out() const;
  uint64_t offered() const;
};

// The service-level formulas in use in the field (sla-semantics §3).
enum class Formula : uint8_t {
  kAnsweredOnly,
  kAbandonsNegative,
  kAbandonsIn,
  kShortAbandonsExcluded,
  kAbandonsPositive,
  kRemovedWithin,
};
inline constexpr int kFormulaCount = 6;

absl::string_view FormulaName(Formula formula);
std::optional<Formula> FormulaFromName(absl::string_view name);

// The ratio in [0, 1], or nullopt when the denominator is zero (no data is not
// 100 % nor 0 %).
std::optional<double> ServiceLevel(Formula formula, const OutcomeCounts& c);

// (abandoned - abandoned short) / (offered - abandoned short).
std::optional<double> AbandonRatio(const OutcomeCounts& c);

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_OUTCOME_H_
