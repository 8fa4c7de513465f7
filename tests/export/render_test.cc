// RenderSnapshot against hand-worked figures: families with a policy label
// keep each policy apart, those without sum a queue's policies.
#include <map>
#include <string>
#include <vector>

#include "daemon/export/sla_collectable.h"
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

using LabelMap = std::map<std::string, std::string>;

// The series of `family` whose labels are exactly `labels`, or null.
const prometheus::ClientMetric* Find(const std::vector<prometheus::MetricFamily>& families,
                                     const std::string& family, const LabelMap& labels) {
  const prometheus::ClientMetric* found = nullptr;
  for (const prometheus::MetricFamily& f : families) {
    if (f.name != family) continue;
    for (const prometheus::ClientMetric& m : f.metric) {
      LabelMap have;
      for (const auto& l : m.label) have[l.name] = l.value;
      if (have != labels) continue;
      EXPECT_EQ(found, nullptr) << family << ": the same labels twice";
      found = &m;
    }
  }
  return found;
}

double Gauge(const std::vector<prometheus::MetricFamily>& families, const std::string& family,
             const LabelMap& labels) {
  const prometheus::ClientMetric* m = Find(families, family, labels);
  EXPECT_NE(m, nullptr) << family;
  return m != nullptr ? m->gauge.value : -1;
}

double Counter(const std::vector<prometheus::MetricFamily>& families, const std::string& family,
               const LabelMap& labels) {
  const prometheus::ClientMetric* m = Find(families, family, labels);
  EXPECT_NE(m, nullptr) << family;
  return m != nullptr ? m->counter.value : -1;
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

  const auto families = RenderSnapshot(engine.Snapshot(At(100)), options);
  const LabelMap queue{{"queue", "desk"}, {"channel", "email"}};
  auto with = [](LabelMap labels, const LabelMap& more) {
    labels.insert(more.begin(), more.end());
    return labels;
  };
  EXPECT_EQ(Gauge(families, "slamon_contacts_waiting", queue), 2);
  // c1 arrived at 1 s, 99 s ago.
  EXPECT_EQ(Gauge(families, "slamon_oldest_wait_seconds", queue), 99);
  EXPECT_EQ(Counter(families, "slamon_contacts_total", with(queue, {{"event", "arrived"}})), 4);
  EXPECT_EQ(Counter(families, "slamon_contacts_total", with(queue, {{"event", "answered"}})), 1);
  EXPECT_EQ(Counter(families, "slamon_contacts_total", with(queue, {{"event", "abandoned"}})), 1);
  const prometheus::ClientMetric* waits =
      Find(families, "slamon_wait_seconds", with(queue, {{"outcome", "answered"}}));
  ASSERT_NE(waits, nullptr);
  EXPECT_EQ(waits->histogram.sample_count, 1u);
  EXPECT_EQ(waits->histogram.sample_sum, 30);

  const LabelMap complaint_resolution = with(queue, {{"policy", "complaints"}, {"objective", "resolution"}});
  EXPECT_EQ(Gauge(families, "slamon_objective_open_items", with(complaint_resolution, {{"state", "ok"}})), 2);
  EXPECT_EQ(Gauge(families, "slamon_objective_oldest_open_item_age_seconds", complaint_resolution), 99);
  EXPECT_EQ(Gauge(families, "slamon_objective_threshold_seconds", complaint_resolution), 120 * 3600);
  const LabelMap email_answer = with(queue, {{"policy", "email"}, {"objective", "answer"}});
  EXPECT_EQ(Gauge(families, "slamon_objective_goal_ratio", email_answer), 0.95);
  EXPECT_EQ(Counter(families, "slamon_objective_outcomes_total", with(email_answer, {{"outcome", "answered_within"}})),
            1);
  EXPECT_EQ(Counter(families, "slamon_objective_outcomes_total", with(email_answer, {{"outcome", "abandoned_late"}})),
            1);
  EXPECT_EQ(Find(families, "slamon_objective_open_items",
                 with(queue, {{"policy", "complaints"}, {"objective", "answer"}, {"state", "ok"}})),
            nullptr);  // the complaints policy has no answer objective
}

}  // namespace
}  // namespace slamon::exporter
