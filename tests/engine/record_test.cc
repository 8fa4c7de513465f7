// Contact records (sla-semantics §9): equivalent to the events they imply,
// re-sendable as the contact progresses, never allowed to rewrite history.
#include "daemon/engine/engine.h"
#include "gtest/gtest.h"
#include "tests/engine/test_util.h"

namespace slamon::engine {
namespace {

using testing::AnswerObjective;
using testing::At;
using testing::FindQueue;
using testing::OnePolicy;

ContactRecord Record(const std::string& id, double arrived) {
  ContactRecord r;
  r.source = "crm";
  r.contact_id = id;
  r.channel = "phone";
  r.queue = "sales";
  r.arrived_at = At(arrived);
  return r;
}

class RecordTest : public ::testing::Test {
 protected:
  RecordTest() : engine_(EngineOptions{}, OnePolicy(AnswerObjective(20, 5))) {}
  ItemResult Send(const ContactRecord& r, double now) {
    ItemResult result;
    engine_.Apply({}, std::span(&r, 1), At(now), std::span(&result, 1));
    return result;
  }
  QueueSnapshot Queue(double now) {
    const EngineSnapshot s = engine_.Snapshot(At(now));
    const QueueSnapshot* q = FindQueue(s, "sales");
    return q != nullptr ? *q : QueueSnapshot{};
  }
  Engine engine_;
};

TEST_F(RecordTest, OneRecordEqualsItsEvents) {
  ContactRecord r = Record("a", 0);
  r.answered_at = At(12);
  r.wrapup_ended_at = At(192);
  r.resolved_at = At(192);
  r.first_contact_resolution = true;
  r.csat = 5;
  ASSERT_TRUE(Send(r, 200).accepted());
  const QueueSnapshot q = Queue(200);
  EXPECT_EQ(q.totals.outcomes[AnswerOutcome::kAnsweredWithin], 1u);
  EXPECT_DOUBLE_EQ(q.totals.wait[0].sum, 12.0);
  EXPECT_DOUBLE_EQ(q.totals.handle.sum, 180.0);
  EXPECT_EQ(q.totals.resolved_first_contact, 1u);
  EXPECT_EQ(q.totals.csat_top_two, 1u);
  EXPECT_EQ(q.waiting, 0);
}

TEST_F(RecordTest, VersionsAddWhatHappenedSince) {
  ASSERT_TRUE(Send(Record("a", 0), 1).accepted());  // still waiting
  EXPECT_EQ(Queue(1).waiting, 1);
  ContactRecord v2 = Record("a", 0);
  v2.abandoned_at = At(30);
  ASSERT_TRUE(Send(v2, 31).accepted());
  EXPECT_EQ(Queue(31).waiting, 0);
  EXPECT_EQ(Queue(31).totals.outcomes[AnswerOutcome::kAbandonedLate], 1u);
  // The same version again, or the older one, adds nothing.
  EXPECT_EQ(Send(v2, 32).status, ItemResult::Status::kDuplicate);
  EXPECT_EQ(Send(Record("a", 0), 33).status, ItemResult::Status::kDuplicate);
  EXPECT_EQ(Queue(33).totals.outcomes.offered(), 1u);
  EXPECT_EQ(engine_.Snapshot(At(33)).health.duplicates, 2u);
}

TEST_F(RecordTest, ChangingAKnownTimestampIsRejectedWhole) {
  ContactRecord v1 = Record("a", 0);
  v1.answered_at = At(10);
  ASSERT_TRUE(Send(v1, 11).accepted());
  ContactRecord moved = v1;
  moved.answered_at = At(15);
  moved.wrapup_ended_at = At(100);
  EXPECT_EQ(Send(moved, 101).reason, RejectReason::kConflictingRecord);
  ContactRecord rearrived = Record("a", 1);
  EXPECT_EQ(Send(rearrived, 101).reason, RejectReason::kConflictingRecord);
  ContactRecord abandoned = Record("a", 0);
  abandoned.abandoned_at = At(10);
  EXPECT_EQ(Send(abandoned, 101).reason, RejectReason::kConflictingRecord);
  ContactRecord other_queue = v1;
  other_queue.queue = "support";
  EXPECT_EQ(Send(other_queue, 101).reason, RejectReason::kConflictingRecord);
  // Nothing of the rejected versions landed.
  const QueueSnapshot q = Queue(101);
  EXPECT_EQ(q.totals.handle.count, 0u);
  EXPECT_EQ(q.totals.outcomes[AnswerOutcome::kAnsweredWithin], 1u);
  EXPECT_EQ(engine_.Snapshot(At(101)).health.rejected[static_cast<int>(RejectReason::kConflictingRecord)], 4u);
}

TEST_F(RecordTest, InconsistentRecordsAreRejectedWithTheirReason) {
  ContactRecord both = Record("b", 0);
  both.answered_at = At(5);
  both.abandoned_at = At(6);
  EXPECT_EQ(Send(both, 10).reason, RejectReason::kInvalidField);
  ContactRecord early = Record("c", 10);
  early.answered_at = At(5);
  EXPECT_EQ(Send(early, 10).reason, RejectReason::kBeforeArrival);
  ContactRecord wrap_without_answer = Record("d", 0);
  wrap_without_answer.wrapup_ended_at = At(5);
  EXPECT_EQ(Send(wrap_without_answer, 10).reason, RejectReason::kNotAnswered);
  ContactRecord wrap_before_answer = Record("e", 0);
  wrap_before_answer.answered_at = At(5);
  wrap_before_answer.wrapup_ended_at = At(4);
  EXPECT_EQ(Send(wrap_before_answer, 10).reason, RejectReason::kBeforeAnswer);
  ContactRecord future = Record("f", 0);
  future.closed_at = At(10 + 301);
  EXPECT_EQ(Send(future, 10).reason, RejectReason::kFutureTimestamp);
  ContactRecord bad_csat = Record("g", 0);
  bad_csat.csat = 7;
  EXPECT_EQ(Send(bad_csat, 10).reason, RejectReason::kInvalidField);
  ContactRecord no_queue = Record("h", 0);
  no_queue.queue.clear();
  EXPECT_EQ(Send(no_queue, 10).reason, RejectReason::kMissingField);
  ContactRecord ancient = Record("i", 0);
  ancient.arrived_at = absl::FromCivil(absl::CivilSecond(1969, 7, 20, 20, 17, 0), absl::UTCTimeZone());
  const ItemResult too_early = Send(ancient, 10);
  EXPECT_EQ(too_early.reason, RejectReason::kInvalidField);
  EXPECT_EQ(too_early.detail,
            "arrived_at 1969-07-20T20:17:00Z is before 1970-01-01T00:00:00Z, the earliest time the engine keeps");
  EXPECT_EQ(Queue(10).totals.volume[static_cast<int>(EventKind::kArrived)], 0u);
}

TEST_F(RecordTest, RecordOpensAContactThatLaterEventsContinue) {
  ASSERT_TRUE(Send(Record("a", 0), 1).accepted());
  Event answered = testing::MakeEvent(EventKind::kAnswered, "a", 25);
  answered.source = "crm";
  ASSERT_TRUE(engine_.ApplyOne(answered, At(25)).accepted());
  EXPECT_EQ(Queue(25).totals.outcomes[AnswerOutcome::kAnsweredLate], 1u);
}

}  // namespace
}  // namespace slamon::engine
