#include "daemon/ingest/batch_applier.h"

#include <algorithm>
#include <memory>
#include <span>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/fmt_absl.h"
#include "daemon/ingest/convert.h"
#include "prometheus/family.h"
#include "spdlog/spdlog.h"

namespace slamon::ingest {
namespace {

void AddRejection(v1::BatchAck* ack, v1::ItemKind item, size_t index, const engine::ItemResult& r) {
  v1::Rejection* out = ack->add_rejected();
  out->set_item(item);
  out->set_index(static_cast<uint32_t>(index));
  out->set_reason(std::string(engine::RejectReasonName(r.reason)));
  out->set_message(r.detail);
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

// A batch in engine values; `origin` maps the engine's results back to the
// batch's item indices (events first, then records). Once applied it is kept
// for a later batch, whose events refill the ones here in place.
struct BatchApplier::Converted {
  size_t n_events = 0;  // in the wire batch
  size_t n_converted = 0;
  std::vector<engine::Event> events;  // the first n_converted are this batch's
  std::vector<engine::ContactRecord> records;
  std::vector<size_t> origin;
  std::vector<engine::ItemResult> results;  // one per item; conversion failures filled in
  std::vector<engine::RejectReason> edge_rejections;

  std::span<const engine::Event> converted_events() const { return {events.data(), n_converted}; }
};

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

void BatchApplier::ReturnToSpares::operator()(Converted* c) const {
  std::unique_ptr<Converted> owned(c);
  // A rare huge batch is not worth keeping its memory for.
  if (c->events.size() > kMaxSpareEvents) return;
  std::lock_guard lock(applier->spares_mu_);
  if (applier->spares_.size() < kMaxSpares) applier->spares_.push_back(std::move(owned));
}

BatchApplier::ConvertedPtr BatchApplier::TakeSpare() {
  std::unique_ptr<Converted> c;
  {
    std::lock_guard lock(spares_mu_);
    if (!spares_.empty()) {
      c = std::move(spares_.back());
      spares_.pop_back();
    }
  }
  if (c == nullptr) {
    c = std::make_unique<Converted>();
  } else {
    c->n_converted = 0;
    c->records.clear();
    c->origin.clear();
    c->results.clear();
    c->edge_rejections.clear();
  }
  return ConvertedPtr(c.release(), ReturnToSpares{this});
}

BatchApplier::ConvertedPtr BatchApplier::Convert(v1::EventBatch& batch) {
  ConvertedPtr converted = TakeSpare();
  Converted& c = *converted;
  c.n_events = static_cast<size_t>(batch.events_size());
  const size_t n_items = c.n_events + static_cast<size_t>(batch.records_size());
  c.results.resize(n_items);
  if (c.events.size() < c.n_events) c.events.resize(c.n_events);
  c.origin.reserve(n_items);
  for (size_t i = 0; i < n_items; ++i) {
    std::optional<ConversionError> err;
    if (i < c.n_events) {
      // A failed event's slot is refilled by the next.
      err = ToEngine(batch.events(static_cast<int>(i)), &c.events[c.n_converted]);
      if (!err) ++c.n_converted;
    } else {
      err = ToEngine(*batch.mutable_records(static_cast<int>(i - c.n_events)), &c.records.emplace_back());
      if (err) c.records.pop_back();
    }
    if (err) {
      c.results[i] = engine::ItemResult::Rejected(err->reason, std::move(err->detail));
      c.edge_rejections.push_back(err->reason);
    } else {
      c.origin.push_back(i);
    }
  }
  return converted;
}

void BatchApplier::ApplyConverted(Converted& c, absl::Time now, bool observe_lag, const v1::EventBatch& batch,
                                  v1::BatchAck* ack) {
  // Counted here, not in Convert: with a journal this runs in log order, so
  // a snapshot never holds half of a batch.
  for (engine::RejectReason reason : c.edge_rejections) engine_->CountRejectedAtEdge(reason);
  if (observe_lag) ObserveLag(c, now);
  std::vector<engine::ItemResult> applied(c.origin.size());
  engine_->Apply(c.converted_events(), c.records, now, applied);
  for (size_t k = 0; k < c.origin.size(); ++k) c.results[c.origin[k]] = std::move(applied[k]);
  if (ack == nullptr) return;

  ack->set_sequence(batch.sequence());
  uint32_t accepted = 0, duplicates = 0;
  for (size_t i = 0; i < c.results.size(); ++i) {
    const engine::ItemResult& r = c.results[i];
    switch (r.status) {
      case engine::ItemResult::Status::kAccepted: ++accepted; break;
      case engine::ItemResult::Status::kDuplicate: ++duplicates; break;
      case engine::ItemResult::Status::kRejected: {
        const bool is_event = i < c.n_events;
        const size_t index = is_event ? i : i - c.n_events;
        AddRejection(ack, is_event ? v1::EVENT : v1::RECORD, index, r);
        SPDLOG_DEBUG("rejected {} {} of batch {}: {} ({})", is_event ? "event" : "record", index,
                     batch.sequence(), engine::RejectReasonName(r.reason), r.detail);
        break;
      }
    }
  }
  ack->set_accepted(accepted);
  ack->set_duplicates(duplicates);
}

void BatchApplier::ObserveLag(const Converted& c, absl::Time now) {
  if (c.n_converted == 0) return;
  // A bucket holds the values up to and including its bound, as in
  // Histogram::Observe.
  std::vector<double> counts(lag_bounds_.size() + 1);
  double sum = 0;
  for (const engine::Event& e : c.converted_events()) {
    const double lag = absl::ToDoubleSeconds(now - e.occurred_at);
    sum += lag;
    counts[static_cast<size_t>(std::lower_bound(lag_bounds_.begin(), lag_bounds_.end(), lag) - lag_bounds_.begin())] += 1;
  }
  lag_.ObserveMultiple(counts, sum);
}

void BatchApplier::Apply(v1::EventBatch& batch, absl::string_view wire, v1::BatchAck* ack, AckReady done) {
  if (journal_ == nullptr) {
    ConvertedPtr c = Convert(batch);
    ApplyConverted(*c, clock_(), /*observe_lag=*/true, batch, ack);
    return done(grpc::Status::OK);
  }
  if (absl::Status writable = journal_->writable(); !writable.ok()) {
    refused_.Add({{"code", absl::AsciiStrToLower(absl::StatusCodeToString(writable.code()))}}).Increment();
    return done(ToGrpcStatus(absl::Status(
        writable.code(), absl::StrCat("storage cannot take batches now, send again later: ", writable.message()))));
  }
  ConvertedPtr c = Convert(batch);
  const uint64_t seq = journal_->Record(storage::RecordType::kBatch, wire, [&](absl::Time now) {
    ApplyConverted(*c, now, /*observe_lag=*/true, batch, ack);
  });
  journal_->WhenDurable(seq, [done = std::move(done)](const absl::Status& s) { done(ToGrpcStatus(s)); });
}

absl::Status BatchApplier::Replay(absl::Time at, absl::string_view serialized_batch) {
  v1::EventBatch batch;
  if (!batch.ParseFromArray(serialized_batch.data(), static_cast<int>(serialized_batch.size()))) {
    return absl::DataLossError("logged batch does not parse");
  }
  ConvertedPtr c = Convert(batch);
  ApplyConverted(*c, at, /*observe_lag=*/false, batch, nullptr);
  return absl::OkStatus();
}

}  // namespace slamon::ingest
