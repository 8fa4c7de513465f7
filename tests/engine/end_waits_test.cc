// Waits an operator ends by hand (Engine::EndWaits, slamonctl end-waits):
// contacts whose end event will never come, under a policy without
// give_up_after. Every expected value is worked by hand in the comments.
#include <memory>
#include <string>
#include <vector>

#include "common/duration.h"
#include "daemon/engine/engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/test_util.h"

namespace slamon::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::Arrival;
using testing::At;
using testing::FindQueue;
using testing::MakeEvent;

constexpr int kAnswer = static_cast<int>(ObjectiveKind::kAnswer);
constexpr int kBreached = static_cast<int>(ItemState::kBreached);

// "queue/channel source/contact since" of each wait, for whole-list checks.
std::vector<std::string> Describe(const std::vector<EndedWait>& waits) {
  std::vector<std::string> out;
  for (const EndedWait& w : waits) {
    out.push_back(w.key.queue + "/" + w.key.channel + " " + w.source + "/" + w.contact_id + " " +
                  FormatRfc3339(w.waiting_since));
  }
  return out;
}

uint64_t Volume(const EngineSnapshot& s, absl::string_view queue, absl::string_view channel, int index) {
  const QueueSnapshot* q = FindQueue(s, queue, channel);
  return q == nullptr ? 0 : q->totals.volume[index];
}

// Eight events of seven contacts (T0 = 2026-03-02T09:00:00Z; times in
// seconds after it), each applied at its own time:
//   a1 sales/phone 0, a2 sales/phone 50, a7 sales/phone 100 (exactly the
//   cut-off of the first test), a5 sales/phone 150: still waiting;
//   a3 sales/chat 10, a4 support/phone 5: still waiting, other keys;
//   a6 sales/phone 20, answered at 30 (10 s: within).
// Each waiting one breaches 20 s after it arrived; the tick at 300 has
// fired every breach (the last, a5's, due at 170).
void ApplyScenario(Engine& engine) {
  for (const Event& e : {Arrival("a1", 0), Arrival("a4", 5, "support"), Arrival("a3", 10, "sales", "chat"),
                         Arrival("a6", 20), MakeEvent(EventKind::kAnswered, "a6", 30), Arrival("a2", 50),
                         Arrival("a7", 100), Arrival("a5", 150)}) {
    ASSERT_TRUE(engine.ApplyOne(e, e.occurred_at).accepted()) << e.contact_id;
  }
  engine.Tick(At(300));
}

class EndWaitsTest : public ::testing::Test {
 protected:
  // Answer within 20 s, no give_up_after; 5 s reorder allowance.
  EndWaitsTest() : policies_(testing::OnePolicy(testing::AnswerObjective(20))), engine_(EngineOptions{}, policies_) {}

  std::shared_ptr<const PolicySet> policies_;
  Engine engine_;
};

// The sales/phone waits begun before 100 s are a1 and a2 (a7 began at
// 100 itself, a6 no longer waits, a3 and a4 are other keys). Looking
// changes nothing; ending them at 300 s leaves a7 and a5 waiting
// (oldest 300 - 100 = 200 s), counts two given_up and no outcome (a6's
// stays the only one), and keeps the four breaches of sales/phone. A late
// end event for a1 is refused with when it was given up on.
TEST_F(EndWaitsTest, EndsTheWaitsOfTheSelectionWithoutAnOutcome) {
  ApplyScenario(engine_);
  const WaitSelection selection{.started_before = At(100), .queues = {"sales"}, .channels = {"phone"}};
  const std::vector<std::string> expected = {"sales/phone test/a1 2026-03-02T09:00:00Z",
                                             "sales/phone test/a2 2026-03-02T09:00:50Z"};
  EXPECT_EQ(Describe(engine_.FindWaits(selection)), expected);
  EXPECT_EQ(FindQueue(engine_.Snapshot(At(300)), "sales")->waiting, 4);

  const std::vector<EndedWait> ended = engine_.EndWaits(selection, At(300));
  EXPECT_EQ(Describe(ended), expected);
  EXPECT_EQ(ended[0].key.policy, "phone");
  const EngineSnapshot s = engine_.Snapshot(At(300));
  const QueueSnapshot& sales = *FindQueue(s, "sales");
  EXPECT_EQ(sales.waiting, 2);
  EXPECT_EQ(sales.oldest_wait, absl::Seconds(200));
  EXPECT_EQ(sales.waiting_past_threshold, 2);
  EXPECT_EQ(sales.items[kAnswer].open[kBreached], 2);
  EXPECT_EQ(sales.totals.volume[kGivenUp], 2u);
  EXPECT_EQ(sales.totals.outcomes.offered(), 1u);
  EXPECT_EQ(sales.totals.outcomes[AnswerOutcome::kAnsweredWithin], 1u);
  EXPECT_EQ(sales.totals.items[kAnswer].breaches, 4u);  // a1, a2, a7, a5
  EXPECT_EQ(FindQueue(s, "sales", "chat")->waiting, 1);
  EXPECT_EQ(FindQueue(s, "support")->waiting, 1);
  EXPECT_EQ(Volume(s, "sales", "chat", kGivenUp) + Volume(s, "support", "phone", kGivenUp), 0u);

  const ItemResult late = engine_.ApplyOne(MakeEvent(EventKind::kAbandoned, "a1", 310), At(310));
  EXPECT_EQ(late.reason, RejectReason::kNotWaiting);
  EXPECT_EQ(late.detail,
            "abandoned for contact 'a1', whose wait in queue 'sales' was given up on at 2026-03-02T09:05:00Z "
            "(the answer objective's give_up_after, or an operator's slamonctl end-waits)");
  EXPECT_THAT(engine_.EndWaits(selection, At(320)), IsEmpty());  // nothing left to end
}

// Without a queue or channel, every wait begun before the cut-off; by
// contact id, those contacts only (in any queue).
TEST_F(EndWaitsTest, AnEmptyListSelectsAnyAndContactIdsNarrowIt) {
  ApplyScenario(engine_);
  EXPECT_EQ(Describe(engine_.FindWaits({.started_before = At(11)})),
            (std::vector<std::string>{"sales/phone test/a1 2026-03-02T09:00:00Z",
                                      "support/phone test/a4 2026-03-02T09:00:05Z",
                                      "sales/chat test/a3 2026-03-02T09:00:10Z"}));
  const std::vector<EndedWait> ended =
      engine_.EndWaits({.started_before = absl::InfiniteFuture(), .contact_ids = {"a5", "a4", "a6"}}, At(300));
  EXPECT_EQ(Describe(ended), (std::vector<std::string>{"support/phone test/a4 2026-03-02T09:00:05Z",
                                                       "sales/phone test/a5 2026-03-02T09:02:30Z"}));
  const EngineSnapshot s = engine_.Snapshot(At(300));
  EXPECT_EQ(FindQueue(s, "sales")->waiting, 3);
  EXPECT_EQ(FindQueue(s, "support")->waiting, 0);
}

// A wait ended before its deadline never breaches: its clock is gone, so
// the tick past the deadline fires nothing. A policy without an answer
// objective starts no clock; its waits end all the same.
TEST_F(EndWaitsTest, AWaitEndedBeforeItsDeadlineNeverBreaches) {
  ASSERT_TRUE(engine_.ApplyOne(Arrival("b1", 0), At(0)).accepted());
  EXPECT_THAT(Describe(engine_.EndWaits({.started_before = At(10)}, At(10))),
              ElementsAre("sales/phone test/b1 2026-03-02T09:00:00Z"));
  std::vector<ItemAlert> alerts;
  engine_.Tick(At(100), &alerts);
  EXPECT_THAT(alerts, IsEmpty());
  const EngineSnapshot s = engine_.Snapshot(At(100));
  const QueueSnapshot& sales = *FindQueue(s, "sales");
  EXPECT_EQ(sales.waiting, 0);
  EXPECT_EQ(sales.totals.items[kAnswer].breaches, 0u);
  EXPECT_EQ(sales.items[kAnswer].open, (std::array<int64_t, kItemStateCount>{0, 0, 0}));
  EXPECT_EQ(sales.totals.volume[kGivenUp], 1u);

  Policy bare;
  bare.name = "bare";
  Engine no_answer(EngineOptions{}, std::make_shared<PolicySet>(std::vector<Policy>{bare}));
  ASSERT_TRUE(no_answer.ApplyOne(Arrival("b2", 0), At(0)).accepted());
  EXPECT_EQ(FindQueue(no_answer.Snapshot(At(5)), "sales")->waiting, 1);
  EXPECT_EQ(no_answer.EndWaits({.started_before = At(10)}, At(10)).size(), 1u);
  EXPECT_EQ(FindQueue(no_answer.Snapshot(At(10)), "sales")->waiting, 0);
  EXPECT_EQ(FindQueue(no_answer.Snapshot(At(10)), "sales")->totals.volume[kGivenUp], 1u);
}

// As a logged change (Engine::Turn, what the journal replays), ending
// waits gives the same state as the plain call, and saved state carries
// it: a loaded engine refuses a1's late answer the same way.
TEST_F(EndWaitsTest, AsATurnItEndsTheSameWaitsAndSavedStateCarriesThem) {
  ApplyScenario(engine_);
  Engine logged(EngineOptions{}, policies_);
  ApplyScenario(logged);
  const WaitSelection selection{.started_before = At(100)};
  Engine::Turn turn = logged.PrepareEndWaits(selection);
  logged.TakeTurn(turn);
  const std::vector<EndedWait> ended = logged.EndWaits(turn, At(300));
  EXPECT_EQ(Describe(ended), Describe(engine_.EndWaits(selection, At(300))));
  EXPECT_EQ(ended.size(), 4u);  // a1, a4, a3, a2
  EXPECT_EQ(logged.Snapshot(At(300)), engine_.Snapshot(At(300)));

  Engine loaded(EngineOptions{}, policies_);
  const auto decode = [this](absl::string_view) -> absl::StatusOr<std::shared_ptr<const PolicySet>> {
    return policies_;
  };
  ASSERT_TRUE(loaded.LoadState(logged.SaveState(), decode).ok());
  EXPECT_EQ(loaded.Snapshot(At(300)), engine_.Snapshot(At(300)));
  EXPECT_EQ(loaded.ApplyOne(MakeEvent(EventKind::kAnswered, "a1", 310), At(310)).reason, RejectReason::kNotWaiting);
}

}  // namespace
}  // namespace slamon::engine
