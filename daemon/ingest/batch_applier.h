// The daemon's BatchHandler: reads a wire batch into engine values (outside
// any engine lock), applies it, and reports what became of each item. With a
// journal, the batch is logged and takes its engine turn in the journal's
// order, and its ack waits until the log holds it on disk.
#ifndef SLAMON_DAEMON_INGEST_BATCH_APPLIER_H_
#define SLAMON_DAEMON_INGEST_BATCH_APPLIER_H_

#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "daemon/engine/engine.h"
#include "daemon/ingest/decoded_batch.h"
#include "daemon/ingest/ingest_service.h"
#include "daemon/storage/journal.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "slamon/v1/ingest.pb.h"

namespace slamon::ingest {

using Clock = std::function<absl::Time()>;

class BatchApplier {
 public:
  // `registry` receives slamon_ingest_lag_seconds and
  // slamon_ingest_batches_refused_total.
  BatchApplier(engine::Engine* engine, Clock clock, prometheus::Registry& registry);
  ~BatchApplier();

  // From now on batches are logged and acknowledged once durable. Until a
  // journal is attached (recovery replays through Replay first, or the
  // daemon runs without a data dir) they are applied in memory only.
  void AttachJournal(storage::Journal* journal) { journal_ = journal; }

  // Thread-safe. Reads `wire` (a slamon.v1.EventBatch as received), applies
  // it, fills `ack` and takes `done`, which it calls once the ack may be
  // sent; a batch that cannot be made durable is refused before it is
  // applied. False, with `done` left to the caller, if the bytes do not
  // parse as an EventBatch. The journal records `wire`.
  bool Apply(absl::string_view wire, v1::BatchAck* ack, AckReady& done);
  // Applies a batch read back from the journal at the time it was first
  // applied. Its ack is not needed: it was sent (or the collector resends).
  absl::Status Replay(absl::Time at, absl::string_view serialized_batch);

 private:
  // Gives an applied batch back to spares_ when dropped.
  struct ReturnToSpares {
    BatchApplier* applier;
    void operator()(DecodedBatch* batch) const;
  };
  using BatchPtr = std::unique_ptr<DecodedBatch, ReturnToSpares>;
  // About one per batch being applied at once (gRPC's callback threads);
  // past these, or past this size, a batch is freed instead.
  static constexpr size_t kMaxSpares = 16;
  static constexpr size_t kMaxSpareItems = 10'000;

  // A kept batch to read the next one into, or a new one.
  BatchPtr TakeSpare();
  // Applies what converted, counts what did not, and fills the ack (when
  // one is given). With `turn` (the journal's order) the batch applies in
  // its turn, which counted what did not convert when it was taken; without
  // one (no journal, and in replay) at once.
  void ApplyDecoded(const DecodedBatch& batch, engine::Engine::Turn* turn, absl::Time now, bool observe_lag,
                    v1::BatchAck* ack);
  // What became of each item: `applied` holds the engine's results for the
  // items that converted, in order.
  void FillAck(const DecodedBatch& batch, std::span<const engine::ItemResult> applied, v1::BatchAck* ack);
  // Sorts the batch's lags into buckets here and takes the histogram's lock
  // once per batch, not once per event.
  void ObserveLag(const DecodedBatch& batch, absl::Time now);

  engine::Engine* engine_;
  storage::Journal* journal_ = nullptr;
  Clock clock_;
  const prometheus::Histogram::BucketBoundaries lag_bounds_;
  prometheus::Histogram& lag_;
  prometheus::Family<prometheus::Counter>& refused_;
  std::mutex spares_mu_;
  std::vector<std::unique_ptr<DecodedBatch>> spares_;
};

}  // namespace slamon::ingest

#endif  // SLAMON_DAEMON_INGEST_BATCH_APPLIER_H_
