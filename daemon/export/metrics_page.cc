#include "daemon/export/metrics_page.h"

#include <chrono>

#include "daemon/export/exposition.h"
#include "daemon/export/sla_metrics.h"
#include "daemon/export/storage_metrics.h"
#include "prometheus/text_serializer.h"

namespace slamon::exporter {

Page MetricsPage::Render() {
  const auto start = std::chrono::steady_clock::now();
  Page spare;
  engine::EngineSnapshot snapshot;
  {
    std::lock_guard lock(spare_mu_);
    spare.swap(spare_);
    std::swap(snapshot, spare_snapshot_);
  }
  engine_->Snapshot(clock_(), snapshot);
  Exposition out(snapshot.queues.size(), std::move(spare));
  RenderSnapshot(snapshot, engine_->options(), out);
  if (journal_ != nullptr) RenderStorage(*journal_, recovery_, out);
  // A few dozen series of counters updated where they happen (ingest,
  // queries, this listener): prometheus-cpp's own serialiser is fine there.
  out.AppendFamilies(prometheus::TextSerializer().Serialize(registry_->Collect()));
  {
    std::lock_guard lock(spare_mu_);
    if (spare_snapshot_.queues.empty()) spare_snapshot_ = std::move(snapshot);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.Add("slamon_scrape_render_seconds", "Time this scrape took to snapshot the engine and render every family "
          "before this one.", MetricType::kGauge, {}, seconds);
  return std::move(out).TakePage();
}

void MetricsPage::Recycle(Page page) {
  std::lock_guard lock(spare_mu_);
  if (spare_.empty()) spare_ = std::move(page);
}

}  // namespace slamon::exporter
