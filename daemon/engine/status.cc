#include "daemon/engine/status.h"

namespace slamon::engine {

uint64_t FormulaVolume(Formula formula, const OutcomeCounts& c) {
  switch (formula) {
    case Formula::kAnsweredOnly: return c.answered();
    case Formula::kAbandonsNegative:
    case Formula::kRemovedWithin: return c.offered();
    case Formula::kAbandonsIn:
    case Formula::kAbandonsPositive: return c.answered() + c.abandoned();
    case Formula::kShortAbandonsExcluded:
      return c.answered() + c.abandoned() - c[AnswerOutcome::kAbandonedShort];
  }
  return 0;
}

ObjectiveStatus AnswerStatus(const Objective& answer, const WindowTally& window,
                             int64_t waiting_past_warning, const WindowOptions& options) {
  ObjectiveStatus status = ObjectiveStatus::kMet;
  const std::optional<double> level = ServiceLevel(answer.formula, window.outcomes);
  if (answer.goal && level && FormulaVolume(answer.formula, window.outcomes) >= options.min_volume) {
    if (*level < *answer.goal - kRatioTolerance) return ObjectiveStatus::kBreached;
    if (*level < *answer.goal + options.at_risk_margin - kRatioTolerance) {
      status = ObjectiveStatus::kAtRisk;
    }
  }
  if (waiting_past_warning > 0) status = ObjectiveStatus::kAtRisk;
  return status;
}

}  // namespace slamon::engine
