// slamon-replay end to end: record files into a real slamond, its summary
// and the figures it leads to, worked by hand.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/integration/phone_policy.h"

namespace slamon {
namespace {

using ::testing::HasSubstr;
using testing::Daemon;
using testing::ParseMetrics;
using testing::Sample;

TEST(ReplayTest, PublishesRecordsAndListsRejectedLines) {
  Daemon daemon(kPhoneConfig);
  testing::TempDir dir;
  const absl::Time base = absl::Now() - absl::Minutes(5);
  auto ts = [&](int s) { return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", base + absl::Seconds(s), absl::UTCTimeZone()); };
  const std::string csv = absl::StrCat(
      "contact_id,channel,queue,arrived_at,answered_at,abandoned_at,wrapup_ended_at,resolved_at,first_contact_resolution,csat\n",
      "a,phone,sales,", ts(0), ",", ts(20), ",,", ts(200), ",", ts(200), ",true,5\n",   // within (exactly T), AHT 180
      "b,phone,sales,", ts(1), ",", ts(31), ",,", ts(151), ",,,\n",                    // late, AHT 120
      "c,phone,sales,", ts(2), ",,", ts(6), ",,,,\n",                                  // short abandon
      "d,phone,sales,", ts(3), ",", ts(1), ",,,,,\n");                                 // answered before arrival
  const std::string path = dir.Write("records.csv", csv);
  testing::RunResult r = testing::Run({testing::BinaryPath("collectors/replay/slamon-replay"), "--daemon",
                                       daemon.grpc_address(), path});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("4 records sent, 4 acknowledged: 3 accepted, 0 duplicates, 1 rejected"));
  EXPECT_THAT(r.output, HasSubstr("line 5: before_arrival:"));
  const testing::Samples m = ParseMetrics(daemon.Scrape());
  auto outcome = [&](const char* o) {
    return Sample(m, absl::StrCat("slamon_objective_outcomes_total{", kSalesPolicy, R"(,objective="answer",outcome=")", o, "\"}"));
  };
  EXPECT_EQ(outcome("answered_within"), 1);
  EXPECT_EQ(outcome("answered_late"), 1);
  EXPECT_EQ(outcome("abandoned_short"), 1);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_handle_seconds_sum{", kSales, "}")), 300);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_handle_seconds_count{", kSales, "}")), 2);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_resolved_first_contact_total{", kSales, "}")), 1);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_csat_top_two_total{", kSales, "}")), 1);
  // 1 answered within / (2 answered + 1 abandoned - 1 short).
  EXPECT_NEAR(*Sample(m, absl::StrCat("slamon_service_level_ratio{", kSalesPolicy,
                                      R"(,window="15m",formula="short_abandons_excluded"})")), 0.5, 1e-12);

  // The same file again, as JSON Lines: everything is already known.
  std::string jsonl;
  for (const char* row : {R"({"contact_id":"a","channel":"phone","queue":"sales","arrived_at":")"}) {
    jsonl = absl::StrCat(row, ts(0), R"(","answered_at":")", ts(20), R"(","csat":5})", "\n");
  }
  r = testing::Run({testing::BinaryPath("collectors/replay/slamon-replay"), "--daemon", daemon.grpc_address(),
                    dir.Write("again.jsonl", jsonl)});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("1 records sent, 1 acknowledged: 0 accepted, 1 duplicates, 0 rejected"));
}

TEST(ReplayTest, RejectsRowsThatAreNotUtf8AndSendsTheRest) {
  Daemon daemon(kPhoneConfig);
  testing::TempDir dir;
  const std::string at = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now() - absl::Minutes(1), absl::UTCTimeZone());
  // A Latin-1 queue name on line 3: protobuf would send it, and the daemon
  // could not parse the batch, again and again.
  const std::string csv = absl::StrCat("contact_id,channel,queue,arrived_at\n", "a,phone,sales,", at, "\n",
                                       "b,phone,ventas-\xe9,", at, "\n", "c,phone,sales,", at, "\n");
  const testing::RunResult r = testing::Run({testing::BinaryPath("collectors/replay/slamon-replay"), "--daemon",
                                             daemon.grpc_address(), dir.Write("latin1.csv", csv)});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("3 records sent, 3 acknowledged: 2 accepted, 0 duplicates, 1 rejected"));
  EXPECT_THAT(r.output, HasSubstr("line 3: invalid_field: queue is not valid UTF-8"));
  const testing::Samples m = ParseMetrics(daemon.Scrape());
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_contacts_waiting{", kSales, "}")), 2);
  EXPECT_EQ(Sample(m, "slamon_ingest_batches_unparsable_total"), 0);
}

TEST(ReplayTest, ExitsNonZeroWhenTheDaemonIsDown) {
  testing::TempDir dir;
  const std::string path = dir.Write("r.csv", "contact_id,channel,queue,arrived_at\na,phone,q,2026-01-01T00:00:00Z\n");
  const testing::RunResult r = testing::Run({testing::BinaryPath("collectors/replay/slamon-replay"), "--daemon",
                                             "127.0.0.1:1", "--timeout", "2s", path});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("1 items not acknowledged"));
}

}  // namespace
}  // namespace slamon
