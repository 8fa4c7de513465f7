// Contact records (sla-semantics §9): a record is turned into the events it
// implies, minus what the contact already knows. A version that changes a
// known timestamp is rejected whole, before anything is applied.
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/duration.h"
#include "daemon/engine/shard.h"

namespace slamon::engine {
namespace {

// A record timestamp against the contact's: unknown to one side is fine,
// known to both must agree.
bool Conflicts(const std::optional<absl::Time>& record, absl::Time known, absl::Time never) {
  return record && known != never && *record != known;
}

}  // namespace

ItemResult Shard::ApplyRecord(const ContactRecord& r, size_t contact_hash, const PolicySet& policies,
                              absl::Time now) {
  AdvanceClock(now);
  health_.records_received += 1;
  if (r.contact_id.empty() || r.channel.empty() || r.queue.empty() ||
      r.arrived_at == absl::InfinitePast()) {
    return Reject(RejectReason::kMissingField,
                  "contact_id, channel, queue and arrived_at are required");
  }
  // The other timestamps are checked against arrived_at below.
  if (r.arrived_at < kEarliestTime) {
    return Reject(RejectReason::kInvalidField, TooEarly("arrived_at", r.arrived_at));
  }
  const int outcomes = (r.answered_at ? 1 : 0) + (r.abandoned_at ? 1 : 0) + (r.flowed_out_at ? 1 : 0);
  if (outcomes > 1) {
    return Reject(RejectReason::kInvalidField,
                  "answered_at, abandoned_at and flowed_out_at exclude each other");
  }
  if (r.csat && (*r.csat < 1 || *r.csat > 5)) {
    return Reject(RejectReason::kInvalidField, absl::StrCat("csat ", *r.csat, " is not within 1..5"));
  }
  for (const std::optional<absl::Time>* t :
       {&r.acknowledged_at, &r.answered_at, &r.abandoned_at, &r.flowed_out_at, &r.handle_ended_at,
        &r.wrapup_ended_at, &r.resolved_at, &r.closed_at}) {
    if (!*t) continue;
    if (**t < r.arrived_at) {
      return Reject(RejectReason::kBeforeArrival,
                    absl::StrCat(FormatRfc3339(**t), " is before arrived_at ",
                                 FormatRfc3339(r.arrived_at)));
    }
    if (**t > now + options_.future_tolerance) {
      return Reject(RejectReason::kFutureTimestamp,
                    absl::StrCat(FormatRfc3339(**t), " is ahead of the daemon clock"));
    }
  }
  if ((r.handle_ended_at || r.wrapup_ended_at) && !r.answered_at) {
    return Reject(RejectReason::kNotAnswered, "handle_ended_at/wrapup_ended_at without answered_at");
  }
  for (const std::optional<absl::Time>* t : {&r.handle_ended_at, &r.wrapup_ended_at}) {
    if (*t && **t < *r.answered_at) {
      return Reject(RejectReason::kBeforeAnswer, "handle or wrap-up end before answered_at");
    }
  }

  auto it = contacts_.find(ContactKeyView{r.source, r.contact_id, contact_hash});
  const bool known = it != contacts_.end();
  if (known) {
    const Contact& c = it->second;
    // The end slamon gave up waiting for: refused as the event would be.
    if (IsGivenUp(c) && (r.answered_at || r.abandoned_at || r.flowed_out_at)) {
      return Reject(RejectReason::kNotWaiting, GivenUpDetail(c, "a record with the end of the wait", r.contact_id));
    }
    const bool same_place =
        c.stats->key().channel == r.channel && (c.stats->key().queue == r.queue);
    const bool conflict =
        !same_place || c.arrived_at != r.arrived_at ||
        Conflicts(r.acknowledged_at, c.acknowledged_at, kNever) ||
        Conflicts(r.answered_at, c.answered_at, kNever) ||
        Conflicts(r.handle_ended_at, c.handle_ended_at, kNever) ||
        Conflicts(r.wrapup_ended_at, c.wrapup_ended_at, kNever) ||
        Conflicts(r.resolved_at, c.resolved_at, kNever) ||
        Conflicts(r.closed_at, c.closed_at, kNever) ||
        (r.answered_at && c.stage == Stage::kUnanswered) ||
        ((r.abandoned_at || r.flowed_out_at) && c.stage == Stage::kAnswered) ||
        Conflicts(r.abandoned_at ? r.abandoned_at : r.flowed_out_at, c.unanswered_at, kNever) ||
        (r.abandoned_at && c.stage == Stage::kUnanswered && c.answer_end != AnswerEnd::kAbandoned) ||
        (r.flowed_out_at && c.stage == Stage::kUnanswered && c.answer_end != AnswerEnd::kFlowedOut);
    if (conflict) {
      return Reject(RejectReason::kConflictingRecord,
                    absl::StrCat("record for contact '", r.contact_id,
                                 "' changes what an earlier version said"));
    }
  }

  // The events this version adds, in the order the state machine needs.
  std::vector<EventView> events;
  auto add = [&](EventKind kind, absl::Time at) {
    EventView e;
    e.kind = kind;
    e.source = r.source;
    e.contact_id = r.contact_id;
    e.occurred_at = at;
    events.push_back(e);
    return &events.back();
  };
  const Contact* c = known ? &it->second : nullptr;
  if (!known) {
    EventView* e = add(EventKind::kArrived, r.arrived_at);
    e->queue = r.queue;
    e->channel = r.channel;
    e->priority = r.priority;
    e->category = r.category;
    e->customer_id = r.customer_id;
  }
  if (r.acknowledged_at && (!c || c->acknowledged_at == kNever)) add(EventKind::kAcknowledged, *r.acknowledged_at);
  const bool answer_known = c && c->stage != Stage::kWaiting;
  if (r.answered_at && !answer_known) add(EventKind::kAnswered, *r.answered_at)->agent = r.agent;
  if (r.abandoned_at && !answer_known) add(EventKind::kAbandoned, *r.abandoned_at);
  if (r.flowed_out_at && !answer_known) {
    add(EventKind::kFlowedOut, *r.flowed_out_at)->flow_out_reason = r.flow_out_reason;
  }
  if (r.handle_ended_at && (!c || c->handle_ended_at == kNever)) add(EventKind::kHandleEnded, *r.handle_ended_at);
  if (r.wrapup_ended_at && (!c || c->wrapup_ended_at == kNever)) add(EventKind::kWrapupEnded, *r.wrapup_ended_at);
  if (r.resolved_at && (!c || c->resolved_at == kNever)) {
    add(EventKind::kResolved, *r.resolved_at)->first_contact_resolution = r.first_contact_resolution;
  }
  if (r.closed_at && (!c || c->closed_at == kNever)) add(EventKind::kClosed, *r.closed_at);
  if (r.csat && (!c || !c->surveyed)) {
    EventView* e = add(EventKind::kSurveyed, events.empty() ? r.arrived_at : events.back().occurred_at);
    e->csat_score = *r.csat;
    e->csat_scale = 5;
  }
  if (events.empty()) {
    health_.duplicates += 1;
    return ItemResult::Duplicate();
  }
  for (const EventView& e : events) {
    Attempt attempt = TryApply(e, contact_hash, policies, now);
    // Validated above, so the state machine accepts every event; a refusal
    // here means the record and the contact disagree in a way not checked.
    if (attempt.kind != Attempt::Kind::kApplied) {
      return Reject(attempt.reason == RejectReason::kUnknownContact ? RejectReason::kConflictingRecord
                                                                    : attempt.reason,
                    std::move(attempt.detail));
    }
  }
  health_.accepted += 1;
  RetryParked({r.source, r.contact_id, contact_hash}, policies, now);
  return ItemResult::Accepted();
}

}  // namespace slamon::engine
