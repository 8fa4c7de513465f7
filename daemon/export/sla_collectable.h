// Renders engine snapshots as Prometheus metric families (sla-semantics §6).
// One snapshot per scrape: no prometheus-cpp object per queue series is kept
// or updated on the event path.
#ifndef SLAMON_DAEMON_EXPORT_SLA_COLLECTABLE_H_
#define SLAMON_DAEMON_EXPORT_SLA_COLLECTABLE_H_

#include <functional>
#include <vector>

#include "absl/time/time.h"
#include "daemon/engine/engine.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace slamon::exporter {

// Pure rendering, separate from the engine so that it can be tested and
// benchmarked on a hand-made snapshot.
std::vector<prometheus::MetricFamily> RenderSnapshot(const engine::EngineSnapshot& snapshot,
                                                     const engine::EngineOptions& options);

class SlaCollectable final : public prometheus::Collectable {
 public:
  SlaCollectable(const engine::Engine* engine, std::function<absl::Time()> clock)
      : engine_(engine), clock_(std::move(clock)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const engine::Engine* engine_;
  std::function<absl::Time()> clock_;
};

}  // namespace slamon::exporter

#endif  // SLAMON_DAEMON_EXPORT_SLA_COLLECTABLE_H_
