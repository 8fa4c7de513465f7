// The gRPC edge of ingestion: slamon.v1.Ingest over the callback API. Each
// batch is handed to a BatchHandler and answered with the ack it fills in.
// The methods take their messages as bytes and parse them here, so that the
// handler gets the bytes too: the write-ahead log records them as they came
// instead of serialising every batch again.
// The daemon's handler is BatchApplier (batch_applier.h); benchmarks plug in a
// raw sink that only parses, to measure the RPC layer on its own.
#ifndef SLAMON_DAEMON_INGEST_INGEST_SERVICE_H_
#define SLAMON_DAEMON_INGEST_INGEST_SERVICE_H_

#include <functional>
#include <memory>

#include "absl/strings/string_view.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "slamon/v1/ingest.grpc.pb.h"

namespace slamon::ingest {

// Called once a batch's ack may be sent: OK, or the status that ends the
// call instead (the batch is not acknowledged; the collector sends it again).
using AckReady = std::function<void(const grpc::Status& status)>;
// Applies one batch, fills its ack and calls `done`: at once, or later from
// another thread (once the batch is durable). Called concurrently from gRPC
// threads. The batch is the handler's to consume: it may move strings out.
// `wire` is the batch's encoding as received, valid until the handler returns.
using BatchHandler =
    std::function<void(v1::EventBatch& batch, absl::string_view wire, v1::BatchAck* ack, AckReady done)>;

class IngestService final
    : public v1::Ingest::WithRawCallbackMethod_Publish<v1::Ingest::WithRawCallbackMethod_PublishBatch<v1::Ingest::Service>> {
 public:
  // `registry` receives the service's own metrics (batches, streams).
  IngestService(BatchHandler handler, prometheus::Registry& registry);

  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Publish(grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* PublishBatch(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;

 private:
  class StreamReactor;
  // Parses `wire` into `batch` and hands both to the handler; a batch that
  // does not parse is logged with the client's address, counted and
  // answered with INVALID_ARGUMENT.
  void Process(const grpc::ByteBuffer& wire, absl::string_view peer, v1::EventBatch& batch, v1::BatchAck* ack,
               AckReady done);

  BatchHandler handler_;
  prometheus::Counter& batches_;
  prometheus::Counter& unparsable_;
  prometheus::Counter& stream_opened_;
};

}  // namespace slamon::ingest

#endif  // SLAMON_DAEMON_INGEST_INGEST_SERVICE_H_
