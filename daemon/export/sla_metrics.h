// Renders engine snapshots as the metrics of sla-semantics §6. One snapshot
// per scrape: nothing is kept or updated per queue series on the event path.
#ifndef SLAMON_DAEMON_EXPORT_SLA_METRICS_H_
#define SLAMON_DAEMON_EXPORT_SLA_METRICS_H_

#include "daemon/engine/engine.h"
#include "daemon/export/exposition.h"

namespace slamon::exporter {

// Pure rendering, apart from the engine, so that it can be tested and
// benchmarked on a hand-made snapshot.
void RenderSnapshot(const engine::EngineSnapshot& snapshot, const engine::EngineOptions& options,
                    Exposition& out);

}  // namespace slamon::exporter

#endif  // SLAMON_DAEMON_EXPORT_SLA_METRICS_H_
