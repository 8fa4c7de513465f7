#include "daemon/ingest/ingest_service.h"

#include <deque>
#include <mutex>

#include <grpcpp/impl/codegen/proto_utils.h>

#include "common/check.h"
#include "common/fmt_absl.h"
#include "prometheus/family.h"
#include "spdlog/spdlog.h"

namespace slamon::ingest {
namespace {

// At most this many acks wait for the client to read them before the stream
// stops reading batches: a slow reader cannot make the daemon buffer
// without bound (gRPC flow control then pushes back to the client).
constexpr size_t kMaxQueuedAcks = 32;

grpc::ByteBuffer AckBytes(const v1::BatchAck& ack) {
  grpc::ByteBuffer bytes;
  bool own_buffer = false;
  // Only a message over 2 GiB fails to serialise; an ack is a few bytes per
  // rejected event.
  SLAMON_CHECK(grpc::SerializationTraits<v1::BatchAck>::Serialize(ack, &bytes, &own_buffer).ok());
  return bytes;
}

}  // namespace

IngestService::IngestService(BatchHandler handler, prometheus::Registry& registry)
    : handler_(std::move(handler)),
      batches_(prometheus::BuildCounter()
                   .Name("slamon_ingest_batches_total")
                   .Help("Event batches received over gRPC.")
                   .Register(registry)
                   .Add({})),
      unparsable_(prometheus::BuildCounter()
                      .Name("slamon_ingest_batches_unparsable_total")
                      .Help("Batches refused because they do not parse as slamon.v1.EventBatch.")
                      .Register(registry)
                      .Add({})),
      stream_opened_(prometheus::BuildCounter()
                         .Name("slamon_ingest_streams_opened_total")
                         .Help("Publish streams opened by collectors.")
                         .Register(registry)
                         .Add({})) {}

void IngestService::Process(const grpc::ByteBuffer& wire, absl::string_view peer, v1::BatchAck* ack,
                            AckReady done) {
  batches_.Increment();
  // One contiguous piece (a copy only when gRPC holds it in several), which
  // the handler decodes and the log records as it is.
  grpc::Slice slice;
  if (!wire.TrySingleSlice(&slice).ok() && !wire.DumpToSingleSlice(&slice).ok()) {
    return done(grpc::Status(grpc::StatusCode::INTERNAL, "could not read the batch's bytes"));
  }
  const absl::string_view bytes(reinterpret_cast<const char*>(slice.begin()), slice.size());
  if (handler_(bytes, ack, done)) return;
  unparsable_.Increment();
  // Protobuf has logged which field, if a string was not UTF-8.
  spdlog::warn("refused a batch of {} bytes from {}: it does not parse as slamon.v1.EventBatch", bytes.size(), peer);
  done(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the batch does not parse as slamon.v1.EventBatch"));
}

grpc::ServerUnaryReactor* IngestService::PublishBatch(grpc::CallbackServerContext* context,
                                                      const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto ack = std::make_shared<v1::BatchAck>();  // until the ack is sent
  Process(*request, context->peer(), ack.get(), [reactor, response, ack](const grpc::Status& status) {
    if (status.ok()) *response = AckBytes(*ack);
    reactor->Finish(status);
  });
  return reactor;
}

// One Publish stream. Reads and writes overlap: the next batch is read while
// earlier batches wait to be durable and their acks are written, up to
// kMaxQueuedAcks. Acks go out in batch order.
class IngestService::StreamReactor final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamReactor(IngestService* service, std::string peer) : service_(service), peer_(std::move(peer)) {
    StartRead(&wire_);
    reading_ = true;
  }

  void OnReadDone(bool ok) override {
    Pending* entry = nullptr;
    {
      std::lock_guard lock(mu_);
      reading_ = false;
      if (!ok || !error_.ok()) {  // the client half-closed, the call is cancelled, or it is ending
        read_closed_ = true;
        MaybeFinishLocked();
        return;
      }
      entry = &acks_.emplace_back();
      undecided_ += 1;
      processing_ = true;  // wire_ is in use: no new read into it meanwhile
    }
    // Outside the lock: `done` may run right here.
    service_->Process(wire_, peer_, &entry->ack, [this, entry](const grpc::Status& status) { Decided(entry, status); });
    std::lock_guard lock(mu_);
    wire_.Clear();
    processing_ = false;
    MaybeReadLocked();
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
    MaybeWriteLocked();
    MaybeReadLocked();
    MaybeFinishLocked();
  }

  void OnDone() override { delete this; }  // gRPC's reactor ownership contract

 private:
  struct Pending {
    v1::BatchAck ack;
    grpc::ByteBuffer wire;  // the ack's encoding, while it is written
    enum class State : uint8_t { kUndecided, kReady, kFailed } state = State::kUndecided;
  };

  void Decided(Pending* entry, const grpc::Status& status) {
    std::lock_guard lock(mu_);
    undecided_ -= 1;
    entry->state = status.ok() ? Pending::State::kReady : Pending::State::kFailed;
    if (!status.ok() && error_.ok()) error_ = status;
    MaybeWriteLocked();
    MaybeFinishLocked();
  }
  void MaybeWriteLocked() {
    if (writing_ || write_failed_ || acks_.empty() || acks_.front().state != Pending::State::kReady) return;
    Pending& front = acks_.front();
    front.wire = AckBytes(front.ack);
    writing_ = true;
    StartWrite(&front.wire);
  }
  void MaybeReadLocked() {
    if (reading_ || processing_ || read_closed_ || !error_.ok() || acks_.size() >= kMaxQueuedAcks) return;
    reading_ = true;
    StartRead(&wire_);
  }
  void MaybeFinishLocked() {
    if (finished_ || writing_ || undecided_ > 0) return;
    // Every ack before the first failed batch has been written.
    const bool failed_at_front = !acks_.empty() && acks_.front().state == Pending::State::kFailed;
    if (failed_at_front || write_failed_) {
      finished_ = true;
      Finish(write_failed_ ? grpc::Status::OK : error_);
      return;
    }
    if (read_closed_ && !reading_ && acks_.empty()) {
      finished_ = true;
      Finish(grpc::Status::OK);
    }
  }

  IngestService* service_;
  const std::string peer_;  // the client's address, for the log
  std::mutex mu_;
  grpc::ByteBuffer wire_;  // the batch being read, as received
  std::deque<Pending> acks_;  // in batch order; front is written first
  size_t undecided_ = 0;      // batches whose `done` has not run yet
  grpc::Status error_;        // the first batch that could not be acknowledged
  bool reading_ = false;
  bool processing_ = false;
  bool writing_ = false;
  bool read_closed_ = false;
  bool write_failed_ = false;
  bool finished_ = false;
};

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* IngestService::Publish(
    grpc::CallbackServerContext* context) {
  stream_opened_.Increment();
  return new StreamReactor(this, context->peer());  // deleted in OnDone, as gRPC requires
}

}  // namespace slamon::ingest
