// The Query service in one process, over a real gRPC server on loopback:
// watchers, publishers and status readers at once (CI runs this under ASan,
// where a watch freed too early would show), and the ways a watch ends.
#include "daemon/query/query_service.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/proto_time.h"
#include "tests/engine/test_util.h"

namespace slamon::query {
namespace {

using engine::ItemAlert;
using engine::testing::AnswerObjective;
using engine::testing::Arrival;
using engine::testing::At;
using engine::testing::OnePolicy;
using engine::testing::T0;

// Breach n of `source`: contact "n", started at T0 + n s, due 20 s later.
// Even numbers are breaches in queue "q1", odd ones warnings in "q2".
ItemAlert Alert(const std::string& source, int n) {
  ItemAlert a;
  a.kind = n % 2 == 0 ? ItemAlert::Kind::kBreach : ItemAlert::Kind::kWarning;
  a.key = {n % 2 == 0 ? "q1" : "q2", "phone", "phone"};
  a.objective = engine::ObjectiveKind::kAnswer;
  a.source = source;
  a.contact_id = absl::StrCat(n);
  a.started = At(n);
  a.at = At(n + 20);
  return a;
}

engine::EngineOptions Options(const engine::PolicySet& policies) {
  engine::EngineOptions options;
  engine::AddObjectiveBounds(policies, &options);
  return options;
}

class QueryServiceTest : public ::testing::Test {
 protected:
  QueryServiceTest()
      : policies_(OnePolicy(AnswerObjective(20))),
        engine_(Options(*policies_), policies_),
        service_(&engine_, [] { return At(60); }, registry_) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    EXPECT_NE(port, 0);
    address_ = absl::StrCat("127.0.0.1:", port);
    stub_ = v1::Query::NewStub(grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  }
  ~QueryServiceTest() override {
    service_.Shutdown();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }

  double Metric(const std::string& name) {
    for (const prometheus::MetricFamily& family : registry_.Collect()) {
      if (family.name != name) continue;
      const prometheus::ClientMetric& m = family.metric.at(0);
      return family.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
    ADD_FAILURE() << name << " is not registered";
    return -1;
  }

  // Waits up to 10 s for `done`; the service's reactions run on gRPC's threads.
  static bool Eventually(const std::function<bool()>& done) {
    for (int i = 0; i < 1000; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
  }

  std::shared_ptr<const engine::PolicySet> policies_;
  engine::Engine engine_;
  prometheus::Registry registry_;
  QueryService service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::unique_ptr<v1::Query::Stub> stub_;
};

// One client's watch, read on its own thread.
struct Watcher {
  v1::WatchBreachesRequest request;
  size_t cancel_after = SIZE_MAX;  // published (non-probe) events read before cancelling
  grpc::ClientContext context;
  std::vector<v1::BreachEvent> events;
  std::atomic<size_t> published_read{0};
  std::atomic<bool> probed{false};
  grpc::Status status;
  std::thread thread;

  void Start(v1::Query::Stub& stub) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    thread = std::thread([this, &stub] {
      auto reader = stub.WatchBreaches(&context, request);
      v1::BreachEvent e;
      while (reader->Read(&e)) {
        events.push_back(e);
        if (e.source() == "probe") {
          probed = true;
        } else if (++published_read == cancel_after) {
          context.TryCancel();
        }
      }
      status = reader->Finish();
    });
  }
};

TEST_F(QueryServiceTest, EveryWatcherGetsItsAlertsInOrderWhilePublishersAndCancelsRace) {
  constexpr int kPerPublisher = 1000;
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int i = 0; i < 3; ++i) {  // everything
    watchers.push_back(std::make_unique<Watcher>());
    watchers.back()->request.set_include_warnings(true);
  }
  auto& q1_breaches = *watchers.emplace_back(std::make_unique<Watcher>());
  q1_breaches.request.add_queues("q1");
  auto& canceller = *watchers.emplace_back(std::make_unique<Watcher>());
  canceller.request.set_include_warnings(true);
  canceller.cancel_after = 100;
  for (auto& w : watchers) w->Start(*stub_);

  // Probes (q1 breaches, which every watch wants) until every watch is
  // registered and reading: then none misses a published alert.
  int probes = 0;
  ASSERT_TRUE(Eventually([&] {
    ItemAlert probe = Alert("probe", 0);
    probe.contact_id = absl::StrCat("probe-", probes++);
    service_.Publish({probe});
    return std::all_of(watchers.begin(), watchers.end(), [](const auto& w) { return w->probed.load(); });
  }));

  // Two publishers at once, four alerts per call, as ticks on two threads.
  std::vector<std::thread> publishers;
  for (const std::string source : {"a", "b"}) {
    publishers.emplace_back([this, source] {
      for (int n = 0; n < kPerPublisher; n += 4) {
        service_.Publish({Alert(source, n), Alert(source, n + 1), Alert(source, n + 2), Alert(source, n + 3)});
      }
    });
  }
  for (std::thread& t : publishers) t.join();
  // Shutdown drops what a watch has not yet written: wait until all is read
  // (and the canceller has cancelled).
  ASSERT_TRUE(Eventually([&] {
    for (size_t i = 0; i < 3; ++i) {
      if (watchers[i]->published_read != 2 * kPerPublisher) return false;
    }
    return q1_breaches.published_read == kPerPublisher && canceller.published_read == canceller.cancel_after;
  }));
  service_.Shutdown();
  for (auto& w : watchers) w->thread.join();

  EXPECT_EQ(Metric("slamon_query_breach_events_total"), probes + 2 * kPerPublisher);
  for (size_t i = 0; i < watchers.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("watcher ", i));
    const Watcher& w = *watchers[i];
    // The probes it saw come first; then each publisher's alerts in the
    // order published.
    size_t first_published = 0;
    while (first_published < w.events.size() && w.events[first_published].source() == "probe") ++first_published;
    ASSERT_GE(first_published, 1u);
    std::map<std::string, std::vector<std::string>> ids_by_source;
    for (size_t k = first_published; k < w.events.size(); ++k) {
      ids_by_source[w.events[k].source()].push_back(w.events[k].contact_id());
    }
    std::vector<std::string> expected;
    for (int n = 0; n < kPerPublisher; ++n) {
      if (&w != &q1_breaches || n % 2 == 0) expected.push_back(absl::StrCat(n));
    }
    if (&w == &canceller) {
      EXPECT_EQ(w.status.error_code(), grpc::StatusCode::CANCELLED) << w.status.error_message();
      EXPECT_EQ(w.published_read, 100u);
      // What it read before cancelling is a prefix of each publisher's series.
      for (const auto& [source, ids] : ids_by_source) {
        EXPECT_THAT(ids, ::testing::ElementsAreArray(expected.begin(), expected.begin() + ids.size())) << source;
      }
      continue;
    }
    EXPECT_EQ(w.status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(w.status.error_message(), "slamond is shutting down");
    EXPECT_THAT(ids_by_source["a"], ::testing::ElementsAreArray(expected));
    EXPECT_THAT(ids_by_source["b"], ::testing::ElementsAreArray(expected));
    EXPECT_EQ(ids_by_source.size(), 2u);
  }

  // One alert in full, as the q1 watcher received it: the last publisher's breach 998.
  const v1::BreachEvent& last = q1_breaches.events.back();
  EXPECT_EQ(last.kind(), v1::BreachEvent::BREACH);
  EXPECT_EQ(last.queue(), "q1");
  EXPECT_EQ(last.channel(), "phone");
  EXPECT_EQ(last.policy(), "phone");
  EXPECT_EQ(last.objective(), "answer");
  EXPECT_THAT(last.source(), ::testing::AnyOf("a", "b"));
  EXPECT_EQ(last.contact_id(), "998");
  EXPECT_EQ(ToTime(last.started_at()), At(998));
  EXPECT_EQ(ToTime(last.at()), At(1018));

  // Every stream's reactor is gone; a new watch is refused at once.
  EXPECT_TRUE(Eventually([&] { return Metric("slamon_query_watch_streams") == 0; }));
  grpc::ClientContext late;
  auto refused = stub_->WatchBreaches(&late, v1::WatchBreachesRequest());
  v1::BreachEvent e;
  EXPECT_FALSE(refused->Read(&e));
  const grpc::Status status = refused->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

// The run the service numbers its events in: its clock at its start.
const uint64_t kRun = static_cast<uint64_t>(absl::ToUnixNanos(At(60)));

// A watch resuming after (run, after): the first `n` events it gets, then
// cancelled; or how it ended if it ended first.
struct Resumed {
  std::vector<v1::BreachEvent> events;
  grpc::Status status;
};
Resumed ReadResumed(v1::Query::Stub& stub, v1::WatchBreachesRequest request, uint64_t run, uint64_t after,
                    size_t n) {
  Resumed out;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  request.set_include_warnings(true);
  request.set_resume_run(run);
  request.set_resume_after(after);
  auto reader = stub.WatchBreaches(&context, request);
  v1::BreachEvent e;
  while (out.events.size() < n && reader->Read(&e)) out.events.push_back(e);
  if (out.events.size() == n) context.TryCancel();
  out.status = reader->Finish();
  return out;
}

std::vector<uint64_t> Sequences(const std::vector<v1::BreachEvent>& events) {
  std::vector<uint64_t> out;
  for (const v1::BreachEvent& e : events) out.push_back(e.sequence());
  return out;
}

// Events are numbered in the order published, before any watch's filter; a
// client that reconnects with the last (run, sequence) it received gets
// what came after, filtered, then live events.
TEST_F(QueryServiceTest, AWatchResumesAfterTheLastEventItsClientReceived) {
  service_.Publish({Alert("a", 0), Alert("a", 1), Alert("a", 2), Alert("a", 3)});  // 1..4
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::WatchBreachesRequest request;
  request.set_include_warnings(true);
  request.set_resume_run(kRun);
  request.set_resume_after(2);
  auto reader = stub_->WatchBreaches(&context, request);
  std::vector<v1::BreachEvent> events(3);
  ASSERT_TRUE(reader->Read(&events[0]));
  ASSERT_TRUE(reader->Read(&events[1]));
  // Registered before its replay was queued: a live event follows it.
  service_.Publish({Alert("a", 4)});
  ASSERT_TRUE(reader->Read(&events[2]));
  context.TryCancel();
  (void)reader->Finish();
  EXPECT_THAT(Sequences(events), ::testing::ElementsAre(3, 4, 5));
  EXPECT_EQ(events[0].contact_id(), "2");
  EXPECT_EQ(events[0].kind(), v1::BreachEvent::BREACH);
  EXPECT_EQ(events[1].contact_id(), "3");
  EXPECT_EQ(events[1].kind(), v1::BreachEvent::WARNING);
  EXPECT_EQ(events[2].contact_id(), "4");
  for (const v1::BreachEvent& e : events) EXPECT_EQ(e.run(), kRun);

  // From the start, q1 only (the even ones): numbered as published.
  v1::WatchBreachesRequest q1;
  q1.add_queues("q1");
  const Resumed r = ReadResumed(*stub_, q1, kRun, 0, 3);
  EXPECT_THAT(Sequences(r.events), ::testing::ElementsAre(1, 3, 5));
  EXPECT_EQ(r.events[2].contact_id(), "4");
}

// Only the last kHeldForResume events are held: a resume from before them,
// or from another run (the daemon restarted), starts with a GAP up to the
// oldest held; one from past the last event published is refused.
TEST_F(QueryServiceTest, AResumeThatCannotBeWholeStartsWithAGap) {
  constexpr int kPublished = static_cast<int>(QueryService::kHeldForResume) + 3;  // 4..5003 held
  std::vector<ItemAlert> alerts;
  for (int n = 0; n < kPublished; ++n) alerts.push_back(Alert("a", n));
  service_.Publish(alerts);

  std::vector<uint64_t> held;
  for (uint64_t sequence = 4; sequence <= kPublished; ++sequence) held.push_back(sequence);
  for (const auto& [run, after] : {std::pair{kRun, uint64_t{2}}, std::pair{kRun + 1, uint64_t{7}}}) {
    SCOPED_TRACE(absl::StrCat("run ", run, " after ", after));
    const Resumed r = ReadResumed(*stub_, {}, run, after, held.size() + 1);
    ASSERT_EQ(r.events.size(), held.size() + 1) << r.status.error_message();
    EXPECT_EQ(r.events[0].kind(), v1::BreachEvent::GAP);
    EXPECT_EQ(r.events[0].sequence(), 3u);
    EXPECT_EQ(r.events[0].run(), kRun);
    EXPECT_EQ(r.events[0].contact_id(), "");
    EXPECT_THAT(Sequences({r.events.begin() + 1, r.events.end()}), ::testing::ElementsAreArray(held));
    EXPECT_EQ(r.events.back().contact_id(), absl::StrCat(kPublished - 1));
  }
  // Resuming right after the last event lost: no gap.
  const Resumed whole = ReadResumed(*stub_, {}, kRun, 3, 1);
  ASSERT_EQ(whole.events.size(), 1u);
  EXPECT_EQ(whole.events[0].sequence(), 4u);
  EXPECT_EQ(whole.events[0].kind(), v1::BreachEvent::WARNING);  // contact 3

  const Resumed future = ReadResumed(*stub_, {}, kRun, kPublished + 1, 1);
  EXPECT_TRUE(future.events.empty());
  EXPECT_EQ(future.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(future.status.error_message(), "resume_after 5004 is past the last event published, 5003");
}

TEST_F(QueryServiceTest, AWatcherThatDoesNotReadIsEndedWithResourceExhaustedNotWaitedFor) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::WatchBreachesRequest request;
  request.set_include_warnings(true);
  // A channel that keeps gRPC's first flow-control window (64 KiB) instead
  // of growing it to megabytes as it measures the link: the stream can hold
  // only a few hundred alerts that the client has not read.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  auto stub = v1::Query::NewStub(grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), args));
  auto reader = stub->WatchBreaches(&context, request);
  // One probe read shows the watch is registered; then the client stops
  // reading until everything is published: the window fills and the
  // service's queue for the stream grows.
  std::atomic<bool> probed{false}, published{false};
  std::vector<std::string> ids;
  std::thread client([&] {
    v1::BreachEvent e;
    if (!reader->Read(&e)) return;
    probed = true;
    while (!published) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    while (reader->Read(&e)) {
      if (e.source() != "probe") ids.push_back(e.contact_id());
    }
  });
  ASSERT_TRUE(Eventually([&] {
    service_.Publish({Alert("probe", 0)});
    return probed.load();
  }));
  constexpr int kPublished = 30'000;
  for (int n = 0; n < kPublished; ++n) service_.Publish({Alert("a", n)});  // never blocks
  published = true;
  client.join();

  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(status.error_message(), "more than 10000 breach events waiting for this client");
  // In order and none skipped before the end; the 10,000 queued when it
  // overflowed, and all published after, were dropped.
  std::vector<std::string> expected;
  for (size_t n = 0; n < ids.size(); ++n) expected.push_back(absl::StrCat(n));
  EXPECT_EQ(ids, expected);
  EXPECT_LE(ids.size(), kPublished - QueryService::kMaxQueuedPerWatch);
  EXPECT_TRUE(Eventually([&] { return Metric("slamon_query_watch_streams") == 0; }));
}

TEST_F(QueryServiceTest, StatusReadWhileEventsAreAppliedSeesWaitingOnlyGrow) {
  // 1,000 calls arrive (at 0 s) in batches of 10 while a client reads
  // status; none is answered, so every one is still waiting. Every tenth
  // batch waits for one more read, so that reads and applies interleave
  // (counted with relaxed atomics: no ordering that could hide a race).
  std::atomic<int> reads{0};
  std::thread ingest([this, &reads] {
    std::vector<engine::Event> batch;
    std::vector<engine::ItemResult> results(10);
    for (int n = 0; n < 1000; ++n) {
      batch.push_back(Arrival(absl::StrCat("c", n), 0, "sales"));
      if (batch.size() < 10) continue;
      engine_.Apply(ViewsOf(batch), {}, At(60), results);
      for (const engine::ItemResult& r : results) EXPECT_TRUE(r.accepted()) << r.detail;
      batch.clear();
      if (n % 100 == 99) {
        const int seen = reads.load(std::memory_order_relaxed);
        while (reads.load(std::memory_order_relaxed) == seen) std::this_thread::yield();
      }
    }
  });
  int64_t previous = 0;
  int partial = 0;  // reads that saw some calls but not all
  while (previous < 1000) {
    grpc::ClientContext context;
    v1::GetStatusResponse response;
    ASSERT_TRUE(stub_->GetStatus(&context, v1::GetStatusRequest(), &response).ok());
    reads.fetch_add(1, std::memory_order_relaxed);
    if (response.objectives_size() == 0) continue;  // before the first arrival
    ASSERT_EQ(response.objectives_size(), 1);
    const v1::ObjectiveFigures& answer = response.objectives(0);
    EXPECT_EQ(answer.queue(), "sales");
    EXPECT_EQ(answer.objective(), "answer");
    EXPECT_GE(answer.waiting(), previous);
    previous = answer.waiting();
    ASSERT_LE(previous, 1000);
    if (previous < 1000) ++partial;
  }
  ingest.join();
  EXPECT_EQ(previous, 1000);
  // The reads that let the waits after 200, 300, ... 900 calls go on began
  // after the wait before them and ended before their own: 100-900 waiting.
  EXPECT_GE(partial, 8);
}

}  // namespace
}  // namespace slamon::query
