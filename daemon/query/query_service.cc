#include "daemon/query/query_service.h"

#include <deque>
#include <optional>

#include "absl/strings/str_cat.h"
#include "daemon/query/views.h"
#include "proto/proto_time.h"

namespace slamon::query {

// One WatchBreaches stream. It owns itself (self_) until gRPC calls OnDone;
// Publish holds a reference while offering, so an event is never offered to
// a deleted watch. Finish and StartWrite are called without the watch's
// lock held: gRPC may run a reaction inline, and reactions take it (never
// the service's, which Publish holds while offering).
class QueryService::Watch : public grpc::ServerWriteReactor<v1::BreachEvent> {
 public:
  Watch(const v1::WatchBreachesRequest& request, prometheus::Gauge& watchers)
      : request_(request), watchers_(watchers) {
    watchers_.Increment();
  }

  bool Wants(const engine::ItemAlert& alert) const {
    if (alert.kind == engine::ItemAlert::Kind::kWarning && !request_.include_warnings()) return false;
    return Selected(request_.queues(), request_.channels(), alert.key);
  }

  void Offer(const engine::ItemAlert& alert, uint64_t sequence, uint64_t run) {
    v1::BreachEvent event = ToBreachEvent(alert);
    event.set_sequence(sequence);
    event.set_run(run);
    Offer(std::move(event));
  }
  // Events up to and including `sequence` were lost to this client.
  void OfferGap(uint64_t sequence, uint64_t run) {
    v1::BreachEvent gap;
    gap.set_kind(v1::BreachEvent::GAP);
    gap.set_sequence(sequence);
    gap.set_run(run);
    Offer(std::move(gap));
  }

  // Ends the stream once the write in flight, if any, is done.
  void End(grpc::Status status) {
    std::unique_lock lock(mu_);
    if (!end_) end_ = std::move(status);
    Pump(lock);
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock lock(mu_);
    writing_ = false;
    if (!ok && !end_) end_ = grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
    Pump(lock);
  }
  void OnCancel() override { End(grpc::Status::CANCELLED); }
  void OnDone() override {
    watchers_.Decrement();
    self_.reset();  // deletes this unless Publish still holds it
  }

  std::shared_ptr<Watch> self_;

 private:
  void Offer(v1::BreachEvent event) {
    std::unique_lock lock(mu_);
    if (end_) return;
    if (queue_.size() >= kMaxQueuedPerWatch) {
      end_ = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          absl::StrCat("more than ", kMaxQueuedPerWatch, " breach events waiting for this client"));
    } else {
      queue_.push_back(std::move(event));
    }
    Pump(lock);
  }

  void Pump(std::unique_lock<std::mutex>& lock) {
    if (writing_ || finished_) return;
    if (end_) {
      finished_ = true;
      const grpc::Status status = *end_;
      lock.unlock();
      Finish(status);
      return;
    }
    if (queue_.empty()) return;
    writing_ = true;
    in_flight_ = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    StartWrite(&in_flight_);
  }

  const v1::WatchBreachesRequest request_;
  prometheus::Gauge& watchers_;
  std::mutex mu_;
  std::deque<v1::BreachEvent> queue_;
  v1::BreachEvent in_flight_;
  bool writing_ = false;
  std::optional<grpc::Status> end_;  // the stream is to end with this
  bool finished_ = false;            // Finish was called
};

QueryService::QueryService(const engine::Engine* engine, std::function<absl::Time()> clock,
                           prometheus::Registry& registry)
    : engine_(engine),
      clock_(std::move(clock)),
      run_(static_cast<uint64_t>(absl::ToUnixNanos(clock_()))),
      alerts_published_(prometheus::BuildCounter()
                            .Name("slamon_query_breach_events_total")
                            .Help("Warnings and breaches handed to WatchBreaches streams (before each stream's filter).")
                            .Register(registry)
                            .Add({})),
      watchers_(prometheus::BuildGauge()
                    .Name("slamon_query_watch_streams")
                    .Help("Open WatchBreaches streams.")
                    .Register(registry)
                    .Add({})) {}

QueryService::~QueryService() { Shutdown(); }

grpc::ServerUnaryReactor* QueryService::GetStatus(grpc::CallbackServerContext* context,
                                                  const v1::GetStatusRequest* request,
                                                  v1::GetStatusResponse* response) {
  FillStatus(engine_->Snapshot(clock_()), engine_->options(), *request, response);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* QueryService::GetReport(grpc::CallbackServerContext* context,
                                                  const v1::GetReportRequest* request,
                                                  v1::GetReportResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::Time from = ToTime(request->from());
  const absl::Time to = ToTime(request->to());
  if (!request->has_from() || !request->has_to() || from >= to) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "GetReport needs from < to"));
    return reactor;
  }
  const engine::Engine::Period period =
      request->period() == v1::GetReportRequest::DAY ? engine::Engine::Period::kDay : engine::Engine::Period::kInterval;
  FillReport(engine_->History(from, to, period), *engine_->policies(), *request, response);
  const absl::Duration history = engine_->options().windows.history;
  response->mutable_history()->set_seconds(absl::ToInt64Seconds(history));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<v1::BreachEvent>* QueryService::WatchBreaches(grpc::CallbackServerContext*,
                                                                       const v1::WatchBreachesRequest* request) {
  auto watch = std::make_shared<Watch>(*request, watchers_);
  watch->self_ = watch;
  bool refused = false;
  {
    std::lock_guard lock(mu_);
    refused = shut_down_;
    if (!refused && Replay(*request, *watch)) {
      std::erase_if(watches_, [](const std::weak_ptr<Watch>& w) { return w.expired(); });
      watches_.push_back(watch);
    }
  }
  if (refused) watch->End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "slamond is shutting down"));
  return watch.get();
}

bool QueryService::Replay(const v1::WatchBreachesRequest& request, Watch& watch) {
  if (request.resume_run() == 0) return true;  // live events only
  const uint64_t oldest_held = held_.empty() ? published_ + 1 : held_.front().sequence;
  uint64_t after = request.resume_after();
  if (request.resume_run() != run_) {
    // Another run's sequence: whatever it published after it is gone.
    watch.OfferGap(oldest_held - 1, run_);
    after = oldest_held - 1;
  } else if (after > published_) {
    watch.End(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                           absl::StrCat("resume_after ", after, " is past the last event published, ", published_)));
    return false;
  } else if (after + 1 < oldest_held) {
    watch.OfferGap(oldest_held - 1, run_);
  }
  for (const Held& h : held_) {
    if (h.sequence > after && watch.Wants(h.alert)) watch.Offer(h.alert, h.sequence, run_);
  }
  return true;
}

void QueryService::Publish(const std::vector<engine::ItemAlert>& alerts) {
  if (alerts.empty()) return;
  alerts_published_.Increment(static_cast<double>(alerts.size()));
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Watch>> watches;
  for (const std::weak_ptr<Watch>& w : watches_) {
    if (auto watch = w.lock()) watches.push_back(std::move(watch));
  }
  for (const engine::ItemAlert& alert : alerts) {
    const uint64_t sequence = ++published_;
    for (const auto& watch : watches) {
      if (watch->Wants(alert)) watch->Offer(alert, sequence, run_);
    }
    held_.push_back({sequence, alert});
    if (held_.size() > kHeldForResume) held_.pop_front();
  }
}

void QueryService::Shutdown() {
  std::vector<std::shared_ptr<Watch>> watches;
  {
    std::lock_guard lock(mu_);
    shut_down_ = true;
    for (const std::weak_ptr<Watch>& w : watches_) {
      if (auto watch = w.lock()) watches.push_back(std::move(watch));
    }
    watches_.clear();
  }
  for (const auto& watch : watches) watch->End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "slamond is shutting down"));
}

}  // namespace slamon::query
