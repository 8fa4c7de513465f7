// Everything /metrics shows, rendered per scrape: the engine's SLA figures,
// storage's, and the daemon's own counters kept in a prometheus-cpp registry.
#ifndef SLAMON_DAEMON_EXPORT_METRICS_PAGE_H_
#define SLAMON_DAEMON_EXPORT_METRICS_PAGE_H_

#include <functional>
#include <memory>
#include <mutex>

#include "absl/time/time.h"
#include "daemon/engine/engine.h"
#include "daemon/export/exposition.h"
#include "daemon/storage/journal.h"
#include "prometheus/registry.h"

namespace slamon::exporter {

class MetricsPage {
 public:
  // `journal` is null when the daemon keeps no state on disk.
  MetricsPage(const engine::Engine* engine, std::function<absl::Time()> clock,
              std::shared_ptr<const prometheus::Registry> registry, const storage::Journal* journal,
              storage::RecoveryReport recovery)
      : engine_(engine),
        clock_(std::move(clock)),
        registry_(std::move(registry)),
        journal_(journal),
        recovery_(std::move(recovery)) {}

  // The text exposition, family by family; safe to call from any thread.
  Page Render();
  // A page once sent: its buffers serve the next Render (one page is kept).
  void Recycle(Page page);

 private:
  const engine::Engine* engine_;
  std::function<absl::Time()> clock_;
  std::shared_ptr<const prometheus::Registry> registry_;
  const storage::Journal* journal_;
  const storage::RecoveryReport recovery_;
  // What the last scrape left for the next one to fill again: its page and
  // its engine snapshot (empty while a scrape uses them).
  std::mutex spare_mu_;
  Page spare_;
  engine::EngineSnapshot spare_snapshot_;
};

}  // namespace slamon::exporter

#endif  // SLAMON_DAEMON_EXPORT_METRICS_PAGE_H_
