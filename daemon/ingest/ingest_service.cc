#include "daemon/ingest/ingest_service.h"

#include <deque>
#include <mutex>

#include "prometheus/family.h"

namespace slamon::ingest {
namespace {

// At most this many acks wait for the client to read them before the stream
// stops reading batches: a slow reader cannot make the daemon buffer
// without bound (gRPC flow control then pushes back to the client).
constexpr size_t kMaxQueuedAcks = 32;

}  // namespace

IngestService::IngestService(BatchHandler handler, prometheus::Registry& registry)
    : handler_(std::move(handler)),
      batches_(prometheus::BuildCounter()
                   .Name("slamon_ingest_batches_total")
                   .Help("Event batches received over gRPC.")
                   .Register(registry)
                   .Add({})),
      stream_opened_(prometheus::BuildCounter()
                         .Name("slamon_ingest_streams_opened_total")
                         .Help("Publish streams opened by collectors.")
                         .Register(registry)
                         .Add({})) {}

void IngestService::Process(v1::EventBatch& batch, v1::BatchAck* ack) {
  handler_(batch, ack);
  batches_.Increment();
}

grpc::ServerUnaryReactor* IngestService::PublishBatch(grpc::CallbackServerContext* context,
                                                      const v1::EventBatch* batch,
                                                      v1::BatchAck* ack) {
  v1::EventBatch own = *batch;  // the request is gRPC's and read-only
  Process(own, ack);
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
