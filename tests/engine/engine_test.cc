#include "daemon/engine/engine.h"

#include <vector>

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

EngineOptions TestOptions() {
  EngineOptions o;
  o.shards = 4;
  return o;
}

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : engine_(TestOptions(), OnePolicy(AnswerObjective(20, 5))) {}

  ItemResult Send(const Event& e, double now_s) { return engine_.ApplyOne(e, At(now_s)); }
  void Accept(const Event& e, double now_s) {
    const ItemResult r = Send(e, now_s);
    ASSERT_TRUE(r.accepted()) << r.detail;
  }
  // One contact: arrives at `at`, and its answer clock stops `wait` later.
  void Contact(const std::string& id, double at, double wait, EventKind end) {
    Accept(Arrival(id, at), at);
    Accept(MakeEvent(end, id, at + wait), at + wait);
  }
  EngineSnapshot Snap(double now_s) { return engine_.Snapshot(At(now_s)); }
  // One queue of a fresh snapshot, by value (an empty one if absent).
  QueueSnapshot Queue(double now_s, absl::string_view queue) {
    const EngineSnapshot s = Snap(now_s);
    const QueueSnapshot* q = FindQueue(s, queue);
    EXPECT_NE(q, nullptr) << queue;
    return q != nullptr ? *q : QueueSnapshot{};
  }
  uint64_t Rejected(const EngineSnapshot& s, RejectReason r) {
    return s.health.rejected[static_cast<int>(r)];
  }

  Engine engine_;
};

TEST_F(EngineTest, SemanticsVectorThroughTheEngine) {
  // 100 contacts whose waits give the §3 vector with T = 20 s and S = 5 s.
  int n = 0;
  auto many = [&](int count, double wait, EventKind end) {
    for (int i = 0; i < count; ++i, ++n) Contact("c" + std::to_string(n), n, wait, end);
  };
  many(69, 12, EventKind::kAnswered);
  many(1, 20, EventKind::kAnswered);  // exactly T: within
  many(10, 45, EventKind::kAnswered);
  many(4, 3, EventKind::kAbandoned);
  many(1, 5, EventKind::kAbandoned);  // exactly S: short
  many(5, 15, EventKind::kAbandoned);
  many(8, 30, EventKind::kAbandoned);
  many(2, 40, EventKind::kFlowedOut);

  const EngineSnapshot s = Snap(200);
  const QueueSnapshot* q = FindQueue(s, "sales");
  ASSERT_NE(q, nullptr);
  const OutcomeCounts& c = q->totals.outcomes;
  EXPECT_EQ(c[AnswerOutcome::kAnsweredWithin], 70u);
  EXPECT_EQ(c[AnswerOutcome::kAnsweredLate], 10u);
  EXPECT_EQ(c[AnswerOutcome::kAbandonedShort], 5u);
  EXPECT_EQ(c[AnswerOutcome::kAbandonedWithin], 5u);
  EXPECT_EQ(c[AnswerOutcome::kAbandonedLate], 8u);
  EXPECT_EQ(c[AnswerOutcome::kFlowedOutWithin], 0u);
  EXPECT_EQ(c[AnswerOutcome::kFlowedOutLate], 2u);
  EXPECT_DOUBLE_EQ(*ServiceLevel(Formula::kShortAbandonsExcluded, c), 70.0 / 93);
  // Everything happened in the last 15 minutes: the window equals the totals.
  EXPECT_EQ(q->windows[0].name, "15m");
  EXPECT_EQ(q->windows[0].tally.outcomes, c);
  // ASA over the window: (69*12 + 20 + 10*45) / 80.
  EXPECT_DOUBLE_EQ(q->windows[0].tally.answered_wait_seconds / c.answered(),
                   (69 * 12 + 20 + 10 * 45) / 80.0);
  EXPECT_EQ(q->totals.volume[static_cast<int>(EventKind::kArrived)], 100u);
  EXPECT_EQ(q->totals.wait[static_cast<int>(WaitKind::kAnswered)].count, 80u);
  EXPECT_EQ(q->waiting, 0);
}

// A scrape refills the snapshot of the scrape before: the result must be
// what a fresh snapshot holds, whatever the reused one held, and the reused
// memory must serve again.
TEST_F(EngineTest, RefilledSnapshotEqualsAFreshOne) {
  constexpr int kAnswered = static_cast<int>(WaitKind::kAnswered);
  Contact("a", 0, 10, EventKind::kAnswered);
  Accept(Arrival("b", 5, "support"), 5);  // still waiting
  EngineSnapshot reused;
  engine_.Snapshot(At(30), reused);
  EXPECT_EQ(reused, Snap(30));
  ASSERT_EQ(reused.queues.size(), 2u);
  const uint64_t* sales_counts = reused.queues[0].totals.wait[kAnswered].counts.data();
  ASSERT_NE(sales_counts, nullptr);

  // More in a known queue, and a new queue that sorts before the others.
  Contact("c", 40, 25, EventKind::kAbandoned);
  Accept(Arrival("d", 50, "billing"), 50);
  engine_.Snapshot(At(70), reused);
  EXPECT_EQ(reused, Snap(70));
  ASSERT_EQ(reused.queues.size(), 3u);
  EXPECT_EQ(reused.queues[0].key.queue, "billing");
  EXPECT_EQ(reused.queues[0].waiting, 1);
  const QueueSnapshot& sales = reused.queues[1];
  EXPECT_EQ(sales.key.queue, "sales");
  EXPECT_EQ(sales.totals.outcomes[AnswerOutcome::kAnsweredWithin], 1u);  // 10 s
  EXPECT_EQ(sales.totals.outcomes[AnswerOutcome::kAbandonedLate], 1u);   // 25 s > T
  EXPECT_EQ(sales.totals.wait[kAnswered].count, 1u);
  EXPECT_EQ(sales.totals.wait[kAnswered].counts.data(), sales_counts);
  EXPECT_EQ(reused.queues[2].key.queue, "support");
  EXPECT_EQ(reused.queues[2].waiting, 1);
  EXPECT_EQ(reused.queues[2].oldest_wait, absl::Seconds(65));

  // A snapshot of another engine: its queue goes, this engine's come.
  Engine other(TestOptions(), OnePolicy(AnswerObjective(20, 5)));
  ASSERT_TRUE(other.ApplyOne(Arrival("x", 0, "elsewhere"), At(1)).accepted());
  EngineSnapshot foreign = other.Snapshot(At(1));
  engine_.Snapshot(At(70), foreign);
  EXPECT_EQ(foreign, Snap(70));

  // Fresh snapshots taken in between (as the Query service does) leave the
  // refill right; so does a queue new to the middle of the order.
  Contact("e", 80, 4, EventKind::kAbandoned);  // a short abandon
  Accept(Arrival("f", 85, "returns"), 85);
  (void)Snap(90);
  engine_.Snapshot(At(90), reused);
  EXPECT_EQ(reused, Snap(90));
  ASSERT_EQ(reused.queues.size(), 4u);
  EXPECT_EQ(reused.queues[1].key.queue, "returns");
  EXPECT_EQ(reused.queues[2].totals.outcomes[AnswerOutcome::kAbandonedShort], 1u);
  engine_.Snapshot(At(95), reused);
  EXPECT_EQ(reused, Snap(95));
}

TEST_F(EngineTest, LiveWaitingFigures) {
  Objective answer = AnswerObjective(20, 5);
  answer.warn.fraction = 0.5;  // warning at 10 s
  engine_.SetPolicies(OnePolicy(answer));
  Accept(Arrival("a", 0), 0);
  Accept(Arrival("b", 25), 25);
  Accept(Arrival("c", 28), 28);
  Accept(Arrival("d", 35), 35);
  // At 40 s: a waited 40 (past T), b 15 (past warning), c 12 (past warning), d 5.
  const EngineSnapshot s = Snap(40);
  const QueueSnapshot* q = FindQueue(s, "sales");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->waiting, 4);
  EXPECT_EQ(q->oldest_wait, absl::Seconds(40));
  EXPECT_EQ(q->waiting_past_threshold, 1);
  EXPECT_EQ(q->waiting_past_warning, 3);
  Accept(MakeEvent(EventKind::kAnswered, "a", 41), 41);
  const QueueSnapshot after = Queue(41, "sales");
  EXPECT_EQ(after.waiting, 3);
  EXPECT_EQ(after.oldest_wait, absl::Seconds(16));
  EXPECT_EQ(after.waiting_past_threshold, 0);
}

TEST_F(EngineTest, DuplicatesCountOnce) {
  Accept(Arrival("a", 0), 0);
  EXPECT_EQ(Send(Arrival("a", 0), 1).status, ItemResult::Status::kDuplicate);
  Accept(MakeEvent(EventKind::kAnswered, "a", 10), 10);
  EXPECT_EQ(Send(MakeEvent(EventKind::kAnswered, "a", 10), 11).status,
            ItemResult::Status::kDuplicate);
  const EngineSnapshot s = Snap(12);
  EXPECT_EQ(s.health.duplicates, 2u);
  EXPECT_EQ(s.health.events_received, 4u);
  EXPECT_EQ(FindQueue(s, "sales")->totals.outcomes.answered(), 1u);
  EXPECT_EQ(FindQueue(s, "sales")->totals.volume[static_cast<int>(EventKind::kArrived)], 1u);
}

TEST_F(EngineTest, OutOfOrderWithinAllowanceLandsCorrectly) {
  // The answer reaches the daemon before the arrival; both within 5 s.
  Accept(MakeEvent(EventKind::kWrapupEnded, "a", 130), 131);
  Accept(MakeEvent(EventKind::kAnswered, "a", 30), 131);
  EXPECT_EQ(Snap(131).health.pending_events, 2u);
  Accept(Arrival("a", 0), 133);
  const EngineSnapshot s = Snap(134);
  const QueueSnapshot* q = FindQueue(s, "sales");
  EXPECT_EQ(s.health.pending_events, 0u);
  EXPECT_EQ(q->totals.outcomes[AnswerOutcome::kAnsweredLate], 1u);  // waited 30 s > 20 s
  EXPECT_EQ(q->totals.handle.count, 1u);
  EXPECT_DOUBLE_EQ(q->totals.handle.sum, 100.0);  // answered 30 -> wrap-up end 130
  EXPECT_EQ(s.health.accepted, 3u);
}

TEST_F(EngineTest, OrphanIsRejectedAfterTheAllowance) {
  Accept(MakeEvent(EventKind::kAnswered, "ghost", 10), 10);
  engine_.Tick(At(14.9));
  EXPECT_EQ(Rejected(Snap(14.9), RejectReason::kUnknownContact), 0u);
  engine_.Tick(At(15));
  const EngineSnapshot s = Snap(15);
  EXPECT_EQ(Rejected(s, RejectReason::kUnknownContact), 1u);
  EXPECT_EQ(s.health.pending_events, 0u);
  // A late ARRIVED now opens a contact that simply waits.
  Accept(Arrival("ghost", 0), 16);
  EXPECT_EQ(Queue(16, "sales").waiting, 1);
}

TEST_F(EngineTest, LateEventLandsWhereItsTimestampPutsIt) {
  // The daemon clock is 2 h past the contact: the outcome counts, but it is
  // outside both rolling windows.
  const double now = 7200;
  engine_.Tick(At(now));
  Accept(Arrival("old", 0), now);
  Accept(MakeEvent(EventKind::kAnswered, "old", 10), now);
  QueueSnapshot q = Queue(now, "sales");
  EXPECT_EQ(q.totals.outcomes[AnswerOutcome::kAnsweredWithin], 1u);
  EXPECT_EQ(q.windows[0].tally.outcomes.offered(), 0u);  // 15m
  EXPECT_EQ(q.windows[1].tally.outcomes.offered(), 0u);  // 1h
  // One 50 minutes ago is in the hour but not in the 15 minutes.
  Accept(Arrival("recent", now - 3000), now);
  Accept(MakeEvent(EventKind::kAnswered, "recent", now - 2990), now);
  q = Queue(now, "sales");
  EXPECT_EQ(q.windows[0].tally.outcomes.offered(), 0u);
  EXPECT_EQ(q.windows[1].tally.outcomes.offered(), 1u);
}

TEST_F(EngineTest, RollingWindowForgetsAsTimePasses) {
  Contact("a", 0, 10, EventKind::kAnswered);
  EXPECT_EQ(Queue(10, "sales").windows[0].tally.outcomes.answered(), 1u);
  // 15 minutes in 10-second steps: the step of t=10 s leaves at t=910 s.
  EXPECT_EQ(Queue(909, "sales").windows[0].tally.outcomes.answered(), 1u);
  EXPECT_EQ(Queue(910, "sales").windows[0].tally.outcomes.answered(), 0u);
  EXPECT_EQ(Queue(910, "sales").windows[1].tally.outcomes.answered(), 1u);
  EXPECT_EQ(Queue(3610, "sales").windows[1].tally.outcomes.answered(), 0u);
  EXPECT_EQ(Queue(3610, "sales").totals.outcomes.answered(), 1u);
}

TEST_F(EngineTest, IntervalAndTodayAreAligned) {
  // T0 is 09:00 UTC. The interval 09:00-09:30 holds outcomes until 09:30.
  Contact("a", 60, 10, EventKind::kAnswered);     // 09:01
  Contact("b", 1790, 5, EventKind::kAnswered);    // 09:29:55
  QueueSnapshot q = Queue(1799, "sales");
  EXPECT_EQ(q.windows[2].name, "interval");
  EXPECT_EQ(q.windows[2].tally.outcomes.answered(), 2u);
  Contact("c", 1800, 5, EventKind::kAnswered);    // 09:30:00 starts the next interval
  q = Queue(1810, "sales");
  EXPECT_EQ(q.windows[2].tally.outcomes.answered(), 1u);
  EXPECT_EQ(q.windows[3].name, "today");
  EXPECT_EQ(q.windows[3].tally.outcomes.answered(), 3u);
  // 15 hours later it is 2026-03-03 00:00 UTC: a new day.
  EXPECT_EQ(Queue(15 * 3600, "sales").windows[3].tally.outcomes.answered(), 0u);
}

TEST_F(EngineTest, TransferClosesOneSegmentAndOpensTheNext) {
  Accept(Arrival("a", 0), 0);
  Event transfer = MakeEvent(EventKind::kTransferred, "a", 30);
  transfer.queue = "support";
  Accept(transfer, 30);
  Accept(MakeEvent(EventKind::kAnswered, "a", 45), 45);  // 15 s in the new queue
  const EngineSnapshot s = Snap(50);
  const QueueSnapshot* sales = FindQueue(s, "sales");
  const QueueSnapshot* support = FindQueue(s, "support");
  ASSERT_NE(support, nullptr);
  EXPECT_EQ(sales->totals.outcomes[AnswerOutcome::kFlowedOutLate], 1u);  // left after 30 s
  EXPECT_EQ(sales->totals.volume[static_cast<int>(EventKind::kTransferred)], 1u);
  EXPECT_EQ(support->totals.volume[kTransferredIn], 1u);
  EXPECT_EQ(support->totals.outcomes[AnswerOutcome::kAnsweredWithin], 1u);
  EXPECT_DOUBLE_EQ(support->totals.wait[0].sum, 15.0);
  EXPECT_EQ(sales->waiting + support->waiting, 0);
}

TEST_F(EngineTest, AnsweredContactTransferredAndAnsweredAgain) {
  Contact("a", 0, 10, EventKind::kAnswered);
  // The answer in the new queue reaches the daemon before the transfer.
  Event answered_there = MakeEvent(EventKind::kAnswered, "a", 90, "a/answer2");
  answered_there.queue = "billing";
  Accept(answered_there, 91);
  Event transfer = MakeEvent(EventKind::kTransferred, "a", 60);
  transfer.queue = "billing";
  Accept(transfer, 92);
  const QueueSnapshot billing = Queue(93, "billing");
    EXPECT_EQ(billing.totals.outcomes[AnswerOutcome::kAnsweredLate], 1u);  // 30 s there
  EXPECT_EQ(Snap(93).health.pending_events, 0u);
}

// Contacts keep their times in int64 nanoseconds, whose differences span
// 292 years: times before 1970 are refused rather than kept wrong.
TEST_F(EngineTest, TimesBefore1970AreRefused) {
  Event ancient = Arrival("old", 0);
  ancient.occurred_at = absl::FromUnixSeconds(-1);
  const ItemResult r = Send(ancient, 0);
  EXPECT_EQ(r.reason, RejectReason::kInvalidField);
  EXPECT_EQ(r.detail,
            "occurred_at 1969-12-31T23:59:59Z is before 1970-01-01T00:00:00Z, the earliest time the engine keeps");
  Event earliest = Arrival("first", 0);
  earliest.occurred_at = absl::UnixEpoch();
  Accept(earliest, 0);
  Accept(MakeEvent(EventKind::kAbandoned, "first", 0), 0);
  // Abandoned at T0 = 1772442000 s after the epoch, exactly.
  const QueueSnapshot q = Queue(0, "sales");
  EXPECT_EQ(q.totals.outcomes[AnswerOutcome::kAbandonedLate], 1u);
  EXPECT_EQ(q.totals.wait[static_cast<int>(WaitKind::kAbandoned)].sum, 1772442000.0);
}

// absl::Time holds quarter nanoseconds; a contact keeps whole ones. Its
// wait is measured from the stored arrival: 10 s + 0.25 ns is kept as 10 s,
// so answered at 30 s it waited exactly T = 20 s (within).
TEST_F(EngineTest, SubNanosecondTimesAreKeptToTheNanosecond) {
  Event arrival = Arrival("q", 10);
  arrival.occurred_at += absl::Nanoseconds(0.25);
  Accept(arrival, 10);
  EXPECT_EQ(Queue(11, "sales").waiting, 1);
  Accept(MakeEvent(EventKind::kAnswered, "q", 30), 30);
  const QueueSnapshot q = Queue(30, "sales");
  EXPECT_EQ(q.waiting, 0);
  EXPECT_EQ(q.totals.outcomes[AnswerOutcome::kAnsweredWithin], 1u);
  EXPECT_EQ(q.totals.wait[static_cast<int>(WaitKind::kAnswered)].sum, 20.0);
}

TEST_F(EngineTest, EveryRejectionReason) {
  Event no_id = Arrival("x", 0);
  no_id.event_id.clear();
  EXPECT_EQ(Send(no_id, 0).reason, RejectReason::kMissingField);
  Event no_queue = Arrival("x", 0);
  no_queue.queue.clear();
  EXPECT_EQ(Send(no_queue, 0).reason, RejectReason::kMissingField);
  Event bad_channel = Arrival("y", 0, "sales", "Phone!");
  EXPECT_EQ(Send(bad_channel, 0).reason, RejectReason::kInvalidField);
  EXPECT_EQ(Send(Arrival("f", 301), 0).reason, RejectReason::kFutureTimestamp);
  Event ancient = Arrival("z", 0);
  ancient.occurred_at = absl::FromCivil(absl::CivilSecond(1900, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  EXPECT_EQ(Send(ancient, 0).reason, RejectReason::kInvalidField);

  Accept(Arrival("a", 100), 100);
  EXPECT_EQ(Send(MakeEvent(EventKind::kArrived, "a", 100, "a/again"), 100).reason,
            RejectReason::kMissingField);  // ARRIVED without queue
  Event again = Arrival("a", 100);
  again.event_id = "a/arrived-again";
  EXPECT_EQ(Send(again, 100).reason, RejectReason::kAlreadyOpen);
  EXPECT_EQ(Send(MakeEvent(EventKind::kAnswered, "a", 90, "a/early"), 100).reason,
            RejectReason::kBeforeArrival);
  EXPECT_EQ(Send(MakeEvent(EventKind::kResumed, "a", 99), 100).reason,
            RejectReason::kBeforeArrival);
  EXPECT_EQ(Send(MakeEvent(EventKind::kReopened, "a", 101), 101).reason,
            RejectReason::kNotResolved);
  Accept(MakeEvent(EventKind::kAnswered, "a", 110), 110);
  EXPECT_EQ(Send(MakeEvent(EventKind::kAbandoned, "a", 111), 111).reason,
            RejectReason::kNotWaiting);
  EXPECT_EQ(Send(MakeEvent(EventKind::kWrapupEnded, "a", 105), 111).reason,
            RejectReason::kBeforeAnswer);
  Accept(MakeEvent(EventKind::kHandleEnded, "a", 200), 200);
  EXPECT_EQ(Send(MakeEvent(EventKind::kHandleEnded, "a", 201, "a/handle2"), 201).reason,
            RejectReason::kAlreadyRecorded);
  Event survey = MakeEvent(EventKind::kSurveyed, "a", 300);
  survey.csat_score = 6;
  EXPECT_EQ(Send(survey, 300).reason, RejectReason::kInvalidField);

  Contact("b", 400, 30, EventKind::kAbandoned);
  EXPECT_EQ(Send(MakeEvent(EventKind::kWrapupEnded, "b", 500), 500).reason,
            RejectReason::kNotAnswered);
  EXPECT_EQ(Send(MakeEvent(EventKind::kAnswered, "b", 500), 500).reason,
            RejectReason::kNotWaiting);

  const EngineSnapshot s = Snap(500);
  EXPECT_EQ(Rejected(s, RejectReason::kMissingField), 3u);
  EXPECT_EQ(Rejected(s, RejectReason::kInvalidField), 3u);
  EXPECT_EQ(Rejected(s, RejectReason::kFutureTimestamp), 1u);
  EXPECT_EQ(Rejected(s, RejectReason::kAlreadyOpen), 1u);
  EXPECT_EQ(Rejected(s, RejectReason::kBeforeArrival), 2u);
  EXPECT_EQ(Rejected(s, RejectReason::kNotResolved), 1u);
  EXPECT_EQ(Rejected(s, RejectReason::kNotWaiting), 2u);
  EXPECT_EQ(Rejected(s, RejectReason::kBeforeAnswer), 1u);
  EXPECT_EQ(Rejected(s, RejectReason::kAlreadyRecorded), 1u);
  EXPECT_EQ(Rejected(s, RejectReason::kNotAnswered), 1u);
  // Nothing rejected touched the figures.
  const QueueSnapshot* q = FindQueue(s, "sales");
  EXPECT_EQ(q->totals.outcomes.offered(), 2u);
  EXPECT_EQ(q->totals.outcomes[AnswerOutcome::kAnsweredWithin], 1u);
  EXPECT_EQ(q->totals.outcomes[AnswerOutcome::kAbandonedLate], 1u);
}

TEST(EngineLimitsTest, PendingOverflowIsRejected) {
  EngineOptions options = TestOptions();
  options.shards = 1;
  options.max_pending_events = 2;
  Engine engine(options, OnePolicy(AnswerObjective(20)));
  EXPECT_TRUE(engine.ApplyOne(MakeEvent(EventKind::kAnswered, "a", 1), At(1)).accepted());
  EXPECT_TRUE(engine.ApplyOne(MakeEvent(EventKind::kAnswered, "b", 1), At(1)).accepted());
  EXPECT_EQ(engine.ApplyOne(MakeEvent(EventKind::kAnswered, "c", 1), At(1)).reason,
            RejectReason::kPendingOverflow);
}

TEST_F(EngineTest, HandleResolutionAndSatisfaction) {
  Contact("a", 0, 10, EventKind::kAnswered);
  Accept(MakeEvent(EventKind::kWrapupEnded, "a", 190), 190);  // handle 180 s
  Event resolved = MakeEvent(EventKind::kResolved, "a", 190);
  resolved.first_contact_resolution = true;
  Accept(resolved, 190);
  Event survey = MakeEvent(EventKind::kSurveyed, "a", 200);
  survey.csat_score = 9;
  survey.csat_scale = 10;  // 9/10 is 1 + 8*4/9 = 4.56 on five points: top two
  Accept(survey, 200);
  Contact("b", 0, 10, EventKind::kAnswered);
  Accept(MakeEvent(EventKind::kWrapupEnded, "b", 310), 310);  // handle 300 s
  Accept(MakeEvent(EventKind::kResolved, "b", 310), 310);
  Event survey_b = MakeEvent(EventKind::kSurveyed, "b", 320);
  survey_b.csat_score = 3;
  Accept(survey_b, 320);
  const QueueTotals& t = Queue(400, "sales").totals;
  EXPECT_DOUBLE_EQ(t.handle.sum / t.handle.count, 240.0);
  EXPECT_EQ(t.resolved, 2u);
  EXPECT_EQ(t.resolved_first_contact, 1u);
  EXPECT_EQ(t.surveyed, 2u);
  EXPECT_EQ(t.csat_top_two, 1u);
  EXPECT_DOUBLE_EQ(t.csat_score_sum, 1 + 8 * 4 / 9.0 + 3);
}

TEST(EnginePolicyTest, FirstMatchWinsAndOpenContactsKeepTheirVersion) {
  Policy complaints;
  complaints.name = "complaints";
  complaints.match.categories = {"complaint"};
  Policy phone;
  phone.name = "phone";
  phone.match.channels = {"phone"};
  phone.objectives.push_back(AnswerObjective(20));
  Engine engine(TestOptions(), std::make_shared<PolicySet>(std::vector<Policy>{complaints, phone}));

  Event complaint = Arrival("c1", 0);
  complaint.category = "complaint";
  ASSERT_TRUE(engine.ApplyOne(complaint, At(0)).accepted());
  ASSERT_TRUE(engine.ApplyOne(Arrival("p1", 0), At(0)).accepted());
  // Reload: the phone threshold becomes 60 s.
  Policy phone2 = phone;
  phone2.objectives[0].threshold = absl::Seconds(60);
  std::vector<Policy> next{complaints, phone2};
  PolicySet::CarryVersions(PolicySet({complaints, phone}), next);
  EXPECT_EQ(next[0].version, 1u);
  EXPECT_EQ(next[1].version, 2u);
  engine.SetPolicies(std::make_shared<PolicySet>(next));
  ASSERT_TRUE(engine.ApplyOne(Arrival("p2", 1), At(1)).accepted());
  // Both wait 30 s: p1 (20 s version) is late, p2 (60 s version) is within.
  ASSERT_TRUE(engine.ApplyOne(MakeEvent(EventKind::kAnswered, "p1", 30), At(31)).accepted());
  ASSERT_TRUE(engine.ApplyOne(MakeEvent(EventKind::kAnswered, "p2", 31), At(31)).accepted());
  ASSERT_TRUE(engine.ApplyOne(MakeEvent(EventKind::kAnswered, "c1", 5), At(31)).accepted());
  const EngineSnapshot s = engine.Snapshot(At(31));
  ASSERT_EQ(s.queues.size(), 2u);
  EXPECT_EQ(s.queues[0].key.policy, "complaints");
  EXPECT_FALSE(s.queues[0].answer.has_value());  // no answer objective: no outcome
  EXPECT_EQ(s.queues[0].totals.outcomes.offered(), 0u);
  EXPECT_EQ(s.queues[1].key.policy, "phone");
  EXPECT_EQ(s.queues[1].answer->threshold, absl::Seconds(60));
  EXPECT_EQ(s.queues[1].totals.outcomes[AnswerOutcome::kAnsweredLate], 1u);
  EXPECT_EQ(s.queues[1].totals.outcomes[AnswerOutcome::kAnsweredWithin], 1u);
}

}  // namespace
}  // namespace slamon::engine
