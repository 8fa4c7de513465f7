// slamon_storage_* metrics: the write-ahead log, snapshots, and what the last
// start recovered, rendered from the journal's figures at scrape time.
#ifndef SLAMON_DAEMON_EXPORT_STORAGE_COLLECTABLE_H_
#define SLAMON_DAEMON_EXPORT_STORAGE_COLLECTABLE_H_

#include <vector>

#include "daemon/storage/journal.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace slamon::exporter {

class StorageCollectable final : public prometheus::Collectable {
 public:
  StorageCollectable(const storage::Journal* journal, storage::RecoveryReport recovery)
      : journal_(journal), recovery_(std::move(recovery)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const storage::Journal* journal_;
  const storage::RecoveryReport recovery_;
};

}  // namespace slamon::exporter

#endif  // SLAMON_DAEMON_EXPORT_STORAGE_COLLECTABLE_H_
