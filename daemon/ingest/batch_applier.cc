#include "daemon/ingest/batch_applier.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/fmt_absl.h"
#include "daemon/engine/nanos.h"
#include "daemon/engine/seconds.h"
#include "prometheus/family.h"
#include "proto/grpc_status.h"
#include "spdlog/spdlog.h"

namespace slamon::ingest {

BatchApplier::BatchApplier(engine::Engine* engine, Clock clock, prometheus::Registry& registry)
    : engine_(engine),
      clock_(std::move(clock)),
      lag_bounds_{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400},
      lag_(prometheus::BuildHistogram()
               .Name("slamon_ingest_lag_seconds")
               .Help("Daemon receive time minus event occurred_at, per event.")
               .Register(registry)
               .Add({}, lag_bounds_)),
      refused_(prometheus::BuildCounter()
                   .Name("slamon_ingest_batches_refused_total")
                   .Help("Batches refused unapplied because storage could not make them durable, by gRPC code.")
                   .Register(registry)) {}

BatchApplier::~BatchApplier() = default;

void BatchApplier::ReturnToSpares::operator()(DecodedBatch* batch) const {
  std::unique_ptr<DecodedBatch> owned(batch);
  // A rare huge batch is not worth keeping its memory for (nor its parsed
  // message, which holds every record it had).
  if (batch->events.size() > kMaxSpareItems || batch->n_items > kMaxSpareItems) return;
  std::lock_guard lock(applier->spares_mu_);
  if (applier->spares_.size() < kMaxSpares) applier->spares_.push_back(std::move(owned));
}

BatchApplier::BatchPtr BatchApplier::TakeSpare() {
  std::unique_ptr<DecodedBatch> batch;
  {
    std::lock_guard lock(spares_mu_);
    if (!spares_.empty()) {
      batch = std::move(spares_.back());
      spares_.pop_back();
    }
  }
  if (batch == nullptr) batch = std::make_unique<DecodedBatch>();
  return BatchPtr(batch.release(), ReturnToSpares{this});
}

void BatchApplier::ApplyDecoded(const DecodedBatch& batch, engine::Engine::Turn* turn, absl::Time now,
                                bool observe_lag, v1::BatchAck* ack) {
  if (turn == nullptr) {
    for (const DecodedBatch::Failure& f : batch.failures) engine_->CountRejectedAtEdge(f.error.reason);
  }
  if (observe_lag) ObserveLag(batch, now);
  std::vector<engine::ItemResult> applied(batch.origin.size());
  if (turn != nullptr) {
    engine_->Apply(*turn, now, applied);
  } else {
    engine_->Apply(batch.converted_events(), batch.records, now, applied);
  }
  if (ack != nullptr) FillAck(batch, applied, ack);
}

void BatchApplier::FillAck(const DecodedBatch& batch, std::span<const engine::ItemResult> applied,
                           v1::BatchAck* ack) {
  ack->set_sequence(batch.sequence);
  uint32_t accepted = 0, duplicates = 0;
  auto reject = [&](size_t item, engine::RejectReason reason, const std::string& detail) {
    const bool is_event = item < batch.n_events;
    const size_t index = is_event ? item : item - batch.n_events;
    v1::Rejection* out = ack->add_rejected();
    out->set_item(is_event ? v1::EVENT : v1::RECORD);
    out->set_index(static_cast<uint32_t>(index));
    out->set_reason(std::string(engine::RejectReasonName(reason)));
    out->set_message(detail);
    SPDLOG_DEBUG("rejected {} {} of batch {}: {} ({})", is_event ? "event" : "record", index, batch.sequence,
                 engine::RejectReasonName(reason), detail);
  };
  // Every item is either converted (origin) or failed, both in item order.
  size_t next_applied = 0, next_failure = 0;
  for (size_t item = 0; item < batch.n_items; ++item) {
    if (next_failure < batch.failures.size() && batch.failures[next_failure].item == item) {
      const ConversionError& error = batch.failures[next_failure++].error;
      reject(item, error.reason, error.detail);
      continue;
    }
    const engine::ItemResult& r = applied[next_applied++];
    switch (r.status) {
      case engine::ItemResult::Status::kAccepted: ++accepted; break;
      case engine::ItemResult::Status::kDuplicate: ++duplicates; break;
      case engine::ItemResult::Status::kRejected: reject(item, r.reason, r.detail); break;
    }
  }
  ack->set_accepted(accepted);
  ack->set_duplicates(duplicates);
}

void BatchApplier::ObserveLag(const DecodedBatch& batch, absl::Time now) {
  if (batch.n_converted == 0) return;
  // A bucket holds the values up to and including its bound, as in
  // Histogram::Observe.
  std::vector<double> counts(lag_bounds_.size() + 1);
  double sum = 0;
  const engine::Nanos now_nanos = engine::ToNanos(now);
  for (const engine::EventView& e : batch.converted_events()) {
    // In nanoseconds: absl's Time subtraction and division are library
    // calls (~70 instructions an event). A time outside int64 nanoseconds
    // (before 1677, after 2262) saturates, and one near their ends is too
    // far from now for the difference: those take absl's way.
    const engine::Nanos at = engine::ToNanos(e.occurred_at);
    engine::Nanos lag_nanos = 0;
    const bool exact = at != engine::kNeverNanos && at != engine::kInfinitePastNanos &&
                       !__builtin_sub_overflow(now_nanos, at, &lag_nanos);
    const double lag = exact ? engine::Seconds(lag_nanos) : absl::ToDoubleSeconds(now - e.occurred_at);
    sum += lag;
    counts[static_cast<size_t>(std::lower_bound(lag_bounds_.begin(), lag_bounds_.end(), lag) - lag_bounds_.begin())] += 1;
  }
  lag_.ObserveMultiple(counts, sum);
}

bool BatchApplier::Apply(absl::string_view wire, v1::BatchAck* ack, AckReady& done) {
  BatchPtr batch = TakeSpare();
  if (!ReadBatch(wire, batch.get())) return false;
  if (journal_ == nullptr) {
    ApplyDecoded(*batch, /*turn=*/nullptr, clock_(), /*observe_lag=*/true, ack);
    std::exchange(done, nullptr)(grpc::Status::OK);
    return true;
  }
  if (absl::Status writable = journal_->writable(); !writable.ok()) {
    refused_.Add({{"code", CodeLabel(writable.code())}}).Increment();
    std::exchange(done, nullptr)(ToGrpcStatus(absl::Status(
        writable.code(), absl::StrCat("storage cannot take batches now, send again later: ", writable.message()))));
    return true;
  }
  engine::Engine::Turn turn = engine_->PrepareApply(batch->converted_events(), batch->records);
  // Counted with the turn, not when read, so that a snapshot never holds
  // part of a batch.
  for (const DecodedBatch::Failure& f : batch->failures) turn.CountRejectedAtEdge(f.error.reason);
  const uint64_t seq = journal_->Record(storage::RecordType::kBatch, wire, turn, [&](absl::Time now) {
    ApplyDecoded(*batch, &turn, now, /*observe_lag=*/true, ack);
  });
  journal_->WhenDurable(seq, [done = std::exchange(done, nullptr)](const absl::Status& s) { done(ToGrpcStatus(s)); });
  return true;
}

absl::Status BatchApplier::Replay(absl::Time at, absl::string_view serialized_batch) {
  BatchPtr batch = TakeSpare();
  if (!ReadBatch(serialized_batch, batch.get())) return absl::DataLossError("logged batch does not parse");
  ApplyDecoded(*batch, /*turn=*/nullptr, at, /*observe_lag=*/false, /*ack=*/nullptr);
  return absl::OkStatus();
}

}  // namespace slamon::ingest
