// Wire batches into the engine: conversion, per-item acks, and the batches
// the applier keeps for reuse (run under ThreadSanitizer in CI).
#include "daemon/ingest/batch_applier.h"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemon/ingest/convert.h"
#include "gtest/gtest.h"
#include "proto/proto_time.h"
#include "tests/engine/test_util.h"

namespace slamon::ingest {
namespace {

using engine::testing::AnswerObjective;
using engine::testing::At;
using engine::testing::FindQueue;
using engine::testing::OnePolicy;

// Ids longer than a string's inline buffer, so that reuse has capacity to keep.
v1::ContactEvent Wire(v1::EventKind kind, const std::string& contact, double at_seconds) {
  v1::ContactEvent e;
  e.set_kind(kind);
  e.set_source("contact-center-east-primary");
  e.set_contact_id(absl::StrCat("contact-with-a-long-id-", contact));
  e.set_event_id(absl::StrCat("event-with-a-long-id-", contact, "-", v1::EventKind_Name(kind)));
  SetTimestamp(At(at_seconds), e.mutable_occurred_at());
  if (kind == v1::ARRIVED) {
    e.set_queue("sales");
    e.set_channel("phone");
  }
  return e;
}

TEST(ConvertTest, EveryFieldIsSetWhenAnEventIsRefilled) {
  v1::ContactEvent full = Wire(v1::ARRIVED, "a", 0);
  full.set_priority(3);
  full.set_category("billing-disputes-tier-2");
  full.set_customer_id("customer-000000123456");
  full.set_agent("agent-with-a-long-name");
  full.set_flow_out_reason(v1::VOICEMAIL);
  full.set_first_contact_resolution(true);
  full.set_csat_score(4.5);
  full.set_csat_scale(10);
  full.set_escalation_level(2);
  v1::ContactEvent bare;
  bare.set_kind(v1::ANSWERED);
  bare.set_source("s");
  bare.set_event_id("e");
  bare.set_contact_id("c");
  SetTimestamp(At(12), bare.mutable_occurred_at());

  engine::EventView e;
  ASSERT_FALSE(ToEngine(full, &e));
  EXPECT_EQ(e.agent, "agent-with-a-long-name");
  ASSERT_FALSE(ToEngine(bare, &e));
  EXPECT_EQ(e.kind, engine::EventKind::kAnswered);
  EXPECT_EQ(e.source, "s");
  EXPECT_EQ(e.event_id, "e");
  EXPECT_EQ(e.contact_id, "c");
  EXPECT_EQ(e.occurred_at, At(12));
  EXPECT_EQ(e.queue, "");
  EXPECT_EQ(e.channel, "");
  EXPECT_EQ(e.priority, 0);
  EXPECT_EQ(e.category, "");
  EXPECT_EQ(e.customer_id, "");
  EXPECT_EQ(e.agent, "");
  EXPECT_EQ(e.flow_out_reason, engine::FlowOutReason::kUnspecified);
  EXPECT_FALSE(e.first_contact_resolution);
  EXPECT_EQ(e.csat_score, 0);
  EXPECT_EQ(e.csat_scale, 5);  // unset means the 1-5 scale
  EXPECT_EQ(e.escalation_level, 0);
  // The wire event is left as it was.
  EXPECT_EQ(full.agent(), "agent-with-a-long-name");
}

// Times that fit int64 nanoseconds are built from one count of them; the
// rest (years 0001..1677, 2262..9999) from seconds plus nanoseconds. Both
// give the instant absl's arithmetic gives, at the edges and past them.
TEST(ConvertTest, OccurredAtIsExactAcrossTheRangeOfInt64Nanoseconds) {
  for (const int64_t seconds : {int64_t{-62135596800}, int64_t{-9'000'000'001}, int64_t{-9'000'000'000}, int64_t{-1},
                                int64_t{0}, int64_t{1'772'442'000}, int64_t{9'000'000'000}, int64_t{9'000'000'001},
                                int64_t{253402300799}}) {
    for (const int32_t nanos : {0, 1, 999'999'999}) {
      v1::ContactEvent wire = Wire(v1::ARRIVED, "a", 0);
      wire.mutable_occurred_at()->set_seconds(seconds);
      wire.mutable_occurred_at()->set_nanos(nanos);
      engine::EventView e;
      ASSERT_FALSE(ToEngine(wire, &e)) << seconds;
      EXPECT_EQ(e.occurred_at, absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos)) << seconds << " " << nanos;
    }
  }
  v1::ContactEvent past_9999 = Wire(v1::ARRIVED, "a", 0);
  past_9999.mutable_occurred_at()->set_seconds(253402300800);
  engine::EventView e;
  const std::optional<ConversionError> error = ToEngine(past_9999, &e);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->detail, "occurred_at is out of range");
}

class BatchApplierTest : public ::testing::Test {
 protected:
  v1::BatchAck Apply(v1::EventBatch batch) {
    v1::BatchAck ack;
    grpc::Status status(grpc::StatusCode::UNKNOWN, "not called");
    AckReady done = [&status](const grpc::Status& s) { status = s; };
    EXPECT_TRUE(applier_.Apply(batch.SerializeAsString(), &ack, done));
    EXPECT_TRUE(status.ok()) << status.error_message();
    return ack;
  }

  engine::Engine engine_{engine::EngineOptions{}, OnePolicy(AnswerObjective(20))};
  prometheus::Registry registry_;
  BatchApplier applier_{&engine_, [] { return At(600); }, registry_};
};

TEST_F(BatchApplierTest, EachBatchAppliesItsOwnEventsOnly) {
  // The second batch is converted into the first one's events: shorter, and
  // with its failure at another index.
  v1::EventBatch first;
  first.set_sequence(1);
  *first.add_events() = Wire(v1::ARRIVED, "1", 0);
  *first.add_events() = Wire(v1::ARRIVED, "2", 1);
  *first.add_events() = Wire(v1::EVENT_KIND_UNSPECIFIED, "x", 1);
  *first.add_events() = Wire(v1::ARRIVED, "3", 2);
  v1::EventBatch second;
  second.set_sequence(2);
  v1::ContactEvent untimed = Wire(v1::ANSWERED, "2", 0);
  untimed.clear_occurred_at();
  *second.add_events() = untimed;
  *second.add_events() = Wire(v1::ANSWERED, "1", 12);

  const v1::BatchAck a = Apply(first);
  EXPECT_EQ(a.sequence(), 1u);
  EXPECT_EQ(a.accepted(), 3u);
  ASSERT_EQ(a.rejected_size(), 1);
  EXPECT_EQ(a.rejected(0).index(), 2u);
  EXPECT_EQ(a.rejected(0).reason(), "invalid_field");
  EXPECT_EQ(a.rejected(0).message(), "unknown event kind 0");

  const v1::BatchAck b = Apply(second);
  EXPECT_EQ(b.sequence(), 2u);
  EXPECT_EQ(b.accepted(), 1u);
  ASSERT_EQ(b.rejected_size(), 1);
  EXPECT_EQ(b.rejected(0).index(), 0u);
  EXPECT_EQ(b.rejected(0).reason(), "missing_field");

  const engine::EngineSnapshot s = engine_.Snapshot(At(600));
  ASSERT_EQ(s.queues.size(), 1u);
  const engine::QueueSnapshot& q = s.queues[0];
  EXPECT_EQ(q.totals.volume[static_cast<int>(engine::EventKind::kArrived)], 3u);
  EXPECT_EQ(q.totals.outcomes[engine::AnswerOutcome::kAnsweredWithin], 1u);
  EXPECT_EQ(q.waiting, 2);
  EXPECT_EQ(s.health.accepted, 4u);
  EXPECT_EQ(s.health.duplicates, 0u);
  EXPECT_EQ(s.health.rejected[static_cast<int>(engine::RejectReason::kInvalidField)], 1u);
  EXPECT_EQ(s.health.rejected[static_cast<int>(engine::RejectReason::kMissingField)], 1u);
}

// Events point into the bytes of their wire batch; one the engine keeps
// (here a transfer parked until its contact's ARRIVED) is its own copy: the
// first batch's bytes are overwritten before the ARRIVED comes.
TEST_F(BatchApplierTest, AParkedEventOutlivesTheBytesItWasReadFrom) {
  v1::EventBatch early;
  early.set_sequence(1);
  v1::ContactEvent transfer = Wire(v1::TRANSFERRED, "1", 30);
  transfer.set_queue("support");
  *early.add_events() = transfer;
  std::string wire = early.SerializeAsString();
  v1::BatchAck ack;
  AckReady done = [](const grpc::Status&) {};
  ASSERT_TRUE(applier_.Apply(wire, &ack, done));
  EXPECT_EQ(ack.accepted(), 1u);
  EXPECT_EQ(engine_.Snapshot(At(600)).health.pending_events, 1u);
  std::fill(wire.begin(), wire.end(), 'x');

  v1::EventBatch late;
  late.set_sequence(2);
  *late.add_events() = Wire(v1::ARRIVED, "1", 0);
  *late.add_events() = Wire(v1::ANSWERED, "1", 45);
  EXPECT_EQ(Apply(late).accepted(), 2u);

  const engine::EngineSnapshot s = engine_.Snapshot(At(600));
  EXPECT_EQ(s.health.pending_events, 0u);
  ASSERT_EQ(s.queues.size(), 2u);
  const engine::QueueSnapshot* sales = FindQueue(s, "sales");
  const engine::QueueSnapshot* support = FindQueue(s, "support");
  ASSERT_NE(sales, nullptr);
  ASSERT_NE(support, nullptr);
  EXPECT_EQ(sales->totals.outcomes[engine::AnswerOutcome::kFlowedOutLate], 1u);  // left after 30 s
  EXPECT_EQ(support->totals.volume[engine::kTransferredIn], 1u);
  EXPECT_EQ(support->totals.outcomes[engine::AnswerOutcome::kAnsweredWithin], 1u);  // 15 s there
  EXPECT_DOUBLE_EQ(support->totals.wait[0].sum, 15.0);
}

TEST_F(BatchApplierTest, StreamsApplyingAtOnceGiveExactTotals) {
  constexpr int kThreads = 4;
  constexpr int kBatches = 50;
  constexpr int kContactsPerBatch = 10;
  std::vector<std::thread> streams;
  for (int t = 0; t < kThreads; ++t) {
    streams.emplace_back([this, t] {
      for (int b = 0; b < kBatches; ++b) {
        v1::EventBatch batch;
        batch.set_sequence(static_cast<uint64_t>(b + 1));
        for (int c = 0; c < kContactsPerBatch; ++c) {
          const std::string id = absl::StrCat(t, "-", b, "-", c);
          *batch.add_events() = Wire(v1::ARRIVED, id, b);
          // Every other contact waits past the 20 s threshold.
          *batch.add_events() = Wire(v1::ANSWERED, id, b + (c % 2 ? 30 : 10));
        }
        EXPECT_EQ(Apply(batch).accepted(), uint32_t{2 * kContactsPerBatch});
      }
    });
  }
  for (std::thread& s : streams) s.join();
  const engine::EngineSnapshot s = engine_.Snapshot(At(600));
  ASSERT_EQ(s.queues.size(), 1u);
  constexpr uint64_t kContacts = kThreads * kBatches * kContactsPerBatch;
  EXPECT_EQ(s.queues[0].totals.volume[static_cast<int>(engine::EventKind::kArrived)], kContacts);
  EXPECT_EQ(s.queues[0].totals.outcomes[engine::AnswerOutcome::kAnsweredWithin], kContacts / 2);
  EXPECT_EQ(s.queues[0].totals.outcomes[engine::AnswerOutcome::kAnsweredLate], kContacts / 2);
  EXPECT_EQ(s.health.accepted, 2 * kContacts);
}

}  // namespace
}  // namespace slamon::ingest
