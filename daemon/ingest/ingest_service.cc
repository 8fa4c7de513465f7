#include "daemon/ingest/ingest_service.h"

#include <deque>
#include <mutex>
#include <vector>

#include "common/fmt_absl.h"
#include "daemon/ingest/convert.h"
#include "prometheus/family.h"
#include "spdlog/spdlog.h"

namespace slamon::ingest {
namespace {

// At most this many acks wait for the client to read them before the stream
// stops reading batches: a slow reader cannot make the daemon buffer
// without bound (gRPC flow control then pushes back to the client).
constexpr size_t kMaxQueuedAcks = 32;

void AddRejection(v1::BatchAck* ack, v1::ItemKind item, size_t index,
                  engine::RejectReason reason, const std::string& detail) {
  v1::Rejection* r = ack->add_rejected();
  r->set_item(item);
  r->set_index(static_cast<uint32_t>(index));
  r->set_reason(std::string(engine::RejectReasonName(reason)));
  r->set_message(detail);
}

}  // namespace

IngestService::IngestService(engine::Engine* engine, Clock clock, prometheus::Registry& registry)
    : engine_(engine),
      clock_(std::move(clock)),
      batches_(prometheus::BuildCounter()
                   .Name("slamon_ingest_batches_total")
                   .Help("Event batches received over gRPC.")
                   .Register(registry)
                   .Add({})),
      stream_opened_(prometheus::BuildCounter()
                         .Name("slamon_ingest_streams_opened_total")
                         .Help("Publish streams opened by collectors.")
                         .Register(registry)
                         .Add({})),
      lag_(prometheus::BuildHistogram()
               .Name("slamon_ingest_lag_seconds")
               .Help("Daemon receive time minus event occurred_at, per event.")
               .Register(registry)
               .Add({}, prometheus::Histogram::BucketBoundaries{
                            0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400})) {}

void IngestService::Process(const v1::EventBatch& batch, v1::BatchAck* ack) {
  const absl::Time now = clock_();
  const size_t n_events = static_cast<size_t>(batch.events_size());
  const size_t n_records = static_cast<size_t>(batch.records_size());
  std::vector<engine::Event> events(n_events);
  std::vector<engine::ContactRecord> records(n_records);
  std::vector<engine::ItemResult> results(n_events + n_records);
  // Items that fail conversion are replaced by an empty event, which the
  // engine is told to skip by pre-filling its result.
  std::vector<bool> converted(n_events + n_records, true);
  for (size_t i = 0; i < n_events; ++i) {
    if (auto err = ToEngine(batch.events(static_cast<int>(i)), &events[i])) {
      converted[i] = false;
      results[i] = engine::ItemResult::Rejected(err->reason, std::move(err->detail));
    } else {
      lag_.Observe(absl::ToDoubleSeconds(now - events[i].occurred_at));
    }
  }
  for (size_t j = 0; j < n_records; ++j) {
    if (auto err = ToEngine(batch.records(static_cast<int>(j)), &records[j])) {
      converted[n_events + j] = false;
      results[n_events + j] = engine::ItemResult::Rejected(err->reason, std::move(err->detail));
    }
  }
  // Compact what converted, apply, and scatter the results back.
  std::vector<engine::Event> ok_events;
  std::vector<engine::ContactRecord> ok_records;
  std::vector<size_t> where;
  ok_events.reserve(n_events);
  for (size_t i = 0; i < n_events; ++i) {
    if (converted[i]) { ok_events.push_back(std::move(events[i])); where.push_back(i); }
  }
  for (size_t j = 0; j < n_records; ++j) {
    if (converted[n_events + j]) { ok_records.push_back(std::move(records[j])); where.push_back(n_events + j); }
  }
  std::vector<engine::ItemResult> applied(where.size());
  engine_->Apply(ok_events, ok_records, now, applied);
  for (size_t k = 0; k < where.size(); ++k) results[where[k]] = std::move(applied[k]);

  ack->set_sequence(batch.sequence());
  uint32_t accepted = 0, duplicates = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const engine::ItemResult& r = results[i];
    if (!converted[i]) engine_->CountRejectedAtEdge(r.reason);
    switch (r.status) {
      case engine::ItemResult::Status::kAccepted: ++accepted; break;
      case engine::ItemResult::Status::kDuplicate: ++duplicates; break;
      case engine::ItemResult::Status::kRejected: {
        const bool is_event = i < n_events;
        AddRejection(ack, is_event ? v1::EVENT : v1::RECORD, is_event ? i : i - n_events, r.reason, r.detail);
        SPDLOG_DEBUG("rejected {} {} of batch {}: {} ({})", is_event ? "event" : "record",
                     is_event ? i : i - n_events, batch.sequence(),
                     engine::RejectReasonName(r.reason), r.detail);
        break;
      }
    }
  }
  ack->set_accepted(accepted);
  ack->set_duplicates(duplicates);
  batches_.Increment();
}

grpc::ServerUnaryReactor* IngestService::PublishBatch(grpc::CallbackServerContext* context,
                                                      const v1::EventBatch* batch,
                                                      v1::BatchAck* ack) {
  Process(*batch, ack);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

// One Publish stream. Reads and writes overlap: the next batch is read while
// earlier acks are still being written, up to kMaxQueuedAcks.
class IngestService::StreamReactor final
    : public grpc::ServerBidiReactor<v1::EventBatch, v1::BatchAck> {
 public:
  explicit StreamReactor(IngestService* service) : service_(service) {
    StartRead(&batch_);
    reading_ = true;
  }

  void OnReadDone(bool ok) override {
    std::lock_guard lock(mu_);
    reading_ = false;
    if (!ok) {  // the client half-closed or the call is cancelled
      read_closed_ = true;
      MaybeFinishLocked();
      return;
    }
    acks_.emplace_back();
    service_->Process(batch_, &acks_.back());
    batch_.Clear();
    if (!writing_) WriteNextLocked();
    if (acks_.size() < kMaxQueuedAcks) {
      reading_ = true;
      StartRead(&batch_);
    }
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    acks_.pop_front();
    if (!ok) {
      write_failed_ = true;
      MaybeFinishLocked();
      return;
    }
    if (!acks_.empty()) WriteNextLocked();
    if (!reading_ && !read_closed_ && acks_.size() < kMaxQueuedAcks) {
      reading_ = true;
      StartRead(&batch_);
    }
    MaybeFinishLocked();
  }

  void OnDone() override { delete this; }  // gRPC's reactor ownership contract

 private:
  void WriteNextLocked() {
    writing_ = true;
    StartWrite(&acks_.front());
  }
  void MaybeFinishLocked() {
    if (finished_ || reading_ || writing_) return;
    if (read_closed_ || write_failed_) {
      finished_ = true;
      Finish(grpc::Status::OK);
    }
  }

  IngestService* service_;
  std::mutex mu_;
  v1::EventBatch batch_;
  std::deque<v1::BatchAck> acks_;  // front is being written
  bool reading_ = false;
  bool writing_ = false;
  bool read_closed_ = false;
  bool write_failed_ = false;
  bool finished_ = false;
};

grpc::ServerBidiReactor<v1::EventBatch, v1::BatchAck>* IngestService::Publish(
    grpc::CallbackServerContext* /*context*/) {
  stream_opened_.Increment();
  return new StreamReactor(this);  // deleted in OnDone, as gRPC requires
}

}  // namespace slamon::ingest
