// slamon-simulator end to end: its events reach a real slamond on the
// built-in policies, and it stops promptly when the daemon is down.
#include <signal.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace slamon {
namespace {

using ::testing::HasSubstr;
using testing::Daemon;
using testing::ParseMetrics;
using testing::Sample;

TEST(SimulatorTest, EveryEventReachesTheDaemon) {
  Daemon daemon;  // built-in policies: the simulator's four channels
  const testing::RunResult r = testing::Run({testing::BinaryPath("collectors/simulator/slamon-simulator"), "--daemon",
                                             daemon.grpc_address(), "--backfill", "1h", "--speed", "0", "--duration",
                                             "1h", "--seed", "5"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string published = r.output.substr(r.output.find("stopping: ") + 10);
  const uint64_t count = std::stoull(published);
  EXPECT_THAT(r.output, HasSubstr(absl::StrCat(count, " acknowledged (", count, " accepted, 0 duplicates, 0 rejected)")));
  const testing::Samples m = ParseMetrics(daemon.Scrape());
  EXPECT_EQ(Sample(m, R"(slamon_events_received_total{kind="event"})"), count);
  EXPECT_EQ(Sample(m, "slamon_events_accepted_total"), count);
  for (const char* q : {R"(queue="support",channel="phone")", R"(queue="inbox",channel="email")",
                        R"(queue="web",channel="chat")", R"(queue="branch",channel="in_person")"}) {
    EXPECT_GT(Sample(m, absl::StrCat("slamon_contacts_total{", q, R"(,event="arrived"})")).value_or(0), 0) << q;
  }
  // Every e-mail is acknowledged at once by the simulated auto-reply: as many
  // acknowledgements met as e-mails arrived, none missed.
  const auto emails = Sample(m, R"(slamon_contacts_total{queue="inbox",channel="email",event="arrived"})");
  ASSERT_TRUE(emails.has_value());
  EXPECT_EQ(Sample(m, R"(slamon_objective_outcomes_total{queue="inbox",channel="email",policy="email",)"
                      R"(objective="acknowledge",outcome="met"})"),
            emails);
  EXPECT_EQ(Sample(m, R"(slamon_objective_outcomes_total{queue="inbox",channel="email",policy="email",)"
                      R"(objective="acknowledge",outcome="missed"})"),
            0);
  EXPECT_GT(Sample(m, R"(slamon_escalations_total{queue="support",channel="phone",level="1"})").value_or(0), 0);
  // A quarter of the handled e-mails wait on the customer (PAUSED), and the
  // engine took every one of them (no rejection above).
  EXPECT_GT(Sample(m, R"(slamon_contacts_total{queue="inbox",channel="email",event="paused"})").value_or(0), 0);
}

TEST(SimulatorTest, StopsPromptlyWhileTheDaemonIsDown) {
  testing::TempDir dir;
  testing::Process sim({testing::BinaryPath("collectors/simulator/slamon-simulator"), "--daemon", "127.0.0.1:1",
                        "--backfill", "2h", "--speed", "0"},
                       dir.path() + "/sim.log");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  sim.Signal(SIGTERM);
  const std::optional<int> code = sim.Wait(10);
  ASSERT_TRUE(code.has_value()) << "the simulator did not stop within 10 s of SIGTERM";
  EXPECT_EQ(*code, 1);  // events were not acknowledged
}

TEST(SimulatorTest, RefusesASpeedBelowZeroOrBetweenZeroAndOne) {
  for (const char* speed : {"0.5", "-1"}) {
    const testing::RunResult r = testing::Run(
        {testing::BinaryPath("collectors/simulator/slamon-simulator"), "--daemon", "127.0.0.1:1", "--speed", speed});
    EXPECT_EQ(r.exit_code, 1) << speed;
    EXPECT_THAT(r.output, HasSubstr("--speed must be 0 (at once) or at least 1")) << speed;
  }
}

}  // namespace
}  // namespace slamon
