// The daemon's BatchHandler: converts a wire batch to engine values (outside
// any engine lock), applies it, and reports what became of each item.
#ifndef SLAMON_DAEMON_INGEST_BATCH_APPLIER_H_
#define SLAMON_DAEMON_INGEST_BATCH_APPLIER_H_

#include <functional>

#include "absl/time/time.h"
#include "daemon/engine/engine.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "slamon/v1/ingest.pb.h"

namespace slamon::ingest {

using Clock = std::function<absl::Time()>;

class BatchApplier {
 public:
  // `registry` receives slamon_ingest_lag_seconds.
  BatchApplier(engine::Engine* engine, Clock clock, prometheus::Registry& registry);

  // Thread-safe. Consumes the batch (moves its strings out).
  void Apply(v1::EventBatch& batch, v1::BatchAck* ack);

 private:
  engine::Engine* engine_;
  Clock clock_;
  prometheus::Histogram& lag_;
};

}  // namespace slamon::ingest

#endif  // SLAMON_DAEMON_INGEST_BATCH_APPLIER_H_
