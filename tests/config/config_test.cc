#include "daemon/config/config.h"

#include <fstream>
#include <sstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace slamon::config {
namespace {

using engine::Formula;
using engine::ObjectiveKind;
using ::testing::HasSubstr;

TEST(DefaultConfigTest, ShardsFollowTheHardwareUpToEight) {
  EXPECT_EQ(DefaultShards(1), 1);
  EXPECT_EQ(DefaultShards(2), 2);
  EXPECT_EQ(DefaultShards(8), 8);
  EXPECT_EQ(DefaultShards(64), 8);
  EXPECT_EQ(DefaultShards(0), 8);  // unknown
  // A file that does not say gets the same; one that does, what it says.
  const auto unsaid = ParseConfig("policies: [{name: all, objectives: {answer: {threshold: 20s}}}]\n", "s.yaml");
  ASSERT_TRUE(unsaid.ok()) << unsaid.status();
  EXPECT_EQ(unsaid->engine.shards, DefaultShards(std::thread::hardware_concurrency()));
  const auto said = ParseConfig("shards: 3\npolicies: [{name: all, objectives: {answer: {threshold: 20s}}}]\n", "s.yaml");
  ASSERT_TRUE(said.ok()) << said.status();
  EXPECT_EQ(said->engine.shards, 3);
}

TEST(DefaultConfigTest, HasTheFourChannelPolicies) {
  const Config c = DefaultConfig();
  ASSERT_EQ(c.policies.size(), 4u);
  EXPECT_EQ(c.grpc_listen, "127.0.0.1:7600");
  EXPECT_EQ(c.metrics_listen, "127.0.0.1:9464");
  const engine::Objective* phone = c.policies[0].Find(ObjectiveKind::kAnswer);
  ASSERT_NE(phone, nullptr);
  EXPECT_EQ(phone->threshold, absl::Seconds(18));  // 3 rings of 6 s
  EXPECT_EQ(phone->short_abandon, absl::Seconds(5));
  EXPECT_EQ(phone->formula, Formula::kShortAbandonsExcluded);
  EXPECT_DOUBLE_EQ(*phone->goal, 0.80);
  EXPECT_EQ(c.policies[2].Find(ObjectiveKind::kAnswer)->threshold, absl::Minutes(2));
  EXPECT_EQ(c.policies[3].Find(ObjectiveKind::kAnswer)->formula, Formula::kAbandonsIn);
  // Histogram bounds include every T and S (sla-semantics §6).
  const std::vector<double>& b = c.engine.wait_buckets;
  for (double must : {5.0, 18.0, 60.0, 120.0, 14400.0}) {
    EXPECT_NE(std::find(b.begin(), b.end(), must), b.end()) << must;
  }
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
}

TEST(ParseConfigTest, FullFile) {
  const absl::StatusOr<Config> c = ParseConfig(R"(
listen: { grpc: "127.0.0.1:0", metrics: "127.0.0.1:0" }
data_dir: /tmp/x
snapshot_every: 30s
dedup_window: 2h
dedup_max_entries: 5000000
reorder_allowance: 2s
time_zone: Europe/Madrid
calendars:
  madrid-office:
    time_zone: Europe/Madrid
    hours: { mon-thu: ["09:00-14:00", "15:00-18:00"], fri: ["09:00-15:00"] }
    holidays: ["2026-12-25", { date: "2026-12-24", hours: ["09:00-13:00"] }]
policies:
  - name: vip
    match: { queue: [gold, platinum], priority: 2 }
    objectives:
      answer: { threshold: 10s, goal: 0.9, warn_at: 3s, formula: answered_only, give_up_after: 90m }
  - name: everything
    objectives:
      answer: { threshold: 30s }
windows: { rolling: [5m, 1h], interval: 15m, day_start: "06:00" }
)", "test.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->engine.reorder_allowance, absl::Seconds(2));
  EXPECT_EQ(c->data_dir, "/tmp/x");
  EXPECT_EQ(c->snapshot_every, absl::Seconds(30));
  EXPECT_EQ(c->engine.dedup_window, absl::Hours(2));
  EXPECT_EQ(c->engine.dedup_max_entries, 5'000'000u);
  ASSERT_EQ(c->policies.size(), 2u);
  EXPECT_THAT(c->policies[0].match.queues, ::testing::ElementsAre("gold", "platinum"));
  EXPECT_THAT(c->policies[0].match.priorities, ::testing::ElementsAre(2));
  EXPECT_EQ(*c->policies[0].objectives[0].warn.before, absl::Seconds(3));
  EXPECT_EQ(c->policies[0].objectives[0].warn.At(absl::Seconds(10)), absl::Seconds(7));
  EXPECT_EQ(c->policies[0].objectives[0].give_up_after, absl::Minutes(90));
  EXPECT_EQ(c->policies[1].objectives[0].give_up_after, absl::InfiniteDuration());  // never, unless set
  EXPECT_TRUE(c->policies[1].match.queues.empty());
  EXPECT_EQ(c->policies[1].Find(ObjectiveKind::kAnswer)->formula, Formula::kAbandonsIn);
  EXPECT_EQ(c->policies[1].time_zone.name(), "Europe/Madrid");
  EXPECT_EQ(c->engine.windows.interval, absl::Minutes(15));
  EXPECT_EQ(c->engine.windows.day_start, absl::Hours(6));
  const engine::BusinessCalendar& cal = *c->calendars.at("madrid-office");
  auto local = [&cal](int m, int d, int h) {
    return absl::FromCivil(absl::CivilSecond(2026, m, d, h, 0, 0), cal.hours().zone);
  };
  // Monday 2026-03-02: 09-14 and 15-18, 8 hours; Saturday closed.
  EXPECT_EQ(cal.BusinessTimeBetween(local(3, 2, 0), local(3, 3, 0)), absl::Hours(8));
  EXPECT_EQ(cal.BusinessTimeBetween(local(3, 7, 0), local(3, 8, 0)), absl::ZeroDuration());
  // Thursday 2026-12-24 is open 09-13 only; Friday the 25th is closed.
  EXPECT_EQ(cal.BusinessTimeBetween(local(12, 24, 0), local(12, 26, 0)), absl::Hours(4));
}

struct BadCase {
  const char* yaml;
  const char* expected;  // a substring of the error
};

class BadConfigTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfigTest, NamesFileLineAndKey) {
  const absl::StatusOr<Config> c = ParseConfig(GetParam().yaml, "slamon.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()), HasSubstr(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, BadConfigTest,
    ::testing::Values(
        BadCase{"policies:\n  - name: a\n    objectives:\n      answer: { threshold: 20x }\n",
                "slamon.yaml:4: policies[0].objectives.answer.threshold: invalid duration '20x'"},
        BadCase{"reorder_alowance: 5s\npolicies: []\n",
                "slamon.yaml:1: reorder_alowance: unknown key"},
        BadCase{"policies:\n  - name: a\n    objectives:\n      answer: { threshold: 20s, formula: magic }\n",
                "slamon.yaml:4: policies[0].objectives.answer.formula: unknown formula 'magic'"},
        BadCase{"policies:\n  - name: a\n    objectives:\n      answer: { threshold: 3 rings }\n",
                "policies[0].objectives.answer.ring: a threshold in rings needs 'ring'"},
        BadCase{"policies:\n  - name: a\n    objectives:\n      answer: { threshold: 20s, goal: 80 }\n",
                "slamon.yaml:4: policies[0].objectives.answer.goal: expected a number from 0 to 1"},
        BadCase{"policies:\n  - name: a\n    objectives:\n      speed: { threshold: 20s }\n",
                "slamon.yaml:4: policies[0].objectives.speed: unknown objective"},
        BadCase{"calendars:\n  x:\n    time_zone: Mars/Olympus\n    hours: {}\npolicies: []\n",
                "slamon.yaml:3: calendars.x.time_zone: unknown time zone 'Mars/Olympus'"},
        BadCase{"policies:\n  - name: a\n    objectives: { answer: { threshold: 1s } }\n"
                "  - name: a\n    objectives: { answer: { threshold: 1s } }\n",
                "slamon.yaml:4: policies[1].name: duplicate policy name"},
        BadCase{"windows: { interval: 7m }\npolicies:\n  - name: a\n    objectives: { answer: { threshold: 1s } }\n",
                "windows.interval: must divide a day"},
        BadCase{"policies: [\n", "slamon.yaml:2: invalid YAML"},
        BadCase{"", "the file is empty"},
        BadCase{"calendars:\n  x:\n    time_zone: UTC\n    hours: { mon: [\"09:00-14:00\", \"13:00-18:00\"] }\npolicies: []\n",
                "slamon.yaml:4: calendars.x.hours.mon[1]: intervals must be in order and must not overlap"},
        BadCase{"policies:\n  - name: a\n    objectives:\n      answer: { threshold: 1bd, basis: calendar }\n",
                "slamon.yaml:4: policies[0].objectives.answer.threshold: a threshold in business days ('bd') needs a business calendar as 'basis'"},
        BadCase{"policies:\n  - name: a\n    objectives:\n      answer: { threshold: 4h, basis: office }\n",
                "slamon.yaml:4: policies[0].objectives.answer.basis: no calendar named 'office'"},
        BadCase{"policies:\n  - name: a\n    objectives:\n      resolution: { threshold: 4h, give_up_after: 8h }\n",
                "slamon.yaml:4: policies[0].objectives.resolution.give_up_after: applies to the answer objective only"},
        BadCase{"policies:\n  - name: a\n    objectives:\n      answer: { threshold: 2m, give_up_after: 120s }\n",
                "slamon.yaml:4: policies[0].objectives.answer.give_up_after: must be longer than the threshold"},
        BadCase{"policies:\n  - name: a\n    objectives:\n      answer: { threshold: 2m, give_up_after: soon }\n",
                "slamon.yaml:4: policies[0].objectives.answer.give_up_after: invalid duration 'soon'"}));

TEST(LoadConfigFileTest, ShippedExampleLoads) {
  const absl::StatusOr<Config> c = LoadConfigFile(std::string(SLAMON_SOURCE_DIR) + "/deploy/slamon.example.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->policies.size(), 5u);
  EXPECT_EQ(c->policies[0].match.priorities, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(c->policies[1].Find(ObjectiveKind::kAnswer)->give_up_after, absl::Hours(4));
  EXPECT_EQ(c->policies[2].Find(ObjectiveKind::kAnswer)->warn.At(absl::Hours(4)), absl::Hours(3));
  EXPECT_EQ(c->policies[2].Find(ObjectiveKind::kAnswer)->calendar, c->calendars.at("madrid-office"));
  EXPECT_EQ(c->engine.windows.min_volume, 10u);
  EXPECT_DOUBLE_EQ(c->engine.windows.at_risk_margin, 0.05);
}

// The contract's own example (sla-semantics §8) loads as written.
TEST(LoadConfigFileTest, SemanticsExampleLoads) {
  std::ifstream in(std::string(SLAMON_SOURCE_DIR) + "/../shared/sla-semantics.md");
  ASSERT_TRUE(in.good()) << "../shared/sla-semantics.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  const std::string md = text.str();
  const size_t start = md.find("```yaml\n");
  ASSERT_NE(start, std::string::npos);
  const size_t end = md.find("```", start + 8);
  const absl::StatusOr<Config> c = ParseConfig(md.substr(start + 8, end - start - 8), "sla-semantics.md");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->policies.size(), 5u);
  const engine::Objective* resolution = c->policies[0].Find(ObjectiveKind::kResolution);
  ASSERT_NE(resolution, nullptr);
  EXPECT_EQ(resolution->business_days, 5);
  EXPECT_TRUE(resolution->pausable);
  const engine::Objective* email = c->policies[2].Find(ObjectiveKind::kAnswer);
  EXPECT_EQ(email->threshold, absl::Hours(4));
  EXPECT_EQ(email->calendar, c->calendars.at("madrid-office"));
  EXPECT_EQ(c->policies[1].Find(ObjectiveKind::kAnswer)->threshold, absl::Seconds(18));  // 3 rings of 6 s
}

TEST(LoadConfigFileTest, MissingFileIsNamed) {
  const absl::StatusOr<Config> c = LoadConfigFile("/nonexistent/slamon.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "/nonexistent/slamon.yaml: cannot open: No such file or directory");
}

}  // namespace
}  // namespace slamon::config
