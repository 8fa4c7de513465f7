// Several ingest threads, a ticker and a scraper on one engine at once (run
// under ThreadSanitizer in CI). The final figures must be exact.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "daemon/engine/engine.h"
#include "gtest/gtest.h"
#include "tests/engine/test_util.h"

namespace slamon::engine {
namespace {

using testing::Arrival;
using testing::AnswerObjective;
using testing::At;
using testing::FindQueue;
using testing::MakeEvent;
using testing::OnePolicy;

// Arrivals and answers within or late, summed over every queue.
struct AnswerTotals {
  uint64_t arrived = 0;
  uint64_t within = 0;
  uint64_t late = 0;
};
AnswerTotals TotalsOf(const EngineSnapshot& s) {
  AnswerTotals totals;
  for (const QueueSnapshot& q : s.queues) {
    totals.arrived += q.totals.volume[static_cast<int>(EventKind::kArrived)];
    totals.within += q.totals.outcomes[AnswerOutcome::kAnsweredWithin];
    totals.late += q.totals.outcomes[AnswerOutcome::kAnsweredLate];
  }
  return totals;
}

// Contacts `from` to `to` (ids `prefix` + j) arriving at j % 1000 s in
// queue "q<j % queues>" and answered 10 s later (even j: within 20 s) or
// 30 s later (odd: late), each answer right after its arrival.
std::vector<Event> AnsweredContacts(const std::string& prefix, int from, int to, int queues) {
  std::vector<Event> batch;
  for (int j = from; j < to; ++j) {
    const std::string id = prefix + std::to_string(j);
    batch.push_back(Arrival(id, j % 1000, "q" + std::to_string(j % queues)));
    batch.push_back(MakeEvent(EventKind::kAnswered, id, j % 1000 + (j % 2 ? 30 : 10)));
  }
  return batch;
}

TEST(ConcurrentEngineTest, ParallelBatchesGiveExactTotals) {
  EngineOptions options;
  options.shards = 4;
  Engine engine(options, OnePolicy(AnswerObjective(20)));
  constexpr int kThreads = 4;
  constexpr int kContactsPerThread = 2000;
  std::atomic<bool> done{false};
  std::thread scraper([&] {
    while (!done.load()) {
      engine.Tick(At(5000));
      (void)engine.Snapshot(At(5000));
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&engine, t] {
      for (int i = 0; i < kContactsPerThread; i += 50) {
        // 50 contacts a batch over 7 queues.
        const std::vector<Event> batch = AnsweredContacts("t" + std::to_string(t) + "-", i, i + 50, 7);
        std::vector<ItemResult> results(batch.size());
        engine.Apply(ViewsOf(batch), {}, At(5000), results);
        for (const ItemResult& r : results) ASSERT_TRUE(r.accepted()) << r.detail;
      }
    });
  }
  for (std::thread& w : writers) w.join();
  done = true;
  scraper.join();
  const EngineSnapshot s = engine.Snapshot(At(5000));
  const AnswerTotals totals = TotalsOf(s);
  EXPECT_EQ(s.queues.size(), 7u);
  EXPECT_EQ(totals.arrived, uint64_t{kThreads * kContactsPerThread});
  EXPECT_EQ(totals.within, uint64_t{kThreads * kContactsPerThread / 2});
  EXPECT_EQ(totals.late, uint64_t{kThreads * kContactsPerThread / 2});
  EXPECT_EQ(s.health.accepted, uint64_t{2 * kThreads * kContactsPerThread});
}

// A batch that finds every shard it needs busy spins a while, then sleeps
// on one (Engine::Apply). One huge batch holds each shard far longer than
// that spin while this thread applies small batches over the same shards:
// every event lands once, and each contact's answer after its arrival.
TEST(ConcurrentEngineTest, SmallBatchesWaitOutAShardHeldLongerThanTheySpin) {
  EngineOptions options;
  options.shards = 2;
  Engine engine(options, OnePolicy(AnswerObjective(20)));
  auto not_accepted = [](const std::vector<ItemResult>& results) {
    return std::count_if(results.begin(), results.end(), [](const ItemResult& r) { return !r.accepted(); });
  };
  constexpr int kHugeContacts = 40000;
  constexpr int kSmallContacts = 4;  // half of them even
  const std::vector<Event> huge = AnsweredContacts("huge-", 0, kHugeContacts, 3);
  std::atomic<bool> huge_applied{false};
  ptrdiff_t huge_not_accepted = 0;
  std::thread big([&] {
    std::vector<ItemResult> results(huge.size());
    engine.Apply(ViewsOf(huge), {}, At(5000), results);
    huge_applied = true;
    huge_not_accepted = not_accepted(results);
  });
  // Small batches all the while the huge one is applied, and some after.
  int small_batches = 0;
  ptrdiff_t small_not_accepted = 0;
  for (; !huge_applied.load() || small_batches < 100; ++small_batches) {
    const std::vector<Event> batch =
        AnsweredContacts("small-", small_batches * kSmallContacts, (small_batches + 1) * kSmallContacts, 3);
    std::vector<ItemResult> results(batch.size());
    engine.Apply(ViewsOf(batch), {}, At(5000), results);
    small_not_accepted += not_accepted(results);
  }
  big.join();
  EXPECT_EQ(huge_not_accepted, 0);
  EXPECT_EQ(small_not_accepted, 0);
  const EngineSnapshot s = engine.Snapshot(At(5000));
  const AnswerTotals totals = TotalsOf(s);
  const uint64_t contacts_applied = kHugeContacts + static_cast<uint64_t>(small_batches) * kSmallContacts;
  EXPECT_EQ(totals.arrived, contacts_applied);
  EXPECT_EQ(totals.within, contacts_applied / 2);
  EXPECT_EQ(totals.late, contacts_applied / 2);
  EXPECT_EQ(s.health.accepted, 2 * contacts_applied);
  EXPECT_EQ(s.health.duplicates, 0u);
}

// Ordered changes (Engine::Turn): a turn applied early waits in its shards
// for the turns taken before it there, whatever the threads' timing.
TEST(ConcurrentEngineTest, TurnsApplyInTheOrderTheyWereTaken) {
  EngineOptions options;
  options.shards = 2;
  Engine engine(options, OnePolicy(AnswerObjective(20)));
  // One arrival (same source and event id) in two queues: the first applied
  // is accepted, the second is its duplicate.
  const Event first = Arrival("c1", 0, "q-first");
  const Event second = Arrival("c1", 0, "q-second");
  const EventView first_view = first.As<absl::string_view>(), second_view = second.As<absl::string_view>();
  Engine::Turn first_turn = engine.PrepareApply(std::span(&first_view, 1), {});
  Engine::Turn second_turn = engine.PrepareApply(std::span(&second_view, 1), {});
  engine.TakeTurn(first_turn);
  engine.TakeTurn(second_turn);
  ItemResult first_result, second_result;
  std::thread early([&] { engine.Apply(second_turn, At(1), std::span(&second_result, 1)); });
  // Time for the second turn to reach its shard first (it must wait there).
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  engine.Apply(first_turn, At(1), std::span(&first_result, 1));
  early.join();
  EXPECT_EQ(first_result.status, ItemResult::Status::kAccepted);
  EXPECT_EQ(second_result.status, ItemResult::Status::kDuplicate);
  const EngineSnapshot s = engine.Snapshot(At(1));
  ASSERT_EQ(s.queues.size(), 1u);
  EXPECT_EQ(s.queues[0].key.queue, "q-first");
}

// A turn applies with the policies current when it was taken, even when a
// reload taken after it is applied first.
TEST(ConcurrentEngineTest, TurnsApplyWithThePoliciesOfTheirPlaceInTheOrder) {
  EngineOptions options;
  options.shards = 2;
  Engine engine(options, OnePolicy(AnswerObjective(20), "before"));
  const Event early_arrival = Arrival("c1", 0);
  const Event late_arrival = Arrival("c2", 0);
  const EventView early_view = early_arrival.As<absl::string_view>();
  const EventView late_view = late_arrival.As<absl::string_view>();
  Engine::Turn before = engine.PrepareApply(std::span(&early_view, 1), {});
  Engine::Turn reload = engine.PrepareSetPolicies(OnePolicy(AnswerObjective(20), "after"));
  Engine::Turn after = engine.PrepareApply(std::span(&late_view, 1), {});
  for (Engine::Turn* turn : {&before, &reload, &after}) engine.TakeTurn(*turn);
  EXPECT_EQ(engine.policies()->policies()[0].name, "after");  // current from its turn on
  ItemResult before_result, after_result;
  std::thread early_after([&] { engine.Apply(after, At(1), std::span(&after_result, 1)); });
  std::thread early_reload([&] { engine.SetPolicies(reload); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  engine.Apply(before, At(1), std::span(&before_result, 1));
  early_after.join();
  early_reload.join();
  EXPECT_TRUE(before_result.accepted()) << before_result.detail;
  EXPECT_TRUE(after_result.accepted()) << after_result.detail;
  const EngineSnapshot s = engine.Snapshot(At(1));
  ASSERT_EQ(s.queues.size(), 2u);
  std::vector<std::pair<std::string, int64_t>> waiting_by_policy;
  for (const QueueSnapshot& q : s.queues) waiting_by_policy.emplace_back(q.key.policy, q.waiting);
  std::sort(waiting_by_policy.begin(), waiting_by_policy.end());
  EXPECT_EQ(waiting_by_policy, (std::vector<std::pair<std::string, int64_t>>{{"after", 1}, {"before", 1}}));
}

// Ending waits as a turn ends those of the turns taken before it, however
// the threads run: applied first, it waits in each shard for the arrival
// taken before it, and an arrival taken after it, applied early, stays.
TEST(ConcurrentEngineTest, AnEndWaitsTurnEndsTheWaitsOfTheTurnsTakenBeforeIt) {
  EngineOptions options;
  options.shards = 2;
  Engine engine(options, OnePolicy(AnswerObjective(20)));
  const Event before_arrival = Arrival("c1", 0);
  const Event after_arrival = Arrival("c2", 0);
  const EventView before_view = before_arrival.As<absl::string_view>();
  const EventView after_view = after_arrival.As<absl::string_view>();
  const WaitSelection every_wait{.started_before = absl::InfiniteFuture()};
  Engine::Turn before = engine.PrepareApply(std::span(&before_view, 1), {});
  Engine::Turn end = engine.PrepareEndWaits(every_wait);
  Engine::Turn after = engine.PrepareApply(std::span(&after_view, 1), {});
  for (Engine::Turn* turn : {&before, &end, &after}) engine.TakeTurn(*turn);
  ItemResult before_result, after_result;
  std::vector<EndedWait> ended;
  std::thread early_after([&] { engine.Apply(after, At(1), std::span(&after_result, 1)); });
  std::thread early_end([&] { ended = engine.EndWaits(end, At(1)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  engine.Apply(before, At(1), std::span(&before_result, 1));
  early_after.join();
  early_end.join();
  EXPECT_TRUE(before_result.accepted() && after_result.accepted());
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].contact_id, "c1");
  const EngineSnapshot s = engine.Snapshot(At(1));
  const QueueSnapshot* q = FindQueue(s, "sales");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->waiting, 1);
  EXPECT_EQ(q->totals.volume[kGivenUp], 1u);
}

}  // namespace
}  // namespace slamon::engine
