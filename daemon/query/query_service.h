// The gRPC edge of queries: slamon.v1.Query over the callback API. Status
// and reports read engine snapshots; WatchBreaches streams the warnings and
// breaches the daemon's tick hands to Publish.
#ifndef SLAMON_DAEMON_QUERY_QUERY_SERVICE_H_
#define SLAMON_DAEMON_QUERY_QUERY_SERVICE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/time/time.h"
#include "daemon/engine/engine.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "slamon/v1/query.grpc.pb.h"

namespace slamon::query {

class QueryService final : public v1::Query::CallbackService {
 public:
  // At most this many events wait for one slow watcher; past it the watch
  // ends with RESOURCE_EXHAUSTED (the client reconnects and reads status).
  static constexpr size_t kMaxQueuedPerWatch = 10'000;
  // The last this many events published are held for watchers that
  // resume after a reconnect (WatchBreachesRequest.resume_after).
  static constexpr size_t kHeldForResume = 5'000;

  QueryService(const engine::Engine* engine, std::function<absl::Time()> clock, prometheus::Registry& registry);
  ~QueryService() override;

  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* context, const v1::GetStatusRequest* request,
                                      v1::GetStatusResponse* response) override;
  grpc::ServerUnaryReactor* GetReport(grpc::CallbackServerContext* context, const v1::GetReportRequest* request,
                                      v1::GetReportResponse* response) override;
  grpc::ServerWriteReactor<v1::BreachEvent>* WatchBreaches(grpc::CallbackServerContext* context,
                                                           const v1::WatchBreachesRequest* request) override;

  // Numbers warnings and breaches, holds them for resuming watchers and
  // hands them to every watcher. Never blocks on a client.
  void Publish(const std::vector<engine::ItemAlert>& alerts);
  // Ends every watch with UNAVAILABLE; new watches are refused. Call before
  // grpc::Server::Shutdown, which waits for open streams.
  void Shutdown();

 private:
  class Watch;
  struct Held {
    uint64_t sequence;
    engine::ItemAlert alert;
  };
  // Offers a new watch what it asked to resume after, or why it cannot be
  // resumed; false if the request is invalid (the watch is ended). Under mu_.
  bool Replay(const v1::WatchBreachesRequest& request, Watch& watch);

  const engine::Engine* engine_;
  std::function<absl::Time()> clock_;
  const uint64_t run_;  // the service's start, nanoseconds since the Unix epoch
  prometheus::Counter& alerts_published_;
  prometheus::Gauge& watchers_;
  // Orders Publish calls, so that every watch gets events in sequence, and
  // a new watch's replay before its first live event.
  std::mutex mu_;
  std::vector<std::weak_ptr<Watch>> watches_;
  std::deque<Held> held_;   // the last kHeldForResume published
  uint64_t published_ = 0;  // the sequence of the last event published
  bool shut_down_ = false;
};

}  // namespace slamon::query

#endif  // SLAMON_DAEMON_QUERY_QUERY_SERVICE_H_
