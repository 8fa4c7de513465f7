// Nothing acknowledged is lost, nothing is counted twice: the same event set
// published through a daemon killed with SIGKILL again and again, and through
// a collector that dies mid-stream and starts over, ends with exactly the
// counters of an undisturbed run.
#include <signal.h>

#include <algorithm>
#include <random>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "proto/proto_time.h"
#include "collectors/common/publisher.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace slamon {
namespace {

using testing::Daemon;
using testing::PhoneEvent;
using testing::Samples;

// Snapshots at every tick, so that restarts recover from a snapshot plus a
// log tail, not from the log alone.
constexpr char kConfig[] = R"(
snapshot_every: 250ms
policies:
  - name: phone
    match: { channel: phone }
    objectives: { answer: { threshold: 20s, short_abandon: 5s, goal: 0.8 } }
  - name: email
    match: { channel: email }
    objectives: { answer: { threshold: 30s, goal: 0.9 } }
  - name: chat
    match: { channel: chat }
    objectives: { answer: { threshold: 25s, goal: 0.85 } }
)";

// The series that must come out the same: what the SLA figures are made of
// (not delivery counts such as received or duplicate, which rise with every
// resent batch, nor the process's own ingest and storage metrics).
constexpr const char* kCompared[] = {
    "slamon_contacts_total",        "slamon_objective_outcomes_total", "slamon_events_accepted_total",
    "slamon_events_rejected_total", "slamon_wait_seconds",             "slamon_handle_seconds",
    "slamon_resolved_total",        "slamon_resolved_first_contact_total", "slamon_csat_top_two_total",
    "slamon_open_contacts",         "slamon_contacts_waiting{"};

// 80,000 contacts over three channels and seven queues, in the last hour:
// arrivals, answers after 0-59 s or abandons, transfers, wrap-ups, surveys,
// resolutions and closes; every 97th ARRIVED is sent twice (a retrying
// source), every 499th contact gets an ANSWERED before any ARRIVED (rejected
// once the reorder allowance passes), 80 contacts are still waiting at the
// end. About 230,000 events, in time order.
std::vector<v1::ContactEvent> EventSet(absl::Time now) {
  const absl::Time base = now - absl::Hours(1);
  const char* channels[] = {"phone", "email", "chat"};
  std::vector<v1::ContactEvent> events;
  auto add = [&](v1::EventKind kind, int contact, absl::Time at, const std::string& suffix = "") {
    v1::ContactEvent& e = events.emplace_back();
    e.set_kind(kind);
    e.set_source("crash");
    e.set_contact_id(absl::StrCat("c", contact));
    e.set_event_id(absl::StrCat("c", contact, "/", v1::EventKind_Name(kind), suffix));
    SetTimestamp(at, e.mutable_occurred_at());
    return &e;
  };
  for (int i = 0; i < 80'000; ++i) {
    const absl::Time arrived = base + absl::Milliseconds(40 * i);
    const absl::Time ended = arrived + absl::Seconds(i * 37 % 60);
    if (i % 499 == 0) add(v1::ANSWERED, 1'000'000 + i, arrived);  // never arrives
    v1::ContactEvent* a = add(v1::ARRIVED, i, arrived);
    a->set_queue(absl::StrCat("q", i % 7));
    a->set_channel(channels[i % 3]);
    if (i % 97 == 0) events.push_back(events.back());
    if (i % 13 == 0) add(v1::TRANSFERRED, i, arrived + absl::Seconds(1))->set_queue("overflow");
    if (i % 1000 == 1) continue;  // still waiting at the end
    if (i % 10 == 0) {
      add(v1::ABANDONED, i, ended);
      continue;
    }
    add(v1::ANSWERED, i, ended);
    if (i % 2 == 0) add(v1::WRAPUP_ENDED, i, ended + absl::Seconds(120 + i % 300));
    if (i % 11 == 0) {
      v1::ContactEvent* s = add(v1::SURVEYED, i, ended + absl::Seconds(500));
      s->set_csat_score(1 + i % 5);
    }
    if (i % 5 == 0) add(v1::RESOLVED, i, ended + absl::Seconds(400))->set_first_contact_resolution(i % 3 == 0);
    if (i % 4 == 0) add(v1::CLOSED, i, ended + absl::Seconds(600));
  }
  // In time order, as a source emits them: thousands of contacts are open at
  // any point of the stream, so every kill cuts through many of them.
  std::stable_sort(events.begin(), events.end(), [](const v1::ContactEvent& a, const v1::ContactEvent& b) {
    return ToTime(a.occurred_at()) < ToTime(b.occurred_at());
  });
  return events;
}

collectors::PublisherOptions FastReconnect(const std::string& target) {
  collectors::PublisherOptions o;
  o.target = target;
  o.initial_backoff = absl::Milliseconds(20);
  o.max_backoff = absl::Milliseconds(300);
  return o;
}

Samples Compared(const std::string& metrics) {
  Samples out;
  for (const auto& [series, value] : testing::ParseMetrics(metrics)) {
    for (const char* prefix : kCompared) {
      if (absl::StartsWith(series, prefix)) out[series] = value;
    }
  }
  return out;
}

// The series whose values differ (or exist on one side only), for a
// failure message that names them instead of printing two whole maps.
std::vector<std::string> Differences(const Samples& got, const Samples& want) {
  std::vector<std::string> out;
  for (const auto& [series, value] : want) {
    const auto it = got.find(series);
    if (it == got.end()) {
      out.push_back(absl::StrCat(series, ": missing, want ", value));
    } else if (it->second != value) {
      out.push_back(absl::StrCat(series, ": ", it->second, ", want ", value));
    }
  }
  for (const auto& [series, value] : got) {
    if (!want.contains(series)) out.push_back(absl::StrCat(series, ": ", value, ", not in the undisturbed run"));
  }
  return out;
}

// Waits (up to a minute) until the daemon has applied what it acknowledged
// and no contact is parked for the reorder allowance.
std::string SettledMetrics(const Daemon& daemon) {
  std::string text;
  for (int i = 0; i < 600; ++i) {
    text = daemon.Scrape();
    const Samples m = testing::ParseMetrics(text);
    if (testing::Sample(m, "slamon_pending_events") == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return text;
}

class DurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    events_ = EventSet(absl::Now());
    ASSERT_GE(events_.size(), 200'000u);
    Daemon reference(kConfig);
    collectors::Publisher publisher(FastReconnect(reference.grpc_address()));
    for (const v1::ContactEvent& e : events_) publisher.Publish(e);
    ASSERT_TRUE(publisher.Flush(absl::Seconds(120)).ok());
    expected_ = Compared(SettledMetrics(reference));
    ASSERT_GT(expected_.size(), 100u);
  }

  std::vector<v1::ContactEvent> events_;
  Samples expected_;
  testing::TempDir state_;
};

TEST_F(DurabilityTest, DaemonKilledTenTimesMidStreamEndsWithTheSameCounters) {
  const std::string data_dir = state_.path() + "/data";
  const std::string address = absl::StrCat("127.0.0.1:", testing::FreePort());
  auto daemon = std::make_unique<Daemon>(kConfig, data_dir, address);
  ASSERT_FALSE(daemon->grpc_address().empty());

  std::thread collector([&] {
    collectors::Publisher publisher(FastReconnect(address));
    for (size_t i = 0; i < events_.size(); ++i) {
      publisher.Publish(events_[i]);
      // Paced over ~8 s so that the kills land mid-stream.
      if (i % 500 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(18));
    }
    EXPECT_TRUE(publisher.Flush(absl::Seconds(120)).ok());
  });
  std::mt19937 random(20261122);
  for (int kill = 0; kill < 10; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 900)(random)));
    daemon->process().Signal(SIGKILL);
    EXPECT_EQ(daemon->process().Wait(10), -SIGKILL);
    daemon = std::make_unique<Daemon>(kConfig, data_dir, address);
    ASSERT_FALSE(daemon->grpc_address().empty()) << "restart " << kill + 1 << " failed";
  }
  collector.join();
  const std::vector<std::string> diff = Differences(Compared(SettledMetrics(*daemon)), expected_);
  EXPECT_TRUE(diff.empty()) << diff.size() << " series differ, e.g.\n" << absl::StrJoin(diff.begin(),
      diff.begin() + static_cast<ptrdiff_t>(std::min<size_t>(diff.size(), 20)), "\n");
}

TEST_F(DurabilityTest, CollectorThatDiesAndStartsOverEndsWithTheSameCounters) {
  Daemon daemon(kConfig, state_.path() + "/data");
  {
    // Dies a third of the way through, with batches still unacknowledged.
    collectors::Publisher publisher(FastReconnect(daemon.grpc_address()));
    for (size_t i = 0; i < events_.size() / 3; ++i) publisher.Publish(events_[i]);
  }
  collectors::Publisher again(FastReconnect(daemon.grpc_address()));
  for (const v1::ContactEvent& e : events_) again.Publish(e);
  ASSERT_TRUE(again.Flush(absl::Seconds(120)).ok());
  const std::vector<std::string> diff = Differences(Compared(SettledMetrics(daemon)), expected_);
  EXPECT_TRUE(diff.empty()) << diff.size() << " series differ, e.g.\n" << absl::StrJoin(diff.begin(),
      diff.begin() + static_cast<ptrdiff_t>(std::min<size_t>(diff.size(), 20)), "\n");
}

TEST_F(DurabilityTest, SpooledEventsOfACollectorRestartedWhileTheDaemonWasDownArriveOnce) {
  const std::string spool = state_.path() + "/spool";
  const std::string address = absl::StrCat("127.0.0.1:", testing::FreePort());
  collectors::PublisherOptions options = FastReconnect(address);
  options.spool_dir = spool;
  const size_t half = events_.size() / 2;
  {
    // No daemon yet: everything goes to the spool; then the process stops.
    auto publisher = collectors::Publisher::Open(options);
    ASSERT_TRUE(publisher.ok()) << publisher.status();
    for (size_t i = 0; i < half; ++i) (*publisher)->Publish(events_[i]);
    EXPECT_FALSE((*publisher)->connected());
  }
  Daemon daemon(kConfig, state_.path() + "/data", address);
  auto publisher = collectors::Publisher::Open(options);
  ASSERT_TRUE(publisher.ok()) << publisher.status();
  for (size_t i = half; i < events_.size(); ++i) (*publisher)->Publish(events_[i]);
  ASSERT_TRUE((*publisher)->Flush(absl::Seconds(120)).ok());
  // The ARRIVEDs sent twice on purpose (contacts 0, 97, ... 79,928: 825),
  // and not one batch more.
  EXPECT_EQ((*publisher)->stats().duplicates, 825u);
  const std::vector<std::string> diff = Differences(Compared(SettledMetrics(daemon)), expected_);
  EXPECT_TRUE(diff.empty()) << diff.size() << " series differ, e.g.\n" << absl::StrJoin(diff.begin(),
      diff.begin() + static_cast<ptrdiff_t>(std::min<size_t>(diff.size(), 20)), "\n");
}

// A wait is given up on (give_up_after) by a tick, which the log holds like
// a batch: a daemon killed after it comes back with the contact given up on
// once, neither lost nor counted again, and still refuses its late end event.
TEST(GiveUpDurabilityTest, AWaitGivenUpOnStaysGivenUpOnceAfterACrash) {
  constexpr char kGiveUpConfig[] = R"(
reorder_allowance: 1s
policies:
  - name: phone
    objectives: { answer: { threshold: 20s, give_up_after: 1h } }
)";
  const std::string given_up = R"(slamon_contacts_total{queue="sales",channel="phone",event="given_up"})";
  const std::string waiting = R"(slamon_contacts_waiting{queue="sales",channel="phone"})";
  const auto publish = [](const Daemon& daemon, const std::vector<v1::ContactEvent>& events) {
    v1::BatchAck ack;
    EXPECT_TRUE(daemon.PublishBatch(events, &ack).ok());
    return ack;
  };
  // Until a tick has given the wait up (within a second and a tick).
  const auto given_up_once = [&given_up](const Daemon& daemon) {
    Samples m;
    for (int i = 0; i < 100 && testing::Sample(m, given_up) != 1; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      m = testing::ParseMetrics(daemon.Scrape());
    }
    return m;
  };
  testing::TempDir state;
  const absl::Time now = absl::Now();
  {
    Daemon daemon(kGiveUpConfig, state.path());
    // "lost" waited 2 h ago, learnt now: given up on 1 s (the allowance) from now.
    EXPECT_EQ(
        publish(daemon, {PhoneEvent(v1::ARRIVED, "lost", now - absl::Hours(2)), PhoneEvent(v1::ARRIVED, "fresh", now)})
            .accepted(),
        2u);
    const Samples m = given_up_once(daemon);
    EXPECT_EQ(testing::Sample(m, given_up), 1);
    EXPECT_EQ(testing::Sample(m, waiting), 1);  // "fresh"
    daemon.process().Signal(SIGKILL);
    EXPECT_EQ(daemon.process().Wait(10), -SIGKILL);
  }
  Daemon again(kGiveUpConfig, state.path());
  given_up_once(again);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // a few more ticks
  const Samples m = testing::ParseMetrics(again.Scrape());
  EXPECT_EQ(testing::Sample(m, given_up), 1);
  EXPECT_EQ(testing::Sample(m, waiting), 1);
  const v1::BatchAck late = publish(again, {PhoneEvent(v1::ABANDONED, "lost", now - absl::Minutes(30))});
  ASSERT_EQ(late.rejected_size(), 1);
  EXPECT_EQ(late.rejected(0).reason(), "not_waiting");
  EXPECT_TRUE(absl::StrContains(late.rejected(0).message(), "was given up on at")) << late.rejected(0).message();
}

}  // namespace
}  // namespace slamon
