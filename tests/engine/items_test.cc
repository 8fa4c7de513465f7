// Item-level objectives (sla-semantics §4): clocks per open contact, pauses,
// business time, warnings and breaches fired by the tick while the contact is
// still open, met/missed when the objective completes. Every expected value
// is worked by hand in the comments.
#include <algorithm>
#include <memory>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemon/engine/engine.h"
#include "gtest/gtest.h"
#include "tests/engine/test_util.h"

namespace slamon::engine {
namespace {

using testing::Arrival;
using testing::At;
using testing::FindQueue;
using testing::MakeEvent;
using testing::T0;
using testing::Zone;

constexpr int kAnswer = static_cast<int>(ObjectiveKind::kAnswer);
constexpr int kAcknowledge = static_cast<int>(ObjectiveKind::kAcknowledge);
constexpr int kNextResponse = static_cast<int>(ObjectiveKind::kNextResponse);
constexpr int kPeriodicUpdate = static_cast<int>(ObjectiveKind::kPeriodicUpdate);
constexpr int kCallback = static_cast<int>(ObjectiveKind::kCallback);
constexpr int kResolution = static_cast<int>(ObjectiveKind::kResolution);
constexpr int kOk = static_cast<int>(ItemState::kOk);
constexpr int kAtRisk = static_cast<int>(ItemState::kAtRisk);
constexpr int kBreached = static_cast<int>(ItemState::kBreached);

Objective Item(ObjectiveKind kind, absl::Duration threshold) {
  Objective o;
  o.kind = kind;
  o.threshold = threshold;
  return o;
}

Objective Business(Objective o) {
  o.basis = "office";
  o.calendar = testing::NineToFive();  // Mon-Fri 09:00-17:00 in Madrid
  return o;
}

absl::Time Madrid(int month, int day, int hour, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, month, day, hour, minute, 0), Zone("Europe/Madrid"));
}

Event EventAt(EventKind kind, std::string contact, absl::Time at) {
  Event e = MakeEvent(kind, std::move(contact), 0);
  e.occurred_at = at;
  return e;
}

class ItemsTest : public ::testing::Test {
 protected:
  void Build(std::vector<Objective> objectives, std::string channel = "email", int shards = 2) {
    Policy p;
    p.name = "cases";
    p.match.channels = {channel};
    p.objectives = std::move(objectives);
    channel_ = channel;
    EngineOptions options;
    options.reorder_allowance = absl::Seconds(5);
    options.shards = shards;
    policies_ = std::make_shared<PolicySet>(std::vector<Policy>{p}, "cases");
    engine_ = std::make_unique<Engine>(options, policies_);
  }
  // Applies at daemon time `now` (the event's own time unless given).
  void Apply(const Event& e, std::optional<absl::Time> now = std::nullopt) {
    const ItemResult r = engine_->ApplyOne(e, now.value_or(e.occurred_at));
    ASSERT_TRUE(r.accepted()) << e.contact_id << " " << EventKindName(e.kind) << ": " << r.detail;
  }
  void Arrive(const std::string& contact, absl::Time at, std::optional<absl::Time> now = std::nullopt,
              const std::string& queue = "desk") {
    Event e = Arrival(contact, 0, queue, channel_);
    e.occurred_at = at;
    Apply(e, now);
  }
  std::vector<ItemAlert> Tick(absl::Time now) {
    std::vector<ItemAlert> alerts;
    engine_->Tick(now, &alerts);
    return alerts;
  }
  QueueSnapshot Queue(absl::Time now, const std::string& queue = "desk") {
    const EngineSnapshot s = engine_->Snapshot(now);
    const QueueSnapshot* q = FindQueue(s, queue, channel_);
    EXPECT_NE(q, nullptr);
    return q != nullptr ? *q : QueueSnapshot{};
  }

  std::string channel_;
  std::shared_ptr<const PolicySet> policies_;
  std::unique_ptr<Engine> engine_;
};

// Calendar-time clocks plan in integer nanoseconds: the deadline of a
// clock started before 1970 is negative, and one past the int64 range is
// "never", not a wrapped-around instant in the past.
TEST(ItemClockTest, CalendarDeadlinesAtTheEdgesOfTheNanosecondRange) {
  const Objective twenty = Item(ObjectiveKind::kAnswer, absl::Seconds(20));
  const absl::Time in_1960 = absl::FromUnixSeconds(-315'619'200);  // 1960-01-01T00:00:00Z
  const ItemClock old(twenty, ToNanos(in_1960), ToNanos(in_1960), false);
  EXPECT_EQ(old.due_nanos(), -315'619'200LL * 1'000'000'000 + 20'000'000'000);
  EXPECT_EQ(old.next_nanos(), old.due_nanos() + 1);  // no warning point: breached 1 ns past the due time
  // 290 years from 2026 is past 2262, the end of int64 nanoseconds.
  const Objective centuries = Item(ObjectiveKind::kResolution, absl::Hours(24 * 365 * 290));
  const ItemClock late(centuries, ToNanos(T0()), ToNanos(T0()), false);
  EXPECT_EQ(late.due_nanos(), kNeverNanos);
  EXPECT_EQ(late.next_nanos(), kNeverNanos);
}

// sla-semantics §4: created 08:00, resolution 2 h, paused 09:00-09:30 ->
// deadline 10:30. Here 08:00 is At(0).
TEST_F(ItemsTest, PauseMovesTheDeadlineAndTheBreachFiresWhileOpen) {
  Objective resolution = Item(ObjectiveKind::kResolution, absl::Hours(2));
  resolution.pausable = true;
  resolution.warn.fraction = 0.75;  // 1 h 30 min used: 09:00 + 30 min run after 09:30 = 10:00
  Build({resolution});
  for (const char* c : {"c1", "c2"}) {
    Arrive(c, At(0));
    Apply(EventAt(EventKind::kPaused, c, At(3600)));
    Apply(EventAt(EventKind::kResumed, c, At(5400)));
  }
  QueueSnapshot q = Queue(At(5400));
  EXPECT_EQ(q.items[kResolution].open[kOk], 2);
  EXPECT_EQ(q.items[kResolution].nearest_due, At(9000));  // 10:30
  EXPECT_EQ(q.items[kResolution].oldest_start, At(0));

  // Warnings at 10:00, fired once the 5 s reorder allowance has passed.
  EXPECT_TRUE(Tick(At(7204)).empty());
  std::vector<ItemAlert> alerts = Tick(At(7205));
  ASSERT_EQ(alerts.size(), 2u);
  for (const ItemAlert& a : alerts) {
    EXPECT_EQ(a.kind, ItemAlert::Kind::kWarning);
    EXPECT_EQ(a.objective, ObjectiveKind::kResolution);
    EXPECT_EQ(a.at, At(7200));
    EXPECT_EQ(a.started, At(0));
    EXPECT_EQ(a.key.queue, "desk");
  }
  EXPECT_EQ(Queue(At(7205)).items[kResolution].open[kAtRisk], 2);

  // c2 resolved at 10:30 exactly: 2 h used, within.
  Apply(EventAt(EventKind::kResolved, "c2", At(9000)));
  // c1: more than 2 h used only after 10:30, and fired 5 s later.
  EXPECT_TRUE(Tick(At(9005)).empty());
  alerts = Tick(At(9006));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, ItemAlert::Kind::kBreach);
  EXPECT_EQ(alerts[0].contact_id, "c1");
  EXPECT_EQ(alerts[0].at, At(9000));
  q = Queue(At(9006));
  EXPECT_EQ(q.items[kResolution].open[kBreached], 1);  // still open
  EXPECT_EQ(q.items[kResolution].open[kOk] + q.items[kResolution].open[kAtRisk], 0);
  const ItemTotals& t = q.totals.items[kResolution];
  EXPECT_EQ(t.breaches, 1u);
  EXPECT_EQ(t.warnings, 2u);
  EXPECT_EQ(t.met, 1u);
  EXPECT_EQ(t.missed, 0u);

  // c1 resolved at 10:45: 2 h 15 min used -> missed; the breach is not
  // counted again.
  Apply(EventAt(EventKind::kResolved, "c1", At(9900)));
  EXPECT_TRUE(Tick(At(9900)).empty());
  q = Queue(At(9900));
  const ItemTotals& done = q.totals.items[kResolution];
  EXPECT_EQ(done.met, 1u);
  EXPECT_EQ(done.missed, 1u);
  EXPECT_EQ(done.breaches, 1u);
  EXPECT_EQ(done.elapsed.count, 2u);
  EXPECT_DOUBLE_EQ(done.elapsed.sum, 7200 + 8100);
  EXPECT_EQ(q.items[kResolution].open, (std::array<int64_t, 3>{0, 0, 0}));
  EXPECT_EQ(q.items[kResolution].nearest_due, absl::InfiniteFuture());
  // The windows count them where they completed.
  ASSERT_EQ(q.windows[1].name, "1h");
  EXPECT_EQ(q.windows[1].tally.items_met[kResolution], 1u);
  EXPECT_EQ(q.windows[1].tally.items_missed[kResolution], 1u);
}

// An e-mail arriving Friday 16:30 with 4 business hours (Mon-Fri 09-17) is
// due Monday 12:30; its acknowledgement is due 5 min after arrival.
TEST_F(ItemsTest, FridayEmailAnswerBreachesMondayAt1230) {
  Objective answer = Business(Item(ObjectiveKind::kAnswer, absl::Hours(4)));
  answer.goal = 0.95;
  Build({Item(ObjectiveKind::kAcknowledge, absl::Minutes(5)), answer});
  const absl::Time friday = Madrid(3, 6, 16, 30);
  Arrive("mail", friday);
  Apply(EventAt(EventKind::kAcknowledged, "mail", friday + absl::Minutes(2)));
  QueueSnapshot q = Queue(friday + absl::Minutes(2));
  EXPECT_EQ(q.totals.items[kAcknowledge].met, 1u);
  EXPECT_EQ(q.items[kAnswer].open[kOk], 1);
  EXPECT_EQ(q.items[kAnswer].nearest_due, Madrid(3, 9, 12, 30));

  EXPECT_TRUE(Tick(Madrid(3, 9, 12, 30) + absl::Seconds(5)).empty());
  const std::vector<ItemAlert> alerts = Tick(Madrid(3, 9, 12, 30) + absl::Seconds(6));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].objective, ObjectiveKind::kAnswer);
  EXPECT_EQ(alerts[0].at, Madrid(3, 9, 12, 30));
  q = Queue(Madrid(3, 9, 12, 31));
  EXPECT_EQ(q.totals.items[kAnswer].breaches, 1u);
  EXPECT_EQ(q.items[kAnswer].open[kBreached], 1);
  EXPECT_EQ(q.waiting_past_threshold, 1);

  // Answered at 13:00: answered late, and still one breach.
  Apply(EventAt(EventKind::kAnswered, "mail", Madrid(3, 9, 13)));
  q = Queue(Madrid(3, 9, 13));
  EXPECT_EQ(q.totals.outcomes[AnswerOutcome::kAnsweredLate], 1u);
  EXPECT_EQ(q.totals.items[kAnswer].breaches, 1u);
  EXPECT_EQ(q.totals.items[kAnswer].met + q.totals.items[kAnswer].missed, 0u);  // §3 outcomes instead
  EXPECT_EQ(q.items[kAnswer].open, (std::array<int64_t, 3>{0, 0, 0}));
}

// A complaint on Monday 2 March 10:00 with acknowledge 1bd (due Tuesday's
// close) and resolution 5bd (due Monday 9 March 17:00), resolved, reopened
// Friday 6 March 12:00 (a new 5bd cycle: 5 h + 4 x 8 h + 8 h = 45 business
// hours, due Friday 13 March 17:00) and resolved Monday 16 March 10:00 (46 h).
TEST_F(ItemsTest, ComplaintInBusinessDaysWithAReopenedCycle) {
  Objective ack = Business(Item(ObjectiveKind::kAcknowledge, absl::ZeroDuration()));
  ack.business_days = 1;
  Objective resolution = Business(Item(ObjectiveKind::kResolution, absl::ZeroDuration()));
  resolution.business_days = 5;
  Build({ack, resolution});
  Arrive("case", Madrid(3, 2, 10));
  QueueSnapshot q = Queue(Madrid(3, 2, 10));
  EXPECT_EQ(q.items[kAcknowledge].nearest_due, Madrid(3, 3, 17));
  EXPECT_EQ(q.items[kResolution].nearest_due, Madrid(3, 9, 17));

  Apply(EventAt(EventKind::kAcknowledged, "case", Madrid(3, 3, 16, 59)));
  Apply(EventAt(EventKind::kResolved, "case", Madrid(3, 5, 11)));
  Apply(EventAt(EventKind::kReopened, "case", Madrid(3, 6, 12)));
  q = Queue(Madrid(3, 6, 12));
  EXPECT_EQ(q.items[kResolution].nearest_due, Madrid(3, 13, 17));
  EXPECT_EQ(q.items[kResolution].oldest_start, Madrid(3, 6, 12));

  // Resolved before any tick ran past the deadline: the breach counts at
  // completion and is handed out by the next tick.
  Event resolved_again = EventAt(EventKind::kResolved, "case", Madrid(3, 16, 10));
  resolved_again.event_id = "resolved-2";
  Apply(resolved_again);
  const std::vector<ItemAlert> alerts = Tick(Madrid(3, 16, 10));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, ItemAlert::Kind::kBreach);
  EXPECT_EQ(alerts[0].at, Madrid(3, 13, 17));
  q = Queue(Madrid(3, 16, 10));
  EXPECT_EQ(q.totals.items[kAcknowledge].met, 1u);
  EXPECT_EQ(q.totals.items[kResolution].met, 1u);
  EXPECT_EQ(q.totals.items[kResolution].missed, 1u);
  EXPECT_EQ(q.totals.items[kResolution].breaches, 1u);
  // 2 days 1 h (Mon 10:00 - Thu 11:00: 7 + 8 + 8 + 2 = 25 h) and 46 h.
  EXPECT_DOUBLE_EQ(q.totals.items[kResolution].elapsed.sum, (25 + 46) * 3600.0);
}

TEST_F(ItemsTest, ResponsesUpdatesAndCallbacks) {
  Build({testing::AnswerObjective(20), Item(ObjectiveKind::kNextResponse, absl::Hours(1)),
         Item(ObjectiveKind::kPeriodicUpdate, absl::Hours(2)), Item(ObjectiveKind::kCallback, absl::Minutes(30))},
        "phone");
  // c1 leaves a voicemail after 10 s: a callback is due 30 min later, at
  // 1810 s; the agent reaches the customer at 2410 s -> missed, breached.
  Arrive("c1", At(0));
  Event voicemail = EventAt(EventKind::kFlowedOut, "c1", At(10));
  voicemail.flow_out_reason = FlowOutReason::kVoicemail;
  Apply(voicemail);
  EXPECT_EQ(Queue(At(10)).items[kCallback].nearest_due, At(1810));
  // c2 answered at 5 s: updates due every 2 h from then; the customer writes
  // at 100 s and the agent replies at 1000 s (900 s: met; the update cycle
  // 5..1000 met, the next starts at 1000); resolved at 2000 s (update cycle
  // 1000..2000 met).
  Arrive("c2", At(0));
  Apply(EventAt(EventKind::kAnswered, "c2", At(5)));
  Apply(EventAt(EventKind::kCustomerReplied, "c2", At(100)));
  EXPECT_EQ(Queue(At(100)).items[kNextResponse].nearest_due, At(3700));
  Apply(EventAt(EventKind::kAgentReplied, "c2", At(1000)));
  EXPECT_EQ(Queue(At(1000)).items[kPeriodicUpdate].nearest_due, At(8200));
  Apply(EventAt(EventKind::kResolved, "c2", At(2000)));
  Apply(EventAt(EventKind::kAgentReplied, "c1", At(2410)));

  const std::vector<ItemAlert> alerts = Tick(At(2410));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].objective, ObjectiveKind::kCallback);
  EXPECT_EQ(alerts[0].contact_id, "c1");
  EXPECT_EQ(alerts[0].at, At(1810));
  const QueueSnapshot q = Queue(At(2410));
  EXPECT_EQ(q.totals.items[kCallback].missed, 1u);
  EXPECT_EQ(q.totals.items[kCallback].breaches, 1u);
  EXPECT_EQ(q.totals.items[kNextResponse].met, 1u);
  EXPECT_EQ(q.totals.items[kPeriodicUpdate].met, 2u);
  EXPECT_EQ(q.totals.items[kPeriodicUpdate].missed, 0u);
  EXPECT_EQ(q.totals.outcomes[AnswerOutcome::kFlowedOutWithin], 1u);
  EXPECT_EQ(q.totals.outcomes[AnswerOutcome::kAnsweredWithin], 1u);
  for (const ItemGauges& g : q.items) EXPECT_EQ(g.open, (std::array<int64_t, 3>{0, 0, 0}));
}

// An item learnt after its deadline (a replayed ARRIVED from two hours ago)
// gets the reorder allowance from when it was learnt, so that the event
// completing it in time, sent right behind, still counts as met.
TEST_F(ItemsTest, ItemLearntLateWaitsTheAllowanceFromWhenItWasLearnt) {
  Build({Item(ObjectiveKind::kResolution, absl::Hours(1))});
  Arrive("c1", At(0), At(7200));
  Arrive("c2", At(0), At(7200));
  EXPECT_TRUE(Tick(At(7204)).empty());
  Apply(EventAt(EventKind::kResolved, "c1", At(1800)), At(7204));
  const std::vector<ItemAlert> alerts = Tick(At(7205));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].contact_id, "c2");
  EXPECT_EQ(alerts[0].at, At(3600));
  const QueueSnapshot q = Queue(At(7205));
  EXPECT_EQ(q.totals.items[kResolution].met, 1u);
  EXPECT_EQ(q.totals.items[kResolution].breaches, 1u);
}

TEST_F(ItemsTest, TransferMovesOpenItemsToTheNewQueue) {
  Build({testing::AnswerObjective(20), Item(ObjectiveKind::kResolution, absl::Hours(8))});
  Arrive("c1", At(0), std::nullopt, "front");
  Event transfer = EventAt(EventKind::kTransferred, "c1", At(30));
  transfer.queue = "back";
  Apply(transfer);
  const QueueSnapshot front = Queue(At(30), "front");
  const QueueSnapshot back = Queue(At(30), "back");
  EXPECT_EQ(front.items[kResolution].open[kOk], 0);
  EXPECT_EQ(back.items[kResolution].open[kOk], 1);
  EXPECT_EQ(back.items[kResolution].oldest_start, At(0));
  // The answer clock: flowed out late of the front queue (30 s > 20 s; the
  // breach counted at the transfer), a new wait in the back queue.
  EXPECT_EQ(front.totals.items[kAnswer].breaches, 1u);
  EXPECT_EQ(front.items[kAnswer].open[kOk] + front.items[kAnswer].open[kBreached], 0);
  EXPECT_EQ(back.items[kAnswer].open[kOk], 1);
  EXPECT_EQ(back.items[kAnswer].nearest_due, At(50));
}

TEST_F(ItemsTest, ResumedBeforeItsPausedWaitsForIt) {
  Objective resolution = Item(ObjectiveKind::kResolution, absl::Hours(1));
  resolution.pausable = true;
  Build({resolution});
  Arrive("c1", At(0));
  Apply(EventAt(EventKind::kResumed, "c1", At(200)));  // parked: not paused yet
  EXPECT_EQ(engine_->Snapshot(At(200)).health.pending_events, 1u);
  Apply(EventAt(EventKind::kPaused, "c1", At(100)), At(200));
  // Paused 100..200: due 3600 + 100.
  EXPECT_EQ(Queue(At(200)).items[kResolution].nearest_due, At(3700));
  EXPECT_EQ(engine_->Snapshot(At(200)).health.pending_events, 0u);
  // A second PAUSED while paused is refused.
  Event pause = EventAt(EventKind::kPaused, "c1", At(300));
  pause.event_id = "p1";
  Apply(pause);
  const ItemResult again = engine_->ApplyOne(MakeEvent(EventKind::kPaused, "c1", 400, "p2"), At(400));
  EXPECT_EQ(again.reason, RejectReason::kAlreadyRecorded);
}

// warn_at as a duration: 5 minutes before a 1 h threshold warns at 55 min.
TEST_F(ItemsTest, WarningPointAsADurationBeforeTheThreshold) {
  Objective next = Item(ObjectiveKind::kNextResponse, absl::Hours(1));
  next.warn.before = absl::Minutes(5);
  Build({next});
  Arrive("c1", At(0));
  Apply(EventAt(EventKind::kCustomerReplied, "c1", At(100)));
  EXPECT_TRUE(Tick(At(100 + 3300 + 4)).empty());
  const std::vector<ItemAlert> alerts = Tick(At(100 + 3300 + 5));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, ItemAlert::Kind::kWarning);
  EXPECT_EQ(alerts[0].at, At(3400));
  EXPECT_EQ(Queue(At(3405)).items[kNextResponse].open[kAtRisk], 1);
  // Replied at 58 min: met, and no breach.
  Apply(EventAt(EventKind::kAgentReplied, "c1", At(100 + 3480)));
  EXPECT_TRUE(Tick(At(8000)).empty());
  EXPECT_EQ(Queue(At(8000)).totals.items[kNextResponse].met, 1u);
  EXPECT_EQ(Queue(At(8000)).totals.items[kNextResponse].breaches, 0u);
}

TEST_F(ItemsTest, EscalationsAreCountedByLevel) {
  Build({Item(ObjectiveKind::kResolution, absl::Hours(8))});
  Arrive("c1", At(0));
  int n = 0;
  for (int level : {0, 1, 2, 9}) {
    Event e = MakeEvent(EventKind::kEscalated, "c1", 10, "esc" + std::to_string(n++));
    e.escalation_level = level;
    Apply(e);
  }
  Event bad = MakeEvent(EventKind::kEscalated, "c1", 10, "esc-bad");
  bad.escalation_level = 10;
  EXPECT_EQ(engine_->ApplyOne(bad, At(10)).reason, RejectReason::kInvalidField);
  const QueueSnapshot q = Queue(At(10));
  EXPECT_EQ(q.totals.escalations, (std::array<uint64_t, kEscalationLevels>{2, 1, 0, 0, 0, 0, 0, 0, 1}));
}

TEST_F(ItemsTest, OpenItemsKeepTheirContactPastTheRetention) {
  Build({Item(ObjectiveKind::kResolution, absl::Hours(48))});
  Arrive("c1", At(0));
  Apply(EventAt(EventKind::kAnswered, "c1", At(10)));
  // Contact retention is 1 h after the last event; the case is still open.
  Tick(At(3 * 3600));
  EXPECT_EQ(engine_->Snapshot(At(3 * 3600)).health.open_contacts, 1u);
  Apply(EventAt(EventKind::kResolved, "c1", At(4 * 3600)));
  Tick(At(6 * 3600));
  EXPECT_EQ(engine_->Snapshot(At(6 * 3600)).health.open_contacts, 0u);
  EXPECT_EQ(Queue(At(6 * 3600)).totals.items[kResolution].met, 1u);
}

// Deadline entries outlive their contacts. c1 and c2 (arriving at 0 and
// 1 h, answered at once, resolved at 4 h) are erased at the 6 h tick while
// their warning entries (80 % of 48 h = 38.4 h after arrival, + 5 s) wait in
// the index. c1's comes up while nothing has its place; c3 arrives in
// between, in a place one of them had; c2's then comes up. Neither stale
// entry fires anything; c3's own warning fires once.
TEST_F(ItemsTest, DeadlineEntriesLeftByErasedContactsFireNothing) {
  Objective resolution = Item(ObjectiveKind::kResolution, absl::Hours(48));
  resolution.warn.fraction = 0.8;
  Build({resolution}, "email", 1);
  for (int i : {1, 2}) {
    const std::string id = "c" + std::to_string(i);
    const double arrival = (i - 1) * 3600;
    Arrive(id, At(arrival));
    Apply(EventAt(EventKind::kAnswered, id, At(arrival + 10)));
    Apply(EventAt(EventKind::kResolved, id, At(4 * 3600)));
  }
  EXPECT_TRUE(Tick(At(6 * 3600)).empty());
  ASSERT_EQ(engine_->Snapshot(At(6 * 3600)).health.open_contacts, 0u);
  EXPECT_TRUE(Tick(At(39 * 3600)).empty());  // c1's entry: 38.4 h + 5 s
  Arrive("c3", At(39 * 3600));
  EXPECT_TRUE(Tick(At(40 * 3600)).empty());  // c2's entry: 39.4 h + 5 s
  const std::vector<ItemAlert> alerts = Tick(At(78 * 3600));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, ItemAlert::Kind::kWarning);
  EXPECT_EQ(alerts[0].contact_id, "c3");
  EXPECT_EQ(alerts[0].at, At(39 * 3600 + 0.8 * 48 * 3600));
  EXPECT_EQ(Queue(At(78 * 3600)).items[kResolution].open[kAtRisk], 1);
}

// Saved state carries the clocks: a loaded engine fires the same alerts and
// ends with the same figures as the original.
TEST_F(ItemsTest, SavedStateCarriesRunningAndPausedClocks) {
  Objective resolution = Item(ObjectiveKind::kResolution, absl::Hours(2));
  resolution.pausable = true;
  resolution.warn.fraction = 0.5;
  Build({Item(ObjectiveKind::kAcknowledge, absl::Minutes(10)), resolution});
  Arrive("c1", At(0));
  Arrive("c2", At(60));
  Apply(EventAt(EventKind::kPaused, "c2", At(120)));
  Tick(At(700));

  Engine copy(engine_->options(), policies_);
  const auto decode = [this](absl::string_view) -> absl::StatusOr<std::shared_ptr<const PolicySet>> {
    return policies_;
  };
  ASSERT_TRUE(copy.LoadState(engine_->SaveState(), decode).ok());
  EXPECT_EQ(copy.Snapshot(At(700)), engine_->Snapshot(At(700)));

  for (Engine* e : {engine_.get(), &copy}) {
    e->ApplyOne(EventAt(EventKind::kResumed, "c2", At(1000)), At(1000));
  }
  std::vector<ItemAlert> original, loaded;
  engine_->Tick(At(9000), &original);
  copy.Tick(At(9000), &loaded);
  // c1: ack due 600 (fired at the 700 tick, before the save); c1 warning at
  // 3600, breach at 7200; c2 ack missed already at 700 (due 660); c2
  // resolution: 60 s used before the pause, resumed at 1000: warning at
  // 1000 + 3540 = 4540, breach at 1000 + 7140 = 8140.
  ASSERT_EQ(original.size(), 4u);
  EXPECT_EQ(loaded, original);
  EXPECT_EQ(copy.Snapshot(At(9000)), engine_->Snapshot(At(9000)));
  const QueueSnapshot q = Queue(At(9000));
  EXPECT_EQ(q.totals.items[kAcknowledge].breaches, 2u);
  EXPECT_EQ(q.totals.items[kResolution].breaches, 2u);
  EXPECT_EQ(q.items[kResolution].open[kBreached], 2);
}

// Random timelines of every event kind over every objective (calendar and
// business time, pauses, transfers, reopens), applied in time order with a
// tick now and then. Whatever happens, once every contact is closed: no item is
// left open, and every late cycle was one breach - breaches equal missed
// cycles (for answer: late outcomes and waits given up on after 3 h).
TEST_F(ItemsTest, RandomTimelinesKeepTheBooksBalanced) {
  Objective answer = testing::AnswerObjective(60, 5);
  answer.warn.fraction = 0.5;
  answer.give_up_after = absl::Hours(3);
  Objective ack = Item(ObjectiveKind::kAcknowledge, absl::Minutes(2));
  Objective next = Business(Item(ObjectiveKind::kNextResponse, absl::Minutes(30)));
  next.pausable = true;
  Objective update = Item(ObjectiveKind::kPeriodicUpdate, absl::Minutes(20));
  update.warn.before = absl::Minutes(5);
  Objective callback = Item(ObjectiveKind::kCallback, absl::Minutes(10));
  Objective resolution = Business(Item(ObjectiveKind::kResolution, absl::ZeroDuration()));
  resolution.business_days = 1;
  resolution.pausable = true;
  resolution.warn.fraction = 0.8;
  Build({answer, ack, next, update, callback, resolution});
  std::mt19937_64 rng(20261122);
  const EventKind kinds[] = {EventKind::kAcknowledged, EventKind::kAnswered,       EventKind::kAbandoned,
                             EventKind::kFlowedOut,    EventKind::kTransferred,    EventKind::kCustomerReplied,
                             EventKind::kAgentReplied, EventKind::kPaused,         EventKind::kResumed,
                             EventKind::kEscalated,    EventKind::kResolved,       EventKind::kReopened};
  std::vector<Event> events;
  const absl::Time start = Madrid(3, 2, 8);  // a Monday
  for (int c = 0; c < 400; ++c) {
    const std::string id = absl::StrCat("r", c);
    absl::Time t = start + absl::Seconds(std::uniform_int_distribution<int>(0, 86400)(rng));
    Event arrival = Arrival(id, 0, c % 2 == 0 ? "desk" : "back", channel_);
    arrival.occurred_at = t;
    events.push_back(arrival);
    const int steps = std::uniform_int_distribution<int>(0, 12)(rng);
    for (int i = 0; i < steps; ++i) {
      t += absl::Seconds(std::uniform_int_distribution<int>(1, 4 * 3600)(rng));
      Event e = EventAt(kinds[std::uniform_int_distribution<size_t>(0, std::size(kinds) - 1)(rng)], id, t);
      e.event_id = absl::StrCat(id, "/", i);
      e.queue = e.kind == EventKind::kTransferred ? (i % 2 == 0 ? "back" : "desk") : "";
      e.flow_out_reason = static_cast<FlowOutReason>(std::uniform_int_distribution<int>(1, 5)(rng));
      e.escalation_level = std::uniform_int_distribution<int>(0, 3)(rng);
      events.push_back(e);
    }
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.occurred_at < b.occurred_at; });
  // Ticks every 20 minutes of event time: deadlines pass both at ticks and,
  // unfired, before late completions.
  absl::Time last_tick = absl::InfinitePast();
  for (const Event& e : events) {
    if (e.occurred_at - last_tick >= absl::Minutes(20)) engine_->Tick(last_tick = e.occurred_at);
    engine_->ApplyOne(e, e.occurred_at);  // contradictions are rejected: part of the test
  }
  const absl::Time end = events.back().occurred_at + absl::Hours(1);
  for (int c = 0; c < 400; ++c) {
    Event close = EventAt(EventKind::kClosed, absl::StrCat("r", c), end);
    close.event_id = absl::StrCat("r", c, "/close");
    engine_->ApplyOne(close, end);
  }
  engine_->Tick(end + absl::Hours(200));
  const EngineSnapshot s = engine_->Snapshot(end + absl::Hours(200));
  // A breach counts in the queue the contact is in when the deadline passes,
  // the outcome where it is when the cycle completes: compare over queues.
  std::array<uint64_t, kObjectiveKindCount> breaches{}, late{};
  uint64_t completed = 0, given_up = 0;
  for (const QueueSnapshot& q : s.queues) {
    given_up += q.totals.volume[kGivenUp];
    for (int k = 0; k < kObjectiveKindCount; ++k) {
      EXPECT_EQ(q.items[k].open, (std::array<int64_t, 3>{0, 0, 0})) << q.key.queue << " " << k;
      const ItemTotals& t = q.totals.items[k];
      breaches[k] += t.breaches;
      if (k == kAnswer) {
        const OutcomeCounts& o = q.totals.outcomes;
        late[k] += o[AnswerOutcome::kAnsweredLate] + o[AnswerOutcome::kAbandonedLate] +
                   o[AnswerOutcome::kFlowedOutLate] + q.totals.volume[kGivenUp];
      } else {
        late[k] += t.missed;
        completed += t.met + t.missed;
      }
    }
  }
  EXPECT_EQ(breaches, late);
  // The timelines did exercise the objectives.
  EXPECT_GT(completed, 500u);
  EXPECT_GT(given_up, 10u);
  EXPECT_GT(late[kAcknowledge] + late[kResolution] + late[kCallback] + late[kNextResponse] + late[kPeriodicUpdate], 100u);
  // Once closed and their items done, contacts are forgotten after the retention.
  EXPECT_EQ(s.health.open_contacts, 0u);
}

}  // namespace
}  // namespace slamon::engine
