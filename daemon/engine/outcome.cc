#include "daemon/engine/outcome.h"

#include "common/check.h"

namespace slamon::engine {

absl::string_view AnswerOutcomeName(AnswerOutcome outcome) {
  switch (outcome) {
    case AnswerOutcome::kAnsweredWithin: return "answered_within";
    case AnswerOutcome::kAnsweredLate: return "answered_late";
    case AnswerOutcome::kAbandonedShort: return "abandoned_short";
    case AnswerOutcome::kAbandonedWithin: return "abandoned_within";
    case AnswerOutcome::kAbandonedLate: return "abandoned_late";
    case AnswerOutcome::kFlowedOutWithin: return "flowed_out_within";
    case AnswerOutcome::kFlowedOutLate: return "flowed_out_late";
  }
  return "unknown";
}

AnswerOutcome ClassifyAnswer(AnswerEnd end, bool within, bool short_abandon) {
  switch (end) {
    case AnswerEnd::kAnswered:
      return within ? AnswerOutcome::kAnsweredWithin : AnswerOutcome::kAnsweredLate;
    case AnswerEnd::kAbandoned:
      if (short_abandon) return AnswerOutcome::kAbandonedShort;
      return within ? AnswerOutcome::kAbandonedWithin : AnswerOutcome::kAbandonedLate;
    case AnswerEnd::kFlowedOut:
      return within ? AnswerOutcome::kFlowedOutWithin : AnswerOutcome::kFlowedOutLate;
    case AnswerEnd::kGivenUp:
      break;
  }
  SLAMON_CHECK(false && "a wait given up on has no answer outcome");
  return AnswerOutcome::kAnsweredLate;
}

AnswerOutcome ClassifyAnswer(AnswerEnd end, absl::Duration wait, absl::Duration threshold,
                             absl::Duration short_abandon) {
  return ClassifyAnswer(end, wait <= threshold,
                        short_abandon > absl::ZeroDuration() && wait <= short_abandon);
}

OutcomeCounts& OutcomeCounts::operator+=(const OutcomeCounts& other) {
  for (int i = 0; i < kAnswerOutcomeCount; ++i) n[i] += other.n[i];
  return *this;
}

OutcomeCounts& OutcomeCounts::operator-=(const OutcomeCounts& other) {
  for (int i = 0; i < kAnswerOutcomeCount; ++i) n[i] -= other.n[i];
  return *this;
}

uint64_t OutcomeCounts::answered() const {
  return (*this)[AnswerOutcome::kAnsweredWithin] + (*this)[AnswerOutcome::kAnsweredLate];
}
uint64_t OutcomeCounts::abandoned() const {
  return (*this)[AnswerOutcome::kAbandonedShort] + (*this)[AnswerOutcome::kAbandonedWithin] +
         (*this)[AnswerOutcome::kAbandonedLate];
}
uint64_t OutcomeCounts::flowed_out() const {
  return (*this)[AnswerOutcome::kFlowedOutWithin] + (*this)[AnswerOutcome::kFlowedOutLate];
}
uint64_t OutcomeCounts::offered() const { return answered() + abandoned() + flowed_out(); }

namespace {
constexpr absl::string_view kFormulaNames[kFormulaCount] = {
    "answered_only",           "abandons_negative", "abandons_in",
    "short_abandons_excluded", "abandons_positive", "removed_within",
};

std::optional<double> Ratio(uint64_t num, uint64_t den) {
  if (den == 0) return std::nullopt;
  return static_cast<double>(num) / static_cast<double>(den);
}
}  // namespace

absl::string_view FormulaName(Formula formula) { return kFormulaNames[static_cast<int>(formula)]; }

std::optional<Formula> FormulaFromName(absl::string_view name) {
  for (int i = 0; i < kFormulaCount; ++i) {
    if (kFormulaNames[i] == name) return static_cast<Formula>(i);
  }
  return std::nullopt;
}

std::optional<double> ServiceLevel(Formula formula, const OutcomeCounts& c) {
  const uint64_t ans_within = c[AnswerOutcome::kAnsweredWithin];
  const uint64_t abn_within =
      c[AnswerOutcome::kAbandonedShort] + c[AnswerOutcome::kAbandonedWithin];
  switch (formula) {
    case Formula::kAnsweredOnly: return Ratio(ans_within, c.answered());
    case Formula::kAbandonsNegative: return Ratio(ans_within, c.offered());
    case Formula::kAbandonsIn: return Ratio(ans_within, c.answered() + c.abandoned());
    case Formula::kShortAbandonsExcluded:
      return Ratio(ans_within,
                   c.answered() + c.abandoned() - c[AnswerOutcome::kAbandonedShort]);
    case Formula::kAbandonsPositive:
      return Ratio(ans_within + abn_within, c.answered() + c.abandoned());
    case Formula::kRemovedWithin:
      return Ratio(ans_within + abn_within + c[AnswerOutcome::kFlowedOutWithin], c.offered());
  }
  return std::nullopt;
}

std::optional<double> AbandonRatio(const OutcomeCounts& c) {
  const uint64_t short_abandons = c[AnswerOutcome::kAbandonedShort];
  return Ratio(c.abandoned() - short_abandons, c.offered() - short_abandons);
}

}  // namespace slamon::engine
