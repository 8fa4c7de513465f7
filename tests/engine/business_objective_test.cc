// The answer objective judged in business time (sla-semantics §1, §8):
// Mon-Fri 09:00-17:00 in Madrid. 2026-03-06 is a Friday.
#include "daemon/engine/engine.h"
#include "gtest/gtest.h"
#include "tests/engine/test_util.h"

namespace slamon::engine {
namespace {

using testing::FindQueue;
using testing::MakeEvent;
using testing::T0;
using testing::Zone;

using testing::NineToFive;

// Seconds from the test epoch to a Madrid local time in March 2026.
double Madrid(int day, int hour, int minute = 0) {
  const absl::Time t = absl::FromCivil(absl::CivilSecond(2026, 3, day, hour, minute, 0), Zone("Europe/Madrid"));
  return absl::ToDoubleSeconds(t - T0());
}

class BusinessObjectiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Objective answer;
    answer.threshold = absl::Hours(4);
    answer.basis = "office";
    answer.calendar = NineToFive();
    answer.goal = 0.95;
    answer.warn.fraction = 0.75;  // 3 business hours
    Policy email;
    email.name = "email";
    email.objectives.push_back(answer);
    engine_ = std::make_unique<Engine>(EngineOptions{}, std::make_shared<PolicySet>(std::vector<Policy>{email}));
  }
  void Accept(const Event& e) {
    const ItemResult r = engine_->ApplyOne(e, e.occurred_at);
    ASSERT_TRUE(r.accepted()) << r.detail;
  }
  void Arrive(const std::string& id, double at) { Accept(testing::Arrival(id, at, "inbox", "email")); }
  QueueSnapshot Queue(double now) {
    const EngineSnapshot s = engine_->Snapshot(testing::At(now));
    return *FindQueue(s, "inbox", "email");
  }
  std::unique_ptr<Engine> engine_;
};

TEST_F(BusinessObjectiveTest, FridayEmailAnsweredOnMonday) {
  // Friday 16:30 + 4 business hours is Monday 12:30.
  Arrive("on-time", Madrid(6, 16, 30));
  Arrive("late", Madrid(6, 16, 30));
  Accept(MakeEvent(EventKind::kAnswered, "on-time", Madrid(9, 12, 30)));
  Accept(MakeEvent(EventKind::kAnswered, "late", Madrid(9, 12, 31)));
  const QueueSnapshot q = Queue(Madrid(9, 13));
  EXPECT_EQ(q.totals.outcomes[AnswerOutcome::kAnsweredWithin], 1u);
  EXPECT_EQ(q.totals.outcomes[AnswerOutcome::kAnsweredLate], 1u);
  // The wait histogram keeps real elapsed time: 68 h and 68 h 1 min.
  EXPECT_DOUBLE_EQ(q.totals.wait[0].sum, 2 * 68 * 3600.0 + 60);
}

TEST_F(BusinessObjectiveTest, LiveFiguresCountOpenHoursOnly) {
  Arrive("waiting", Madrid(6, 16, 30));
  // Saturday noon: 30 business minutes so far, though 19.5 hours have passed.
  QueueSnapshot q = Queue(Madrid(7, 12));
  EXPECT_EQ(q.waiting_past_warning, 0);
  EXPECT_EQ(q.waiting_past_threshold, 0);
  // 30 min on Friday, then Monday from 09:00: at 11:29 that is 2 h 59 min;
  // at 11:30, 3 h, the warning point.
  EXPECT_EQ(Queue(Madrid(9, 11, 29)).waiting_past_warning, 0);
  q = Queue(Madrid(9, 11, 30));
  EXPECT_EQ(q.waiting_past_warning, 1);
  EXPECT_EQ(q.waiting_past_threshold, 0);
  // Monday 12:31: past the 4 business hours.
  EXPECT_EQ(Queue(Madrid(9, 12, 31)).waiting_past_threshold, 1);
}

TEST(BusinessDaysObjectiveTest, OneBusinessDayEndsAtTomorrowsClose) {
  Objective answer;
  answer.basis = "office";
  answer.calendar = NineToFive();
  answer.business_days = 1;
  // Monday 10:00 with 1bd is due at Tuesday's close, 17:00: 7 + 8 = 15
  // business hours.
  const absl::Time monday_10 = T0() + absl::Seconds(Madrid(2, 10));
  EXPECT_EQ(answer.Budget(monday_10), absl::Hours(15));
  EXPECT_TRUE(answer.Met(monday_10, T0() + absl::Seconds(Madrid(3, 17))));
  // Judged by open time elapsed: after the close no open time passes, so
  // Tuesday evening is still within; Wednesday one second after opening is not.
  EXPECT_TRUE(answer.Met(monday_10, T0() + absl::Seconds(Madrid(3, 20))));
  EXPECT_TRUE(answer.Met(monday_10, T0() + absl::Seconds(Madrid(4, 9))));
  EXPECT_FALSE(answer.Met(monday_10, T0() + absl::Seconds(Madrid(4, 9) + 1)));
  answer.warn.fraction = 0.5;  // half of the 15 business hours to Tuesday 17:00: Tuesday 09:30
  EXPECT_FALSE(answer.WarningReached(monday_10, T0() + absl::Seconds(Madrid(3, 9, 29))));
  EXPECT_TRUE(answer.WarningReached(monday_10, T0() + absl::Seconds(Madrid(3, 9, 30))));
}

}  // namespace
}  // namespace slamon::engine
