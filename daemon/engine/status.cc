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

std::optional<double> MetRatio(const WindowTally& window, ObjectiveKind kind) {
  const uint64_t met = window.items_met[static_cast<int>(kind)];
  const uint64_t done = met + window.items_missed[static_cast<int>(kind)];
  if (done == 0) return std::nullopt;
  return static_cast<double>(met) / static_cast<double>(done);
}

ObjectiveStatus ItemStatus(const Objective& objective, const WindowTally& window, const ItemGauges& live,
                           const WindowOptions& options) {
  const int k = static_cast<int>(objective.kind);
  const int64_t at_risk = live.open[static_cast<int>(ItemState::kAtRisk)];
  const int64_t breached = live.open[static_cast<int>(ItemState::kBreached)];
  if (!objective.goal) {
    if (window.items_missed[k] > 0 || breached > 0) return ObjectiveStatus::kBreached;
    return at_risk > 0 ? ObjectiveStatus::kAtRisk : ObjectiveStatus::kMet;
  }
  ObjectiveStatus status = ObjectiveStatus::kMet;
  const std::optional<double> ratio = MetRatio(window, objective.kind);
  if (ratio && window.items_met[k] + window.items_missed[k] >= options.min_volume) {
    if (*ratio < *objective.goal - kRatioTolerance) return ObjectiveStatus::kBreached;
    if (*ratio < *objective.goal + options.at_risk_margin - kRatioTolerance) status = ObjectiveStatus::kAtRisk;
  }
  if (at_risk > 0 || breached > 0) status = ObjectiveStatus::kAtRisk;
  return status;
}

}  // namespace slamon::engine
