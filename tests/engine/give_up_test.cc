// Waits given up on (the answer objective's give_up_after): a contact whose
// end event never reaches slamon stops counting as waiting instead of
// breaching for ever. Every expected value is worked by hand in the comments.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "daemon/engine/engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/test_util.h"

namespace slamon::engine {
namespace {

using ::testing::HasSubstr;
using testing::Arrival;
using testing::At;
using testing::FindQueue;
using testing::MakeEvent;

constexpr int kAnswer = static_cast<int>(ObjectiveKind::kAnswer);
constexpr int kBreached = static_cast<int>(ItemState::kBreached);

class GiveUpTest : public ::testing::Test {
 protected:
  // Answer within 20 s, given up on after 1 h; 5 s reorder allowance and
  // 1 h contact retention (the defaults).
  void SetUp() override { Build(testing::AnswerObjective(20)); }
  void Build(Objective answer, absl::Duration give_up_after = absl::Hours(1)) {
    answer.give_up_after = give_up_after;
    policies_ = testing::OnePolicy(answer);
    engine_ = std::make_unique<Engine>(EngineOptions{}, policies_);
  }
  ItemResult Apply(const Event& e, absl::Time now) { return engine_->ApplyOne(e, now); }
  std::vector<ItemAlert> Tick(absl::Time now) {
    std::vector<ItemAlert> alerts;
    engine_->Tick(now, &alerts);
    return alerts;
  }
  QueueSnapshot Sales(absl::Time now) const {
    const EngineSnapshot s = engine_->Snapshot(now);
    const QueueSnapshot* q = FindQueue(s, "sales");
    EXPECT_NE(q, nullptr);
    return q != nullptr ? *q : QueueSnapshot{};
  }

  std::shared_ptr<const PolicySet> policies_;
  std::unique_ptr<Engine> engine_;
};

// c1 arrives at 0 and is never heard of again; c2 arrives at 100 and is
// answered at 130 (30 s: late). c1 breaches at 20 s (fired at the 30 s
// tick), keeps waiting until 1 h, and is given up on once the allowance
// has passed too (3605 s): no longer waiting, counted as given_up, in no
// outcome and no wait histogram; its breach stays counted, once.
TEST_F(GiveUpTest, AWaitPastGiveUpAfterEndsWithoutAnOutcome) {
  ASSERT_TRUE(Apply(Arrival("c1", 0), At(0)).accepted());
  const std::vector<ItemAlert> breach = Tick(At(30));
  ASSERT_EQ(breach.size(), 1u);
  EXPECT_EQ(breach[0].kind, ItemAlert::Kind::kBreach);
  EXPECT_EQ(breach[0].contact_id, "c1");
  ASSERT_TRUE(Apply(Arrival("c2", 100), At(100)).accepted());
  ASSERT_TRUE(Apply(MakeEvent(EventKind::kAnswered, "c2", 130), At(130)).accepted());

  const std::vector<ItemAlert> late_answer = Tick(At(3604.999));  // c2's breach, counted at its answer
  ASSERT_EQ(late_answer.size(), 1u);
  EXPECT_EQ(late_answer[0].contact_id, "c2");
  QueueSnapshot q = Sales(At(3604.999));
  EXPECT_EQ(q.waiting, 1);
  EXPECT_EQ(q.items[kAnswer].open[kBreached], 1);
  EXPECT_EQ(q.totals.volume[kGivenUp], 0u);

  EXPECT_TRUE(Tick(At(3605)).empty());  // giving up raises no alert: the breach did
  q = Sales(At(3605));
  EXPECT_EQ(q.waiting, 0);
  EXPECT_EQ(q.oldest_wait, absl::ZeroDuration());
  EXPECT_EQ(q.waiting_past_threshold, 0);
  EXPECT_EQ(q.items[kAnswer].open, (std::array<int64_t, kItemStateCount>{0, 0, 0}));
  EXPECT_EQ(q.totals.volume[kGivenUp], 1u);
  EXPECT_EQ(q.totals.volume[static_cast<int>(EventKind::kArrived)], 2u);
  EXPECT_EQ(q.totals.outcomes.offered(), 1u);  // c2 only
  EXPECT_EQ(q.totals.outcomes[AnswerOutcome::kAnsweredLate], 1u);
  EXPECT_EQ(q.totals.items[kAnswer].breaches, 2u);  // c1 at its deadline, c2 at its answer
  uint64_t waits = 0;
  for (const Histogram& h : q.totals.wait) waits += h.count;
  EXPECT_EQ(waits, 1u);  // c2's 30 s
  EXPECT_EQ(engine_->Snapshot(At(3605)).health.open_contacts, 2u);

  // Its end event, should it come after all, is refused with the reason.
  const ItemResult late = Apply(MakeEvent(EventKind::kAbandoned, "c1", 3700), At(3700));
  EXPECT_TRUE(late.rejected());
  EXPECT_EQ(late.reason, RejectReason::kNotWaiting);
  EXPECT_THAT(late.detail, HasSubstr("whose wait in queue 'sales' was given up on at 2026-03-02T10:00:00Z"));
  EXPECT_EQ(Sales(At(3700)).totals.outcomes.offered(), 1u);

  // Remembered for contact_retention (1 h) after it was given up on.
  Tick(At(7204));
  EXPECT_EQ(engine_->Snapshot(At(7204)).health.open_contacts, 1u);
  Tick(At(7205));
  EXPECT_EQ(engine_->Snapshot(At(7205)).health.open_contacts, 0u);
}

// An old wait replayed at daemon time 2 h: its breach (20 s) and its giving
// up (1 h) are both long past, so both wait the allowance from when it was
// learnt, and come in the same tick.
TEST_F(GiveUpTest, AWaitLearntLateIsGivenUpAnAllowanceAfterItWasLearnt) {
  ASSERT_TRUE(Apply(Arrival("c1", 0), At(7200)).accepted());
  EXPECT_TRUE(Tick(At(7204)).empty());
  EXPECT_EQ(Sales(At(7204)).waiting, 1);
  const std::vector<ItemAlert> alerts = Tick(At(7205));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].at, At(20));
  const QueueSnapshot q = Sales(At(7205));
  EXPECT_EQ(q.waiting, 0);
  EXPECT_EQ(q.totals.volume[kGivenUp], 1u);
  EXPECT_EQ(q.totals.items[kAnswer].breaches, 1u);
  // Given up on as of 1 h after it began (10:00), not when it was learnt.
  const ItemResult late = Apply(MakeEvent(EventKind::kAnswered, "c1", 3700), At(7300));
  EXPECT_THAT(late.detail, HasSubstr("given up on at 2026-03-02T10:00:00Z"));
}

// In business time (Mon-Fri 09:00-17:00, Madrid) an e-mail arriving Friday
// 16:30 with 4 business hours is due Monday 12:30. give_up_after (1 h of
// calendar time: Friday 17:30) comes first, yet a wait is given up on only
// once it has breached: at Monday 12:30 plus the allowance.
TEST_F(GiveUpTest, InBusinessTimeAWaitIsGivenUpNoEarlierThanItsBreach) {
  Objective answer = testing::AnswerObjective(0);
  answer.threshold = absl::Hours(4);
  answer.basis = "office";
  answer.calendar = testing::NineToFive();
  Build(answer);
  const absl::TimeZone madrid = testing::Zone("Europe/Madrid");
  const auto local = [&madrid](int day, int hour, int minute, int second = 0) {
    return absl::FromCivil(absl::CivilSecond(2026, 3, day, hour, minute, second), madrid);
  };
  Event email = Arrival("e1", 0);
  email.occurred_at = local(6, 16, 30);  // Friday
  ASSERT_TRUE(Apply(email, email.occurred_at).accepted());
  EXPECT_TRUE(Tick(local(7, 12, 0)).empty());
  EXPECT_EQ(Sales(local(7, 12, 0)).waiting, 1);
  EXPECT_EQ(Tick(local(9, 12, 30, 5)).size(), 0u);  // breached once more than 4 h is used
  EXPECT_EQ(Sales(local(9, 12, 30, 5)).waiting, 1);
  const std::vector<ItemAlert> alerts = Tick(local(9, 12, 30, 6));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].at, local(9, 12, 30));
  const QueueSnapshot q = Sales(local(9, 12, 30, 6));
  EXPECT_EQ(q.waiting, 0);
  EXPECT_EQ(q.totals.volume[kGivenUp], 1u);
  // As of its deadline, Monday 12:30 in Madrid (11:30 UTC).
  Event late = MakeEvent(EventKind::kAbandoned, "e1", 0);
  late.occurred_at = local(9, 13, 0);
  EXPECT_THAT(Apply(late, local(9, 13, 0)).detail, HasSubstr("given up on at 2026-03-09T11:30:00Z"));
}

// A record-fed contact (an export re-sent as it progresses) given up on,
// then sent again with its answer: refused like the event, with the reason;
// the same version without an end is a duplicate, as before.
TEST_F(GiveUpTest, ARecordWithTheEndOfAWaitGivenUpOnIsRefused) {
  ContactRecord r;
  r.source = "crm";
  r.contact_id = "r1";
  r.channel = "phone";
  r.queue = "sales";
  r.arrived_at = At(0);
  ItemResult result;
  engine_->Apply({}, std::span(&r, 1), At(0), std::span(&result, 1));
  ASSERT_TRUE(result.accepted());
  Tick(At(3605));
  engine_->Apply({}, std::span(&r, 1), At(3610), std::span(&result, 1));
  EXPECT_EQ(result.status, ItemResult::Status::kDuplicate);
  r.answered_at = At(3000);
  engine_->Apply({}, std::span(&r, 1), At(3620), std::span(&result, 1));
  EXPECT_EQ(result.reason, RejectReason::kNotWaiting);
  EXPECT_EQ(result.detail,
            "a record with the end of the wait for contact 'r1', whose wait in queue 'sales' was given up on at "
            "2026-03-02T10:00:00Z (the answer objective's give_up_after, or an operator's slamonctl end-waits)");
  const QueueSnapshot q = Sales(At(3620));
  EXPECT_EQ(q.totals.outcomes.offered(), 0u);
  EXPECT_EQ(q.totals.volume[kGivenUp], 1u);
}

// A transfer starts a new wait: give_up_after counts from it.
TEST_F(GiveUpTest, ATransferStartsTheWaitAgain) {
  ASSERT_TRUE(Apply(Arrival("c1", 0), At(0)).accepted());
  Event transfer = MakeEvent(EventKind::kTransferred, "c1", 3000);
  transfer.queue = "support";
  ASSERT_TRUE(Apply(transfer, At(3000)).accepted());
  Tick(At(3605));
  const EngineSnapshot at_one_hour = engine_->Snapshot(At(3605));
  EXPECT_EQ(FindQueue(at_one_hour, "support")->waiting, 1);
  EXPECT_EQ(FindQueue(at_one_hour, "support")->totals.volume[kGivenUp], 0u);
  Tick(At(6605));  // 3000 + 3600 + 5
  const EngineSnapshot later = engine_->Snapshot(At(6605));
  EXPECT_EQ(FindQueue(later, "support")->waiting, 0);
  EXPECT_EQ(FindQueue(later, "support")->totals.volume[kGivenUp], 1u);
  EXPECT_EQ(FindQueue(later, "sales")->totals.volume[kGivenUp], 0u);
}

// A transfer heard of after the wait was given up on shows the contact is
// still there: it opens a wait in the new queue (from the transfer, like
// every transfer), while the old queue keeps its given_up. c1 arrives in
// sales at 0, is given up on at 3605, transferred to support at 3700 and
// answered there at 3710: 10 s, within 20 s.
TEST_F(GiveUpTest, ATransferAfterTheWaitWasGivenUpOnOpensAWaitInTheNewQueue) {
  ASSERT_TRUE(Apply(Arrival("c1", 0), At(0)).accepted());
  Tick(At(3605));
  ASSERT_EQ(Sales(At(3605)).totals.volume[kGivenUp], 1u);
  Event transfer = MakeEvent(EventKind::kTransferred, "c1", 3700);
  transfer.queue = "support";
  ASSERT_TRUE(Apply(transfer, At(3700)).accepted());
  EngineSnapshot s = engine_->Snapshot(At(3705));
  EXPECT_EQ(FindQueue(s, "support")->waiting, 1);
  EXPECT_EQ(FindQueue(s, "support")->oldest_wait, absl::Seconds(5));
  EXPECT_EQ(FindQueue(s, "sales")->waiting, 0);
  ASSERT_TRUE(Apply(MakeEvent(EventKind::kAnswered, "c1", 3710), At(3710)).accepted());
  s = engine_->Snapshot(At(3710));
  const QueueSnapshot& support = *FindQueue(s, "support");
  EXPECT_EQ(support.waiting, 0);
  EXPECT_EQ(support.totals.outcomes[AnswerOutcome::kAnsweredWithin], 1u);
  EXPECT_EQ(support.totals.outcomes.offered(), 1u);
  EXPECT_EQ(support.totals.volume[kGivenUp], 0u);
  const QueueSnapshot& sales = *FindQueue(s, "sales");
  EXPECT_EQ(sales.totals.volume[kGivenUp], 1u);
  EXPECT_EQ(sales.totals.outcomes.offered(), 0u);
}

// Saved state carries a wait given up on: a loaded engine has the same
// figures and refuses the late end event the same way.
TEST_F(GiveUpTest, SavedStateCarriesAWaitGivenUpOn) {
  ASSERT_TRUE(Apply(Arrival("c1", 0), At(0)).accepted());
  ASSERT_TRUE(Apply(Arrival("c2", 3000), At(3000)).accepted());
  Tick(At(3605));
  Engine copy(engine_->options(), policies_);
  const auto decode = [this](absl::string_view) -> absl::StatusOr<std::shared_ptr<const PolicySet>> {
    return policies_;
  };
  ASSERT_TRUE(copy.LoadState(engine_->SaveState(), decode).ok());
  EXPECT_EQ(copy.Snapshot(At(3605)), engine_->Snapshot(At(3605)));
  const Event late = MakeEvent(EventKind::kAnswered, "c1", 3650);
  const ItemResult refused = copy.ApplyOne(late, At(3650));
  EXPECT_EQ(refused.reason, RejectReason::kNotWaiting);
  EXPECT_THAT(refused.detail, HasSubstr("given up on at 2026-03-02T10:00:00Z"));
  // c2 is given up on in the copy at 3000 + 3600 + 5 s, as in the original.
  for (Engine* e : {engine_.get(), &copy}) e->Tick(At(6605), nullptr);
  EXPECT_EQ(FindQueue(copy.Snapshot(At(6605)), "sales")->totals.volume[kGivenUp], 2u);
  EXPECT_EQ(FindQueue(engine_->Snapshot(At(6605)), "sales")->totals.volume[kGivenUp], 2u);
}

}  // namespace
}  // namespace slamon::engine
