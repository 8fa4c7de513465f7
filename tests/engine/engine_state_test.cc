// Saved engine state: an engine loaded from another's state behaves exactly
// like the original from then on (the durability layer relies on it).
#include <map>

#include "daemon/engine/dedup.h"
#include "daemon/engine/engine.h"
#include "daemon/engine/shard.h"
#include "daemon/engine/state_codec.h"
#include "gtest/gtest.h"
#include "tests/engine/test_util.h"

namespace slamon::engine {
namespace {

using testing::Arrival;
using testing::At;
using testing::FindQueue;
using testing::MakeEvent;

// Policy sets by origin, as the daemon rebuilds them from saved config text.
class Origins {
 public:
  std::shared_ptr<const PolicySet> Add(const std::string& origin, double threshold_s) {
    Policy p;
    p.name = "phone";
    p.version = sets_.size() + 1;
    p.objectives.push_back(testing::AnswerObjective(threshold_s, /*short_s=*/5));
    auto set = std::make_shared<PolicySet>(std::vector<Policy>{p}, origin);
    sets_[origin] = set;
    return set;
  }
  PolicyDecoder Decoder() const {
    return [this](absl::string_view origin) -> absl::StatusOr<std::shared_ptr<const PolicySet>> {
      const auto it = sets_.find(std::string(origin));
      if (it == sets_.end()) return absl::NotFoundError(absl::StrCat("no policies '", origin, "'"));
      return it->second;
    };
  }

 private:
  std::map<std::string, std::shared_ptr<const PolicySet>> sets_;
};

void ApplyAll(Engine& engine, const std::vector<Event>& events, absl::Time now) {
  for (const Event& e : events) engine.ApplyOne(e, now);
}

class EngineStateTest : public ::testing::Test {
 protected:
  EngineStateTest() : v1_(origins_.Add("v1", 20)) {}
  std::unique_ptr<Engine> NewEngine() { return std::make_unique<Engine>(EngineOptions{}, v1_); }

  Origins origins_;
  std::shared_ptr<const PolicySet> v1_;
};

TEST_F(EngineStateTest, LoadedEngineContinuesExactlyLikeTheOriginal) {
  // Before the save: c1 answered in 10 s (within 20), c2 in 30 s (late), c3
  // abandoned after 3 s (short, <= 5), c4 still waiting, and c5's ANSWERED
  // parked because its ARRIVED has not come yet.
  const std::vector<Event> before = {
      Arrival("c1", 0),  MakeEvent(EventKind::kAnswered, "c1", 10), Arrival("c2", 0),
      MakeEvent(EventKind::kAnswered, "c2", 30), Arrival("c3", 5), MakeEvent(EventKind::kAbandoned, "c3", 8),
      Arrival("c4", 10), MakeEvent(EventKind::kAnswered, "c5", 40)};
  // After: c5's ARRIVED releases its parked answer (wait 5 s, within), c1's
  // ARRIVED is sent again (a duplicate), c4 answered after 50 s (late).
  const std::vector<Event> after = {Arrival("c5", 35), Arrival("c1", 0), MakeEvent(EventKind::kAnswered, "c4", 60)};

  auto original = NewEngine();
  ApplyAll(*original, before, At(50));
  original->Tick(At(50));
  const std::string state = original->SaveState();

  auto restored = NewEngine();
  ASSERT_TRUE(restored->LoadState(state, origins_.Decoder()).ok());
  EXPECT_EQ(restored->Snapshot(At(50)), original->Snapshot(At(50)));
  EXPECT_EQ(restored->SaveState().size(), state.size());  // nothing lost or added on the way

  for (Engine* e : {original.get(), restored.get()}) {
    ApplyAll(*e, after, At(51));
    e->Tick(At(52));
  }
  const EngineSnapshot got = restored->Snapshot(At(61));
  EXPECT_EQ(got, original->Snapshot(At(61)));
  const QueueSnapshot* q = FindQueue(got, "sales");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->totals.outcomes[AnswerOutcome::kAnsweredWithin], 2u);  // c1, c5
  EXPECT_EQ(q->totals.outcomes[AnswerOutcome::kAnsweredLate], 2u);    // c2, c4
  EXPECT_EQ(q->totals.outcomes[AnswerOutcome::kAbandonedShort], 1u);  // c3
  EXPECT_EQ(q->totals.volume[static_cast<int>(EventKind::kArrived)], 5u);
  EXPECT_EQ(q->waiting, 0);
  EXPECT_EQ(got.health.events_received, 11u);
  EXPECT_EQ(got.health.accepted, 10u);
  EXPECT_EQ(got.health.duplicates, 1u);
  EXPECT_EQ(got.health.open_contacts, 5u);
  EXPECT_EQ(got.health.pending_events, 0u);
}

TEST_F(EngineStateTest, ParkedEventExpiresAfterLoadAtItsOriginalDeadline) {
  auto original = NewEngine();
  original->ApplyOne(MakeEvent(EventKind::kAnswered, "ghost", 10), At(10));  // parked until At(15)
  auto restored = NewEngine();
  ASSERT_TRUE(restored->LoadState(original->SaveState(), origins_.Decoder()).ok());
  restored->Tick(At(14));
  EXPECT_EQ(restored->Snapshot(At(14)).health.pending_events, 1u);
  restored->Tick(At(15));
  const HealthSnapshot h = restored->Snapshot(At(15)).health;
  EXPECT_EQ(h.pending_events, 0u);
  EXPECT_EQ(h.rejected[static_cast<int>(RejectReason::kUnknownContact)], 1u);
}

TEST_F(EngineStateTest, OpenContactKeepsItsPolicyVersionAcrossALoad) {
  auto original = NewEngine();
  original->ApplyOne(Arrival("c1", 0), At(0));
  original->SetPolicies(origins_.Add("v2", 30));  // c1 keeps v1: 20 s
  auto restored = NewEngine();
  ASSERT_TRUE(restored->LoadState(original->SaveState(), origins_.Decoder()).ok());
  EXPECT_EQ(restored->policies()->origin(), "v2");
  restored->ApplyOne(MakeEvent(EventKind::kAnswered, "c1", 25), At(25));  // late by v1, within by v2
  restored->ApplyOne(Arrival("c2", 30), At(30));
  restored->ApplyOne(MakeEvent(EventKind::kAnswered, "c2", 55), At(55));  // new contact: v2, within
  const EngineSnapshot snapshot = restored->Snapshot(At(55));
  const QueueSnapshot* q = FindQueue(snapshot, "sales");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->totals.outcomes[AnswerOutcome::kAnsweredLate], 1u);
  EXPECT_EQ(q->totals.outcomes[AnswerOutcome::kAnsweredWithin], 1u);
}

TEST_F(EngineStateTest, RemembersEventIdsAcrossALoad) {
  auto original = NewEngine();
  original->ApplyOne(Arrival("c1", 0), At(0));
  auto restored = NewEngine();
  ASSERT_TRUE(restored->LoadState(original->SaveState(), origins_.Decoder()).ok());
  EXPECT_EQ(restored->ApplyOne(Arrival("c1", 0), At(1)).status, ItemResult::Status::kDuplicate);
}

TEST_F(EngineStateTest, DamagedStateIsRefusedAndLeavesTheEngineEmpty) {
  auto original = NewEngine();
  original->ApplyOne(Arrival("c1", 0), At(0));
  const std::string state = original->SaveState();

  auto restored = NewEngine();
  const absl::Status truncated = restored->LoadState(state.substr(0, state.size() - 3), origins_.Decoder());
  EXPECT_EQ(truncated.code(), absl::StatusCode::kDataLoss) << truncated;
  std::string bad_magic = state;
  bad_magic[0] ^= 0x20;
  EXPECT_EQ(restored->LoadState(bad_magic, origins_.Decoder()).code(), absl::StatusCode::kDataLoss);
  const absl::Status trailing = restored->LoadState(state + "x", origins_.Decoder());
  EXPECT_EQ(trailing.code(), absl::StatusCode::kDataLoss);

  const EngineSnapshot s = restored->Snapshot(At(1));
  EXPECT_TRUE(s.queues.empty());
  EXPECT_EQ(s.health.open_contacts, 0u);
  // Still usable: the same contact arrives as new.
  EXPECT_TRUE(restored->ApplyOne(Arrival("c1", 0), At(1)).accepted());
}

TEST_F(EngineStateTest, UnknownPolicyOriginNamesTheGeneration) {
  auto original = NewEngine();
  Origins other;
  other.Add("something else", 20);
  const absl::Status s = NewEngine()->LoadState(original->SaveState(), other.Decoder());
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "policy generation 1 of the saved state: no policies 'v1'");
}

TEST_F(EngineStateTest, ChangedHistogramBoundsAreRebucketed) {
  auto original = NewEngine();
  original->ApplyOne(Arrival("c1", 0), At(0));
  original->ApplyOne(MakeEvent(EventKind::kAnswered, "c1", 12), At(12));
  EngineOptions options;
  options.wait_buckets = {10, 12.5, 20};  // 12.5 is new; 1, 2, 5, 15, 30... are gone
  Engine restored(options, v1_);
  ASSERT_TRUE(restored.LoadState(original->SaveState(), origins_.Decoder()).ok());
  const EngineSnapshot snapshot = restored.Snapshot(At(12));
  const Histogram& h = FindQueue(snapshot, "sales")->totals.wait[0];
  // The 12 s wait sat in (10, 15] before: it cannot be placed under 12.5,
  // so it counts from the next bound that existed before, 20.
  EXPECT_EQ(h.counts, (std::vector<uint64_t>{0, 0, 1, 0}));
  EXPECT_EQ(h.count, 1u);
  EXPECT_DOUBLE_EQ(h.sum, 12.0);
}

TEST(ContactHashTest, IsTheSameInEveryProcess) {
  // Saved state relies on it: a contact must hash to the shard it was saved
  // in, by this build and by the next. The value is pinned: changing the
  // algorithm would make older state unreadable (absl::Hash, seeded per
  // process, broke restarts this way).
  EXPECT_EQ(Shard::ContactHash("pbx", "1718030000.42"), 16385218754651184246u);
}

TEST(HistogramRebucketTest, NewBoundsTakeTheCountOfTheLastOldBoundBelowThem) {
  // Observations 5, 15, 25 and 35 under bounds 10, 20, 30.
  Histogram h;
  for (double v : {5, 15, 25, 35}) h.Observe({10, 20, 30}, v);
  ASSERT_EQ(h.counts, (std::vector<uint64_t>{1, 1, 1, 1}));
  // Cumulative under 10, 15, 20, 40: 1 (old 10), 1 (old 10), 2 (old 20),
  // 3 (old 30), +Inf 4.
  const Histogram r = h.Rebucket({10, 20, 30}, {10, 15, 20, 40});
  EXPECT_EQ(r.counts, (std::vector<uint64_t>{1, 0, 1, 1, 1}));
  EXPECT_EQ(r.count, 4u);
  EXPECT_DOUBLE_EQ(r.sum, 80.0);
}

TEST(StateCodecTest, RoundTripsEveryTypeAndStopsAtTheFirstShortRead) {
  StateWriter out;
  out.Varint(300);
  out.String("queue");
  out.Time(absl::InfiniteFuture());
  out.Time(absl::FromUnixNanos(-1));
  out.Double(-0.5);
  StateReader in(out.data());
  EXPECT_EQ(in.Varint(), 300u);
  EXPECT_EQ(in.String(), "queue");
  EXPECT_EQ(in.Time(), absl::InfiniteFuture());
  EXPECT_EQ(in.Time(), absl::FromUnixNanos(-1));
  EXPECT_EQ(in.Double(), -0.5);
  EXPECT_TRUE(in.ok() && in.done());
  EXPECT_EQ(in.U8(), 0);
  EXPECT_EQ(in.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(in.status().message(), "truncated: 1 bytes wanted, 0 left");
  // A count larger than the input is refused before anything is allocated.
  StateWriter big;
  big.Varint(1'000'000'000);
  StateReader huge(big.data());
  EXPECT_EQ(huge.Count(8), 0u);
  EXPECT_FALSE(huge.ok());
}

}  // namespace
}  // namespace slamon::engine
