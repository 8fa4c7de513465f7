// RenderSnapshot against hand-worked figures, line by line of the page: families with a policy label
// keep each policy apart, those without sum a queue's policies.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "daemon/export/sla_metrics.h"
#include "gtest/gtest.h"
#include "tests/engine/test_util.h"

namespace slamon::exporter {
namespace {

using engine::Event;
using engine::EventKind;
using engine::Objective;
using engine::ObjectiveKind;
using engine::Policy;
using engine::testing::At;

// The page's lines, to look series up by their exact text.
std::set<std::string> Lines(std::string text) {
  std::set<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) lines.emplace(line);
  return lines;
}

// Two policies share the e-mail queue "desk": complaints (by category, a
// 5-day resolution) and the rest (answer within 60 s).
TEST(RenderTest, QueueFamiliesSumPoliciesAndPolicyFamiliesKeepThemApart) {
  Policy complaints;
  complaints.name = "complaints";
  complaints.match.categories = {"complaint"};
  Objective resolution;
  resolution.kind = ObjectiveKind::kResolution;
  resolution.threshold = absl::Hours(120);
  complaints.objectives = {resolution};
  Policy email;
  email.name = "email";
  email.match.channels = {"email"};
  email.objectives = {engine::testing::AnswerObjective(60, 0, engine::Formula::kAbandonsIn, 0.95)};
  engine::EngineOptions options;
  options.shards = 2;
  engine::Engine engine(options, std::make_shared<engine::PolicySet>(std::vector<Policy>{complaints, email}));

  // c1, c2: complaints, still waiting at 100 s; c3: answered after 30 s;
  // c4: abandoned after 90 s.
  for (int i = 1; i <= 4; ++i) {
    Event e = engine::testing::Arrival("c" + std::to_string(i), i, "desk", "email");
    if (i <= 2) e.category = "complaint";
    ASSERT_TRUE(engine.ApplyOne(e, At(i)).accepted());
  }
  ASSERT_TRUE(engine.ApplyOne(engine::testing::MakeEvent(EventKind::kAnswered, "c3", 33), At(33)).accepted());
  ASSERT_TRUE(engine.ApplyOne(engine::testing::MakeEvent(EventKind::kAbandoned, "c4", 94), At(94)).accepted());

  Exposition out;
  RenderSnapshot(engine.Snapshot(At(100)), options, out);
  const std::set<std::string> lines = Lines(std::move(out).Text());
  const auto has = [&](const std::string& line) { return lines.contains(line); };
  const std::string queue = "queue=\"desk\",channel=\"email\"";
  EXPECT_TRUE(has("slamon_contacts_waiting{" + queue + "} 2"));
  // c1 arrived at 1 s, 99 s ago.
  EXPECT_TRUE(has("slamon_oldest_wait_seconds{" + queue + "} 99"));
  EXPECT_TRUE(has("slamon_contacts_total{" + queue + ",event=\"arrived\"} 4"));
  EXPECT_TRUE(has("slamon_contacts_total{" + queue + ",event=\"answered\"} 1"));
  EXPECT_TRUE(has("slamon_contacts_total{" + queue + ",event=\"abandoned\"} 1"));
  EXPECT_TRUE(has("slamon_wait_seconds_count{" + queue + ",outcome=\"answered\"} 1"));
  EXPECT_TRUE(has("slamon_wait_seconds_sum{" + queue + ",outcome=\"answered\"} 30"));

  const std::string complaint_resolution = queue + ",policy=\"complaints\",objective=\"resolution\"";
  EXPECT_TRUE(has("slamon_objective_open_items{" + complaint_resolution + ",state=\"ok\"} 2"));
  EXPECT_TRUE(has("slamon_objective_oldest_open_item_age_seconds{" + complaint_resolution + "} 99"));
  EXPECT_TRUE(has("slamon_objective_threshold_seconds{" + complaint_resolution + "} 432000"));
  const std::string email_answer = queue + ",policy=\"email\",objective=\"answer\"";
  EXPECT_TRUE(has("slamon_objective_goal_ratio{" + email_answer + "} 0.95"));
  EXPECT_TRUE(has("slamon_objective_outcomes_total{" + email_answer + ",outcome=\"answered_within\"} 1"));
  EXPECT_TRUE(has("slamon_objective_outcomes_total{" + email_answer + ",outcome=\"abandoned_late\"} 1"));
  // The complaints policy has no answer objective.
  const std::string complaints_answer =
      "slamon_objective_open_items{" + queue + ",policy=\"complaints\",objective=\"answer\"";
  for (const std::string& line : lines) EXPECT_FALSE(line.starts_with(complaints_answer)) << line;
}

// given_up is on the page from 0 in every queue (so that increase() sees the
// first one): a policy's give_up_after ends waits, and so can an operator in
// any queue (Engine::EndWaits).
TEST(RenderTest, GivenUpIsExportedFromZeroInEveryQueue) {
  Policy phone;
  phone.name = "phone";
  phone.match.channels = {"phone"};
  phone.objectives = {engine::testing::AnswerObjective(20)};
  phone.objectives[0].give_up_after = absl::Hours(1);
  Policy chat;
  chat.name = "chat";
  chat.match.channels = {"chat"};
  chat.objectives = {engine::testing::AnswerObjective(60)};
  engine::EngineOptions options;
  engine::Engine engine(options, std::make_shared<engine::PolicySet>(std::vector<Policy>{phone, chat}));
  ASSERT_TRUE(engine.ApplyOne(engine::testing::Arrival("c1", 0, "sales", "phone"), At(0)).accepted());
  ASSERT_TRUE(engine.ApplyOne(engine::testing::Arrival("c2", 0, "help", "chat"), At(0)).accepted());
  const auto page = [&](double now) {
    Exposition out;
    RenderSnapshot(engine.Snapshot(At(now)), options, out);
    return Lines(std::move(out).Text());
  };
  const std::string sales = R"(slamon_contacts_total{queue="sales",channel="phone",event="given_up"} )";
  const std::string help = R"(slamon_contacts_total{queue="help",channel="chat",event="given_up"} )";
  std::set<std::string> lines = page(10);
  EXPECT_TRUE(lines.contains(sales + "0"));
  EXPECT_TRUE(lines.contains(help + "0"));
  engine.Tick(At(3605), nullptr);  // c1 given up on: 1 h + the 5 s allowance
  lines = page(3605);
  EXPECT_TRUE(lines.contains(sales + "1"));
  EXPECT_TRUE(lines.contains(help + "0"));
  EXPECT_TRUE(lines.contains(R"(slamon_contacts_waiting{queue="sales",channel="phone"} 0)"));
  EXPECT_TRUE(lines.contains(R"(slamon_contacts_waiting{queue="help",channel="chat"} 1)"));
  // The chat policy never gives up; an operator ends c2's wait.
  ASSERT_EQ(engine.EndWaits({.started_before = At(1)}, At(3700)).size(), 1u);
  lines = page(3700);
  EXPECT_TRUE(lines.contains(help + "1"));
  EXPECT_TRUE(lines.contains(R"(slamon_contacts_waiting{queue="help",channel="chat"} 0)"));
}

}  // namespace
}  // namespace slamon::exporter
