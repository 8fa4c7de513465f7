// The interval history behind `slamonctl report`: every outcome lands in the
// interval (and local day) its event time falls in, so reports add up to the
// counters exactly.
#include "daemon/engine/engine.h"
#include "gtest/gtest.h"
#include "tests/engine/test_util.h"

namespace slamon::engine {
namespace {

using testing::Arrival;
using testing::At;
using testing::MakeEvent;
using testing::Zone;

absl::Time Madrid(int day, int hour, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, 3, day, hour, minute, 0), Zone("Europe/Madrid"));
}

class HistoryTest : public ::testing::Test {
 protected:
  HistoryTest() {
    Policy p;
    p.name = "phone";
    p.objectives.push_back(testing::AnswerObjective(20));
    p.time_zone = Zone("Europe/Madrid");
    engine_ = std::make_unique<Engine>(EngineOptions{}, std::make_shared<PolicySet>(std::vector<Policy>{p}));
    // At(0) is Monday 2 March 09:00 UTC, 10:00 in Madrid.
    const absl::Time now = At(1900);
    auto contact = [&](const std::string& id, double arrived, EventKind end, double ended) {
      engine_->ApplyOne(Arrival(id, arrived), now);
      engine_->ApplyOne(MakeEvent(end, id, ended), now);
    };
    contact("c1", 0, EventKind::kAnswered, 10);            // 10:00:10, within
    contact("c2", 1700, EventKind::kAnswered, 1730);       // 10:28:50, 30 s: late
    contact("c3", 1790, EventKind::kAbandoned, 1830);      // 10:30:30, 40 s: abandoned late
    contact("c4", -86400, EventKind::kAnswered, -86395);   // Sunday 1 March 10:00:05, within
  }

  std::unique_ptr<Engine> engine_;
};

TEST_F(HistoryTest, IntervalsHoldWhatCompletedInThem) {
  const std::vector<HistoryRow> rows = engine_->History(Madrid(1, 0), Madrid(3, 0), Engine::Period::kInterval);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].start, Madrid(1, 10));
  EXPECT_EQ(rows[0].tally.outcomes[AnswerOutcome::kAnsweredWithin], 1u);
  EXPECT_EQ(rows[0].tally.outcomes.offered(), 1u);
  EXPECT_EQ(rows[1].start, Madrid(2, 10));
  EXPECT_EQ(rows[1].tally.outcomes[AnswerOutcome::kAnsweredWithin], 1u);
  EXPECT_EQ(rows[1].tally.outcomes[AnswerOutcome::kAnsweredLate], 1u);
  EXPECT_DOUBLE_EQ(rows[1].tally.answered_wait_seconds, 40);
  EXPECT_EQ(rows[2].start, Madrid(2, 10, 30));
  EXPECT_EQ(rows[2].tally.outcomes[AnswerOutcome::kAbandonedLate], 1u);
  for (const HistoryRow& r : rows) EXPECT_EQ(r.key.queue, "sales");

  const std::vector<HistoryRow> later = engine_->History(Madrid(2, 10, 30), Madrid(3, 0), Engine::Period::kInterval);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].start, Madrid(2, 10, 30));
}

TEST_F(HistoryTest, DaysAreLocalDaysAndAddUpToTheCounters) {
  const std::vector<HistoryRow> days = engine_->History(Madrid(1, 0), Madrid(3, 0), Engine::Period::kDay);
  ASSERT_EQ(days.size(), 2u);
  EXPECT_EQ(days[0].start, Madrid(1, 0));
  EXPECT_EQ(days[0].tally.outcomes.offered(), 1u);
  EXPECT_EQ(days[1].start, Madrid(2, 0));
  EXPECT_EQ(days[1].tally.outcomes.offered(), 3u);
  OutcomeCounts sum = days[0].tally.outcomes;
  sum += days[1].tally.outcomes;
  EXPECT_EQ(sum, engine_->Snapshot(At(1900)).queues.at(0).totals.outcomes);
  // A range starting mid-day leaves that day out.
  EXPECT_EQ(engine_->History(Madrid(1, 12), Madrid(3, 0), Engine::Period::kDay).size(), 1u);
}

}  // namespace
}  // namespace slamon::engine
