// scripts/demo_run.sh, what the README's first command runs once it has
// built: slamond on its built-in defaults fed by the simulator shows live
// figures for the four channels, stops on Ctrl-C, and a second run in the
// same directory ends the waits the first left open (their simulator is gone).
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace slamon {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ParseMetrics;
using testing::Sample;

// The simulator's four queues, and the built-in policy each matches.
struct DemoQueue {
  const char* labels;
  const char* policy_labels;  // of its service-level ratio
};
constexpr DemoQueue kQueues[] = {
    {R"(queue="support",channel="phone")", R"(policy="phone",window="1h",formula="short_abandons_excluded")"},
    {R"(queue="inbox",channel="email")", R"(policy="email",window="1h",formula="abandons_in")"},
    {R"(queue="web",channel="chat")", R"(policy="chat",window="1h",formula="abandons_in")"},
    {R"(queue="branch",channel="in_person")", R"(policy="walk-in",window="1h",formula="abandons_in")"},
};

// The text after `prefix` in `text`, up to the next space, or "".
std::string WordAfter(const std::string& text, const std::string& prefix) {
  const size_t at = text.find(prefix);
  if (at == std::string::npos) return "";
  const size_t start = at + prefix.size();
  return text.substr(start, text.find_first_of(" \n", start) - start);
}

// One run of the demo in `dir`, in a session of its own: SIGINT to its
// process group is what Ctrl-C in a terminal sends.
class DemoRun {
 public:
  DemoRun(const std::string& dir, const std::string& log)
      : log_(log),
        process_({"setsid", "sh", "-c",
                  absl::StrCat("cd '", dir, "' && exec bash '", testing::SourcePath("scripts/demo_run.sh"), "' '",
                               testing::BinaryPath(""), "' --grpc-listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0")},
                 log) {}
  ~DemoRun() { SignalGroup(SIGKILL); }  // whatever a failed test left of the group

  // Waits for the banner; false if it did not come within 60 s.
  bool Started() {
    for (int i = 0; i < 600 && Output().find("(Ctrl-C stops)") == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    metrics_ = WordAfter(Output(), "live SLA figures at http://");
    metrics_ = metrics_.substr(0, metrics_.find('/'));
    grpc_ = WordAfter(Output(), "collectors publish to ");
    return !metrics_.empty() && !grpc_.empty();
  }
  // Ctrl-C; the script's exit code, nullopt if it did not end within 60 s.
  std::optional<int> Interrupt() {
    SignalGroup(SIGINT);
    return process_.Wait(60);
  }
  // True once no process of the demo's group is left.
  bool GroupGone() const { return SignalGroup(0) != 0 && errno == ESRCH; }
  std::string Output() const { return testing::ReadFile(log_); }
  testing::Samples Scrape() const { return ParseMetrics(testing::HttpGet(metrics_, "/metrics")); }
  const std::string& grpc() const { return grpc_; }

 private:
  // The script leads its group (setsid). Never kill(-1): with no process
  // started, that would signal every process we may.
  int SignalGroup(int signal) const { return process_.pid() > 0 ? kill(-process_.pid(), signal) : -1; }

  std::string log_;
  testing::Process process_;
  std::string metrics_;
  std::string grpc_;
};

std::string ArrivedSeries(const DemoQueue& q) {
  return absl::StrCat("slamon_contacts_total{", q.labels, R"(,event="arrived"})");
}
std::string RatioSeries(const DemoQueue& q) {
  return absl::StrCat("slamon_service_level_ratio{", q.labels, ",", q.policy_labels, "}");
}

// Scrapes until every queue has arrivals and a service level (the
// simulator's backfill is sent at once, but a scrape may come between its
// batches); the last scrape.
testing::Samples ScrapeOnceEveryQueueHasFigures(const DemoRun& demo) {
  testing::Samples m;
  for (int i = 0; i < 300; ++i) {
    m = demo.Scrape();
    bool all = true;
    for (const DemoQueue& q : kQueues) {
      all = all && Sample(m, ArrivedSeries(q)).value_or(0) > 0 && Sample(m, RatioSeries(q)).has_value();
    }
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return m;
}

TEST(DemoTest, ShowsEveryChannelStopsOnCtrlCAndASecondRunEndsTheWaitsTheFirstLeft) {
  const testing::TempDir dir;
  constexpr char kLobbyWaiting[] = R"(slamon_contacts_waiting{queue="lobby",channel="phone"})";
  constexpr char kLobbyGivenUp[] = R"(slamon_contacts_total{queue="lobby",channel="phone",event="given_up"})";
  {
    DemoRun demo(dir.path(), dir.path() + "/first.log");
    ASSERT_TRUE(demo.Started()) << demo.Output();
    const testing::Samples m = ScrapeOnceEveryQueueHasFigures(demo);
    // Live figures for every channel: what arrived, what waits, and the
    // service level of the last hour (the simulator backfilled one).
    for (const DemoQueue& q : kQueues) {
      EXPECT_GT(Sample(m, ArrivedSeries(q)).value_or(0), 0) << q.labels;
      EXPECT_TRUE(Sample(m, absl::StrCat("slamon_contacts_waiting{", q.labels, "}")).has_value()) << q.labels;
      const std::optional<double> ratio = Sample(m, RatioSeries(q));
      ASSERT_TRUE(ratio.has_value()) << q.labels;
      EXPECT_TRUE(*ratio >= 0 && *ratio <= 1) << q.labels << ": " << *ratio;
    }
    EXPECT_THAT(demo.Output(), Not(HasSubstr("earlier demo run")));
    // A call whose end will never come: its PBX "restarts" with the demo.
    v1::BatchAck ack;
    grpc::ClientContext context;
    v1::EventBatch batch;
    *batch.add_events() = testing::PhoneEvent(v1::ARRIVED, "stuck", absl::Now() - absl::Minutes(1), "lobby");
    ASSERT_TRUE(testing::IngestStub(demo.grpc())->PublishBatch(&context, batch, &ack).ok());
    ASSERT_EQ(ack.accepted(), 1u);
    EXPECT_EQ(Sample(demo.Scrape(), kLobbyWaiting), 1);

    EXPECT_EQ(demo.Interrupt(), 0) << demo.Output();
    EXPECT_TRUE(demo.GroupGone()) << "slamond or the simulator outlived the demo";
  }
  {
    DemoRun demo(dir.path(), dir.path() + "/second.log");
    ASSERT_TRUE(demo.Started()) << demo.Output();
    // The lobby call and whatever the first simulator left waiting.
    EXPECT_THAT(demo.Output(), HasSubstr("an earlier demo run left waits open; ending them (slamonctl end-waits):\n"));
    EXPECT_THAT(demo.Output(), ContainsRegex("\n[1-9][0-9]* waits? begun before [-0-9T:]+Z ended at "
                                             "[-0-9T:.]+Z, counted as given_up\n"));
    const testing::Samples m = demo.Scrape();
    EXPECT_EQ(Sample(m, kLobbyWaiting), 0);
    EXPECT_EQ(Sample(m, kLobbyGivenUp), 1);
    EXPECT_EQ(demo.Interrupt(), 0) << demo.Output();
  }
}

}  // namespace
}  // namespace slamon
