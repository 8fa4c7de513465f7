#include "daemon/ingest/batch_applier.h"

#include <vector>

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

BatchApplier::BatchApplier(engine::Engine* engine, Clock clock, prometheus::Registry& registry)
    : engine_(engine),
      clock_(std::move(clock)),
      lag_(prometheus::BuildHistogram()
               .Name("slamon_ingest_lag_seconds")
               .Help("Daemon receive time minus event occurred_at, per event.")
               .Register(registry)
               .Add({}, prometheus::Histogram::BucketBoundaries{
                            0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400})) {}

void BatchApplier::Apply(v1::EventBatch& batch, v1::BatchAck* ack) {
  const absl::Time now = clock_();
  const size_t n_events = static_cast<size_t>(batch.events_size());
  const size_t n_items = n_events + static_cast<size_t>(batch.records_size());
  std::vector<engine::ItemResult> results(n_items);
  // What converts goes to the engine; `origin` maps its results back to the
  // batch's item indices (events first, then records).
  std::vector<engine::Event> events;
  std::vector<engine::ContactRecord> records;
  std::vector<size_t> origin;
  events.reserve(n_events);
  origin.reserve(n_items);
  for (size_t i = 0; i < n_items; ++i) {
    std::optional<ConversionError> err;
    if (i < n_events) {
      err = ToEngine(*batch.mutable_events(static_cast<int>(i)), &events.emplace_back());
      if (err) {
        events.pop_back();
      } else {
        lag_.Observe(absl::ToDoubleSeconds(now - events.back().occurred_at));
      }
    } else {
      err = ToEngine(*batch.mutable_records(static_cast<int>(i - n_events)), &records.emplace_back());
      if (err) records.pop_back();
    }
    if (err) {
      results[i] = engine::ItemResult::Rejected(err->reason, std::move(err->detail));
      engine_->CountRejectedAtEdge(err->reason);
    } else {
      origin.push_back(i);
    }
  }
  std::vector<engine::ItemResult> applied(origin.size());
  engine_->Apply(events, records, now, applied);
  for (size_t k = 0; k < origin.size(); ++k) results[origin[k]] = std::move(applied[k]);

  ack->set_sequence(batch.sequence());
  uint32_t accepted = 0, duplicates = 0;
  for (size_t i = 0; i < n_items; ++i) {
    const engine::ItemResult& r = results[i];
    switch (r.status) {
      case engine::ItemResult::Status::kAccepted: ++accepted; break;
      case engine::ItemResult::Status::kDuplicate: ++duplicates; break;
      case engine::ItemResult::Status::kRejected: {
        const bool is_event = i < n_events;
        const size_t index = is_event ? i : i - n_events;
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

}  // namespace slamon::ingest
