// Builds Prometheus metric families series by series, for the collectables
// that render snapshots at scrape time.
#ifndef SLAMON_DAEMON_EXPORT_FAMILIES_H_
#define SLAMON_DAEMON_EXPORT_FAMILIES_H_

#include <cstdint>
#include <limits>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "daemon/engine/queue_stats.h"
#include "prometheus/client_metric.h"
#include "prometheus/metric_family.h"

namespace slamon::exporter {

using Labels = std::vector<prometheus::ClientMetric::Label>;

class Families {
 public:
  // `series_hint`: the series most families will hold (one per queue or
  // more), reserved up front: regrowing moves every ~160-byte ClientMetric.
  explicit Families(size_t series_hint = 0) : series_hint_(series_hint) {}

  prometheus::MetricFamily& Get(const char* name, const char* help, prometheus::MetricType type) {
    // Called once per series (~440k at 10k queues): index, don't search.
    auto [it, added] = index_.try_emplace(name, families_.size());
    if (added) {
      families_.push_back({name, help, type, {}});
      families_.back().metric.reserve(series_hint_);
    }
    return families_[it->second];
  }
  void Add(const char* name, const char* help, prometheus::MetricType type, Labels labels, double value) {
    prometheus::ClientMetric m;
    m.label = std::move(labels);
    switch (type) {
      case prometheus::MetricType::Counter: m.counter.value = value; break;
      default: m.gauge.value = value; break;
    }
    Get(name, help, type).metric.push_back(std::move(m));
  }
  // Like the official client libraries' labelled histograms, a series
  // appears with its first observation: an empty one would cost a line per
  // bucket on every scrape for nothing.
  void AddHistogram(const char* name, const char* help, Labels labels,
                    const engine::Histogram& h, const std::vector<double>& bounds) {
    if (h.count == 0) return;
    prometheus::ClientMetric m;
    m.label = std::move(labels);
    m.histogram.sample_count = h.count;
    m.histogram.sample_sum = h.sum;
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds.size(); ++i) {
      cumulative += h.counts.empty() ? 0 : h.counts[i];
      m.histogram.bucket.push_back({cumulative, bounds[i]});
    }
    m.histogram.bucket.push_back({h.count, std::numeric_limits<double>::infinity()});
    Get(name, help, prometheus::MetricType::Histogram).metric.push_back(std::move(m));
  }
  // A summary without quantiles: a count and a sum.
  void AddSummary(const char* name, const char* help, Labels labels, uint64_t count, double sum) {
    prometheus::ClientMetric m;
    m.label = std::move(labels);
    m.summary.sample_count = count;
    m.summary.sample_sum = sum;
    Get(name, help, prometheus::MetricType::Summary).metric.push_back(std::move(m));
  }
  std::vector<prometheus::MetricFamily> Take() { return std::move(families_); }

 private:
  size_t series_hint_;
  std::vector<prometheus::MetricFamily> families_;
  absl::flat_hash_map<absl::string_view, size_t> index_;
};

}  // namespace slamon::exporter

#endif  // SLAMON_DAEMON_EXPORT_FAMILIES_H_
