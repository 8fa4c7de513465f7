// Judging an objective over a window: met, at risk or breached (sla-semantics §5).
#ifndef SLAMON_DAEMON_ENGINE_STATUS_H_
#define SLAMON_DAEMON_ENGINE_STATUS_H_

#include <cstdint>

#include "daemon/engine/policy.h"
#include "daemon/engine/snapshot.h"
#include "daemon/engine/windows.h"

namespace slamon::engine {

// Exported as the value of slamon_objective_status.
enum class ObjectiveStatus : uint8_t { kMet = 0, kAtRisk = 1, kBreached = 2 };

// The ratio a goal is judged by is compared with a tolerance of 1e-9, so that
// 0.7999999999999999 meets a goal of 0.8.
inline constexpr double kRatioTolerance = 1e-9;

// The answer objective over one window. `waiting_past_warning` contacts that
// already waited past the warning point make a met window at risk.
ObjectiveStatus AnswerStatus(const Objective& answer, const WindowTally& window,
                             int64_t waiting_past_warning, const WindowOptions& options);

// An item objective (not answer) over one window. With a goal it is judged
// like the answer objective, on met / (met + missed); without one every item
// is a promise: a miss in the window or a breached open item breaches it.
// Open items at risk, or breached under a goal, make a met window at risk.
ObjectiveStatus ItemStatus(const Objective& objective, const WindowTally& window, const ItemGauges& live,
                           const WindowOptions& options);

// met / (met + missed) of an item objective in a window; nullopt if none
// completed.
std::optional<double> MetRatio(const WindowTally& window, ObjectiveKind kind);

// The denominator of `formula` for these counts.
uint64_t FormulaVolume(Formula formula, const OutcomeCounts& c);

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_STATUS_H_
