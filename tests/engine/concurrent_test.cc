// Several ingest threads, a ticker and a scraper on one engine at once (run
// under ThreadSanitizer in CI). The final figures must be exact.
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
using testing::MakeEvent;
using testing::OnePolicy;

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
        // 50 contacts a batch: arrivals then answers, 10 s or 30 s waits.
        std::vector<Event> batch;
        for (int j = i; j < i + 50; ++j) {
          const std::string id = "t" + std::to_string(t) + "-" + std::to_string(j);
          batch.push_back(Arrival(id, j % 1000, "q" + std::to_string(j % 7)));
          batch.push_back(MakeEvent(EventKind::kAnswered, id, j % 1000 + (j % 2 ? 30 : 10)));
        }
        std::vector<ItemResult> results(batch.size());
        engine.Apply(batch, {}, At(5000), results);
        for (const ItemResult& r : results) ASSERT_TRUE(r.accepted()) << r.detail;
      }
    });
  }
  for (std::thread& w : writers) w.join();
  done = true;
  scraper.join();
  const EngineSnapshot s = engine.Snapshot(At(5000));
  uint64_t within = 0, late = 0, arrived = 0;
  for (const QueueSnapshot& q : s.queues) {
    within += q.totals.outcomes[AnswerOutcome::kAnsweredWithin];
    late += q.totals.outcomes[AnswerOutcome::kAnsweredLate];
    arrived += q.totals.volume[static_cast<int>(EventKind::kArrived)];
  }
  EXPECT_EQ(s.queues.size(), 7u);
  EXPECT_EQ(arrived, uint64_t{kThreads * kContactsPerThread});
  EXPECT_EQ(within, uint64_t{kThreads * kContactsPerThread / 2});
  EXPECT_EQ(late, uint64_t{kThreads * kContactsPerThread / 2});
  EXPECT_EQ(s.health.accepted, uint64_t{2 * kThreads * kContactsPerThread});
}

}  // namespace
}  // namespace slamon::engine
