// The Query API and slamonctl end to end: breaches streamed while the item is
// open, reports that add up to the counters, status and config checks.
#include <signal.h>

#include <fstream>
#include <map>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/duration.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/proto_time.h"
#include "slamon/v1/query.grpc.pb.h"
#include "tests/integration/harness.h"

namespace slamon {
namespace {

using ::testing::HasSubstr;
using testing::Daemon;
using testing::ParseMetrics;
using testing::Sample;

constexpr char kConfig[] = R"(
reorder_allowance: 1s
policies:
  - name: cases
    match: { channel: email }
    objectives:
      acknowledge: { threshold: 5m }
      answer: { threshold: 4h, goal: 0.9 }
      resolution: { threshold: 1h }
  - name: quick
    match: { channel: chat }
    objectives:
      resolution: { threshold: 3s, warn_at: 0.5 }
  - name: phone
    match: { channel: phone }
    objectives:
      answer: { threshold: 20s, short_abandon: 5s }
)";

std::unique_ptr<v1::Query::Stub> QueryStub(const Daemon& daemon) {
  return v1::Query::NewStub(grpc::CreateChannel(daemon.grpc_address(), grpc::InsecureChannelCredentials()));
}

v1::ContactEvent ChatEvent(v1::EventKind kind, absl::Time at) {
  v1::ContactEvent e;
  e.set_kind(kind);
  e.set_source("it");
  e.set_contact_id("chat-1");
  e.set_event_id(v1::EventKind_Name(kind));
  SetTimestamp(at, e.mutable_occurred_at());
  e.set_queue("desk");
  e.set_channel("chat");
  return e;
}

void Publish(const Daemon& daemon, const v1::ContactEvent& e) {
  v1::BatchAck ack;
  ASSERT_TRUE(daemon.PublishBatch({e}, &ack).ok());
  ASSERT_EQ(ack.accepted(), 1u);
}

TEST(QueryTest, WatchBreachesStreamsTheWarningThenTheBreachWhileTheItemIsOpen) {
  Daemon daemon(kConfig);
  auto query = QueryStub(daemon);
  grpc::ClientContext watch_context;
  watch_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::WatchBreachesRequest request;
  request.set_include_warnings(true);
  auto watch = query->WatchBreaches(&watch_context, request);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the stream is open before anything fires

  // Resolution within 3 s, warning at half: 1.5 s, each fired after the 1 s
  // reorder allowance.
  const absl::Time arrived = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  Publish(daemon, ChatEvent(v1::ARRIVED, arrived));
  v1::BreachEvent warning, breach;
  ASSERT_TRUE(watch->Read(&warning));
  ASSERT_TRUE(watch->Read(&breach));
  EXPECT_EQ(warning.kind(), v1::BreachEvent::WARNING);
  EXPECT_EQ(breach.kind(), v1::BreachEvent::BREACH);
  for (const v1::BreachEvent* e : {&warning, &breach}) {
    EXPECT_EQ(e->objective(), "resolution");
    EXPECT_EQ(e->queue(), "desk");
    EXPECT_EQ(e->channel(), "chat");
    EXPECT_EQ(e->policy(), "quick");
    EXPECT_EQ(e->source(), "it");
    EXPECT_EQ(e->contact_id(), "chat-1");
    EXPECT_EQ(ToTime(e->started_at()), arrived);
  }
  EXPECT_EQ(ToTime(warning.at()), arrived + absl::Milliseconds(1500));
  EXPECT_EQ(ToTime(breach.at()), arrived + absl::Seconds(3));
  // The daemon's first two events of this run, numbered as published.
  EXPECT_EQ(warning.sequence(), 1u);
  EXPECT_EQ(breach.sequence(), 2u);
  EXPECT_EQ(warning.run(), breach.run());
  EXPECT_GT(warning.run(), static_cast<uint64_t>(absl::ToUnixNanos(arrived - absl::Minutes(1))));

  // slamonctl resuming after the warning gets the breach again, the point
  // to resume after it printed.
  const std::string resume_point = absl::StrCat(breach.run(), ":", 2);
  const testing::RunResult resumed =
      testing::Run({testing::BinaryPath("ctl/slamonctl"), "watch", "--daemon", daemon.grpc_address(), "--warnings",
                    "--resume", absl::StrCat(warning.run(), ":1"), "--count", "1"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(resumed.output, absl::StrCat(FormatRfc3339(arrived + absl::Seconds(3)),
                                         "  BREACH   resolution  desk/chat  policy=quick  contact=it/chat-1  started=",
                                         FormatRfc3339(arrived), "  resume=", resume_point, "\n"));

  // Counted while the chat is still open.
  const std::string labels = R"(queue="desk",channel="chat",policy="quick",objective="resolution")";
  testing::Samples m = ParseMetrics(daemon.Scrape());
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_objective_breaches_total{", labels, "}")), 1);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_objective_warnings_total{", labels, "}")), 1);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_objective_open_items{", labels, R"(,state="breached"})")), 1);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_objective_outcomes_total{", labels, R"(,outcome="missed"})")), 0);

  // Resolved late: missed, and the breach is not counted twice.
  Publish(daemon, ChatEvent(v1::RESOLVED, absl::Now()));
  m = ParseMetrics(daemon.Scrape());
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_objective_outcomes_total{", labels, R"(,outcome="missed"})")), 1);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_objective_breaches_total{", labels, "}")), 1);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_objective_open_items{", labels, R"(,state="breached"})")), 0);
  watch_context.TryCancel();
}

TEST(QueryTest, WatchesEndWithUnavailableWhenTheDaemonStops) {
  Daemon daemon(kConfig);
  auto query = QueryStub(daemon);
  grpc::ClientContext context;
  auto watch = query->WatchBreaches(&context, v1::WatchBreachesRequest());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const absl::Time stop = absl::Now();
  daemon.process().Signal(SIGTERM);
  v1::BreachEvent e;
  EXPECT_FALSE(watch->Read(&e));
  // Ended at once, not at the 5 s drain deadline (the final snapshot comes
  // after, and its fsync may take a while on a busy disk).
  EXPECT_LT(absl::Now() - stop, absl::Seconds(3));
  const grpc::Status status = watch->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(daemon.process().Wait(10), 0);
}

// Yesterday's contacts, replayed from a CSV export. Worked by hand:
// acknowledge (5 min): e1 2 min met, e2 10 min missed, e3 30 s met.
// answer (4 h): e1 1 h within, e2 4 h 50 min late, e3 15 min within.
// resolution (1 h): e1 1 h 30 min missed, e2 5 h missed, e3 45 min met.
// phone answer (20 s, short 5 s): p1 10 s within, p2 abandoned at 3 s
// (short), p3 60 s late.
TEST(QueryTest, ReportAddsUpToTheCountersExactly) {
  Daemon daemon(kConfig);
  const std::string day = absl::FormatTime("%Y-%m-%d", absl::Now() - absl::Hours(24), absl::UTCTimeZone());
  const auto at = [&day](const char* time) { return absl::StrCat(day, "T", time, "Z"); };
  const testing::TempDir dir;
  const std::string csv = dir.path() + "/export.csv";
  {
    std::ofstream out(csv);
    out << "contact_id,channel,queue,arrived_at,acknowledged_at,answered_at,abandoned_at,resolved_at\n"
        << "e1,email,mail," << at("08:00:00") << "," << at("08:02:00") << "," << at("09:00:00") << ",,"
        << at("09:30:00") << "\n"
        << "e2,email,mail," << at("08:10:00") << "," << at("08:20:00") << "," << at("13:00:00") << ",,"
        << at("13:10:00") << "\n"
        << "e3,email,mail," << at("10:00:00") << "," << at("10:00:30") << "," << at("10:15:00") << ",,"
        << at("10:45:00") << "\n"
        << "p1,phone,sales," << at("08:00:00") << ",," << at("08:00:10") << ",,\n"
        << "p2,phone,sales," << at("08:30:00") << ",,," << at("08:30:03") << ",\n"
        << "p3,phone,sales," << at("08:40:00") << ",," << at("08:41:00") << ",,\n";
  }
  ASSERT_EQ(testing::Run({testing::BinaryPath("collectors/replay/slamon-replay"), "--daemon", daemon.grpc_address(),
                          csv})
                .exit_code,
            0);

  const std::string ctl = testing::BinaryPath("ctl/slamonctl");
  const auto report = [&](const std::string& interval) {
    const std::string tomorrow = FormatTime("%Y-%m-%d", absl::Now() + absl::Hours(24), absl::UTCTimeZone());
    const testing::RunResult r = testing::Run({ctl, "report", "--daemon", daemon.grpc_address(), "--from", day, "--to",
                                               tomorrow, "--interval", interval, "--format", "csv"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    // (queue/objective/outcome) -> sum over the rows; and the row count.
    std::map<std::string, uint64_t> sums;
    std::vector<std::string> lines = absl::StrSplit(r.output, '\n', absl::SkipEmpty());
    EXPECT_FALSE(lines.empty());
    const std::vector<std::string> header = absl::StrSplit(lines.empty() ? "" : lines[0], ',');
    for (size_t i = 1; i < lines.size(); ++i) {
      const std::vector<std::string> cells = absl::StrSplit(lines[i], ',');
      EXPECT_EQ(cells.size(), header.size()) << lines[i];
      for (size_t c = 5; c + 1 < cells.size() && c < header.size(); ++c) {
        uint64_t n = 0;
        if (!cells[c].empty() && absl::SimpleAtoi(cells[c], &n)) {
          sums[absl::StrCat(cells[1], "/", cells[4], "/", header[c])] += n;
        }
      }
    }
    return std::make_pair(sums, lines.size() - 1);
  };
  const auto [daily, day_rows] = report("1d");
  const auto [intervals, interval_rows] = report("30m");
  EXPECT_EQ(day_rows, 4u);  // one day: mail acknowledge / answer / resolution, sales answer
  EXPECT_EQ(intervals, daily);
  // e1 and e2 acknowledged in 08:00; e3 in 10:00; answers at 09:00, 13:00,
  // 10:00; resolutions at 09:30, 13:00, 10:30; phone at 08:00, 08:30 (x2).
  EXPECT_EQ(interval_rows, 2u + 3u + 3u + 2u);

  const std::map<std::string, uint64_t> expected = {
      {"mail/acknowledge/met", 2},          {"mail/acknowledge/missed", 1},     {"mail/answer/answered_within", 2},
      {"mail/answer/answered_late", 1},     {"mail/resolution/met", 1},         {"mail/resolution/missed", 2},
      {"sales/answer/answered_within", 1},  {"sales/answer/abandoned_short", 1}, {"sales/answer/answered_late", 1}};
  for (const auto& [key, n] : expected) EXPECT_EQ(daily.at(key), n) << key;

  // The same numbers as the Prometheus counters, for every outcome series.
  const testing::Samples m = ParseMetrics(daemon.Scrape());
  for (const auto& [key, n] : daily) {
    const std::vector<std::string> parts = absl::StrSplit(key, '/');
    const std::string channel = parts[0] == "mail" ? "email" : "phone";
    const std::string policy = parts[0] == "mail" ? "cases" : "phone";
    const std::string series = absl::StrCat(R"(slamon_objective_outcomes_total{queue=")", parts[0], R"(",channel=")",
                                            channel, R"(",policy=")", policy, R"(",objective=")", parts[1],
                                            R"(",outcome=")", parts[2], R"("})");
    EXPECT_EQ(Sample(m, series), static_cast<double>(n)) << series;
  }
  // Every late cycle breached exactly once (at completion: the contacts
  // came complete).
  const auto breaches = [&m](const std::string& queue, const std::string& channel, const std::string& policy,
                             const std::string& objective) {
    return Sample(m, absl::StrCat(R"(slamon_objective_breaches_total{queue=")", queue, R"(",channel=")", channel,
                                  R"(",policy=")", policy, R"(",objective=")", objective, R"("})"));
  };
  EXPECT_EQ(breaches("mail", "email", "cases", "acknowledge"), 1);
  EXPECT_EQ(breaches("mail", "email", "cases", "answer"), 1);
  EXPECT_EQ(breaches("mail", "email", "cases", "resolution"), 2);
  EXPECT_EQ(breaches("sales", "phone", "phone", "answer"), 1);

  const testing::RunResult status = testing::Run({ctl, "status", "--daemon", daemon.grpc_address()});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_THAT(status.output, HasSubstr("OBJECTIVE"));
  EXPECT_THAT(status.output, HasSubstr("resolution"));
  // Today window of the mail resolution objective: nothing completed today.
  const testing::RunResult table = testing::Run({ctl, "report", "--daemon", daemon.grpc_address(), "--from", day,
                                                 "--to", FormatTime("%Y-%m-%d", absl::Now() + absl::Hours(24),
                                                                    absl::UTCTimeZone()),
                                                 "--interval", "1d", "--queue", "mail"});
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_THAT(table.output, HasSubstr("TOTAL"));
  EXPECT_THAT(table.output, ::testing::Not(HasSubstr("sales")));
}

TEST(QueryTest, SlamonctlChecksConfigsAndAnswersHelpAndVersion) {
  const std::string ctl = testing::BinaryPath("ctl/slamonctl");
  const testing::TempDir dir;
  const std::string good = dir.path() + "/good.yaml";
  const std::string bad = dir.path() + "/bad.yaml";
  std::ofstream(good) << kConfig;
  std::ofstream(bad) << "policies:\n  - name: x\n    objectives:\n      resolution: { threshold: 5 parsecs }\n";
  testing::RunResult r = testing::Run({ctl, "check-config", good});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("cases (acknowledge, answer, resolution); quick (resolution); phone (answer)"));
  r = testing::Run({ctl, "check-config", bad});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr(bad + ":4"));
  EXPECT_THAT(r.output, HasSubstr("policies[0].objectives.resolution.threshold"));
  const std::string version = testing::Run({ctl, "--version"}).output;  // its form: BinariesTest
  ASSERT_THAT(version, HasSubstr("slamonctl "));
  for (const char* command : {"status", "report", "watch", "end-waits", "check-config"}) {
    r = testing::Run({ctl, command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_THAT(r.output, HasSubstr(absl::StrCat("slamonctl ", command))) << command;
    r = testing::Run({ctl, command, "--version"});
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_EQ(r.output, version) << command;
  }
  EXPECT_EQ(testing::Run({ctl, "frobnicate"}).exit_code, 2);
  // The daemon down: a clear error, exit 1.
  r = testing::Run({ctl, "status", "--daemon", absl::StrCat("127.0.0.1:", testing::FreePort()), "--timeout", "2s"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("slamonctl: 127.0.0.1:"));
}

}  // namespace
}  // namespace slamon
