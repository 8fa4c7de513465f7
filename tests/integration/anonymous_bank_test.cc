// Real data: every queued call of 1999-02-01..07 at "Anonymous Bank" (see
// ../shared/data/README.md) replayed through slamon-replay into slamond. The
// daemon classifies each call from its queue entry and exit timestamps; the
// test counts the same outcomes independently from the data's own q_time
// column, and the two must agree exactly.
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace slamon {
namespace {

constexpr char kConfig[] = R"(
policies:
  - name: bank
    match: { channel: phone }
    objectives:
      answer: { threshold: 20s, short_abandon: 5s, goal: 0.8 }
)";

struct Call {
  std::string id, type, outcome;
  absl::Time entered, left;
  int q_time;
};

int Seconds(absl::string_view hms) {
  const std::vector<absl::string_view> p = absl::StrSplit(hms, ':');
  int h = 0, m = 0, s = 0;
  if (p.size() != 3 || !absl::SimpleAtoi(p[0], &h) || !absl::SimpleAtoi(p[1], &m) || !absl::SimpleAtoi(p[2], &s)) {
    return -1;
  }
  return h * 3600 + m * 60 + s;
}

// The calls of the first week that reached the queue, with the cleaning the
// data's publishers describe (no PHANTOM, no negative vru_time).
std::vector<Call> LoadFirstWeek(int* cleaned_calls) {
  std::ifstream in(testing::SourcePath("../shared/data/anonymous-bank/february-1999.tsv"));
  EXPECT_TRUE(in.good()) << "../shared/data/anonymous-bank/february-1999.tsv is missing";
  absl::TimeZone israel;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Jerusalem", &israel));
  std::string line;
  std::getline(in, line);  // header
  std::vector<Call> calls;
  *cleaned_calls = 0;
  while (std::getline(in, line)) {
    const std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() < 17) continue;
    int vru_time = 0, date = 0, q_time = 0;
    if (!absl::SimpleAtoi(f[8], &vru_time) || !absl::SimpleAtoi(f[5], &date) || !absl::SimpleAtoi(f[11], &q_time)) continue;
    if (date < 990201 || date > 990207 || f[12] == "PHANTOM" || vru_time < 0) continue;
    ++*cleaned_calls;
    if (f[9] == "0:00:00") continue;  // never queued
    const absl::CivilDay day(1900 + date / 10000, date / 100 % 100, date % 100);
    int exit_seconds = Seconds(f[10]);
    if (exit_seconds < Seconds(f[9])) exit_seconds += 86400;  // left the queue after midnight
    // call_id repeats across VRU lines (565 times in this week): a call is
    // identified by its line and its id together.
    calls.push_back({absl::StrCat(f[0], "/", f[1]), f[4], f[12], absl::FromCivil(absl::CivilSecond(day) + Seconds(f[9]), israel),
                     absl::FromCivil(absl::CivilSecond(day) + exit_seconds, israel), q_time});
  }
  return calls;
}

TEST(AnonymousBankTest, DaemonOutcomesMatchTheDataOwnWaitColumn) {
  int cleaned = 0;
  const std::vector<Call> calls = LoadFirstWeek(&cleaned);
  ASSERT_EQ(cleaned, 8940);  // the published check of the data set
  ASSERT_EQ(calls.size(), 4523u);

  // Independent counts, from q_time, per queue (the call type).
  struct Counts {
    int answered_within = 0, answered_late = 0, abandoned_short = 0, abandoned_within = 0, abandoned_late = 0;
    double answered_wait = 0;
  };
  std::map<std::string, Counts> expected;
  std::ostringstream csv;
  csv << "contact_id,channel,queue,arrived_at,answered_at,abandoned_at\n";
  auto ts = [](absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", t, absl::UTCTimeZone()); };
  for (const Call& c : calls) {
    Counts& e = expected[c.type];
    const bool answered = c.outcome == "AGENT";
    if (answered) {
      (c.q_time <= 20 ? e.answered_within : e.answered_late) += 1;
      e.answered_wait += c.q_time;
    } else {
      (c.q_time <= 5 ? e.abandoned_short : c.q_time <= 20 ? e.abandoned_within : e.abandoned_late) += 1;
    }
    csv << c.id << ",phone," << c.type << "," << ts(c.entered) << "," << (answered ? ts(c.left) : "") << ","
        << (answered ? "" : ts(c.left)) << "\n";
  }

  testing::Daemon daemon(kConfig);
  testing::TempDir dir;
  const testing::RunResult r = testing::Run({testing::BinaryPath("collectors/replay/slamon-replay"), "--daemon",
                                             daemon.grpc_address(), dir.Write("bank.csv", csv.str())});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, ::testing::HasSubstr("4523 accepted, 0 duplicates, 0 rejected"));

  const testing::Samples m = testing::ParseMetrics(daemon.Scrape());
  int total_within = 0;
  for (const auto& [queue, e] : expected) {
    const std::string labels = absl::StrCat("queue=\"", queue, "\",channel=\"phone\",policy=\"bank\",objective=\"answer\"");
    auto outcome = [&](const char* name) {
      return testing::Sample(m, absl::StrCat("slamon_objective_outcomes_total{", labels, ",outcome=\"", name, "\"}"));
    };
    EXPECT_EQ(outcome("answered_within"), e.answered_within) << queue;
    EXPECT_EQ(outcome("answered_late"), e.answered_late) << queue;
    EXPECT_EQ(outcome("abandoned_short"), e.abandoned_short) << queue;
    EXPECT_EQ(outcome("abandoned_within"), e.abandoned_within) << queue;
    EXPECT_EQ(outcome("abandoned_late"), e.abandoned_late) << queue;
    const std::string wait = absl::StrCat("{queue=\"", queue, "\",channel=\"phone\",outcome=\"answered\"}");
    EXPECT_EQ(testing::Sample(m, "slamon_wait_seconds_sum" + wait), e.answered_wait) << queue;
    total_within += e.answered_within;
  }
  // The week as a whole, from q_time: 972 of 3,667 answered calls within 20 s.
  EXPECT_EQ(total_within, 972);
}

}  // namespace
}  // namespace slamon
