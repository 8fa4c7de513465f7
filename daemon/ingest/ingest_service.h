// The gRPC edge of ingestion: slamon.v1.Ingest over the callback API. Each
// batch is converted outside any lock, applied to the engine, and answered
// with one BatchAck once applied.
#ifndef SLAMON_DAEMON_INGEST_INGEST_SERVICE_H_
#define SLAMON_DAEMON_INGEST_INGEST_SERVICE_H_

#include <functional>
#include <memory>

#include "absl/time/time.h"
#include "daemon/engine/engine.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "slamon/v1/ingest.grpc.pb.h"

namespace slamon::ingest {

using Clock = std::function<absl::Time()>;

class IngestService final : public v1::Ingest::CallbackService {
 public:
  // `registry` receives the service's own metrics (batches, lag).
  IngestService(engine::Engine* engine, Clock clock, prometheus::Registry& registry);

  grpc::ServerBidiReactor<v1::EventBatch, v1::BatchAck>* Publish(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* PublishBatch(grpc::CallbackServerContext* context,
                                         const v1::EventBatch* batch, v1::BatchAck* ack) override;

  // Applies one batch and fills its ack. Thread-safe; shared by both RPCs.
  void Process(const v1::EventBatch& batch, v1::BatchAck* ack);

 private:
  class StreamReactor;

  engine::Engine* engine_;
  Clock clock_;
  prometheus::Counter& batches_;
  prometheus::Counter& stream_opened_;
  prometheus::Histogram& lag_;
};

}  // namespace slamon::ingest

#endif  // SLAMON_DAEMON_INGEST_INGEST_SERVICE_H_
