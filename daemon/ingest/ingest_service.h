// The gRPC edge of ingestion: slamon.v1.Ingest over the callback API. Each
// batch is handed to a BatchHandler as bytes and answered with the ack it
// fills in. Bytes, because the handler reads them itself: the daemon's
// (BatchApplier, batch_applier.h) decodes them straight into engine values
// and its write-ahead log records them as they came. Benchmarks plug in a
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
// Reads one batch from `wire` (its encoding as received, valid until the
// handler returns), applies it, fills its ack and takes `done`, which it
// calls at once or later from another thread (once the batch is durable).
// Returns false, leaving `done` untouched, if the bytes do not parse as a
// slamon.v1.EventBatch: the service refuses the batch. Called concurrently
// from gRPC threads.
using BatchHandler = std::function<bool(absl::string_view wire, v1::BatchAck* ack, AckReady& done)>;

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
  // Hands `wire` to the handler; a batch that does not parse is logged with
  // the client's address, counted and answered with INVALID_ARGUMENT.
  void Process(const grpc::ByteBuffer& wire, absl::string_view peer, v1::BatchAck* ack, AckReady done);

  BatchHandler handler_;
  prometheus::Counter& batches_;
  prometheus::Counter& unparsable_;
  prometheus::Counter& stream_opened_;
};

}  // namespace slamon::ingest

#endif  // SLAMON_DAEMON_INGEST_INGEST_SERVICE_H_
