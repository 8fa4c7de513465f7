#include "daemon/engine/shard.h"

#include <algorithm>
#include <iterator>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "daemon/engine/seconds.h"
#include "common/duration.h"

namespace slamon::engine {
namespace {

using Attempt = Shard::Attempt;

bool IsValidName(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
  });
}

Attempt Applied() { return {Attempt::Kind::kApplied}; }
Attempt Rejected(RejectReason reason, std::string detail) {
  return {Attempt::Kind::kRejected, reason, std::move(detail)};
}
Attempt NotYet(RejectReason reason, std::string detail) {
  return {Attempt::Kind::kPark, reason, std::move(detail)};
}

}  // namespace

Shard::Shard(const EngineOptions& options, int shard_count)
    : options_(options),
      allowance_nanos_(absl::ToInt64Nanoseconds(options.reorder_allowance)),
      max_parked_(std::max<size_t>(1, options.max_pending_events / shard_count)),
      dedup_(options.dedup_window, std::max<size_t>(1, options.dedup_max_entries / shard_count)) {}

ItemResult Shard::Reject(RejectReason reason, std::string detail) {
  CountRejection(reason);
  return ItemResult::Rejected(reason, std::move(detail));
}

std::string Shard::TooEarly(absl::string_view field, absl::Time at) {
  return absl::StrCat(field, " ", FormatRfc3339(at), " is before ", FormatRfc3339(kEarliestTime),
                      ", the earliest time the engine keeps");
}

void Shard::AdvanceClock(absl::Time now) {
  if (now <= now_) return;
  SetNow(now);
  for (auto& [zone, clock] : period_clocks_) clock.Advance(now_);
}

const Shard::ApplyClock& Shard::ClockFor(absl::Time now) {
  if (now != apply_clock_.now) {
    apply_clock_ = {now, ToNanos(now), now + options_.future_tolerance, now + options_.contact_retention};
  }
  return apply_clock_;
}

ItemResult Shard::Apply(const EventView& event, const EventKeys& keys, const PolicySet& policies,
                        absl::Time now) {
  const size_t contact_hash = keys.contact_hash;
  AdvanceClock(now);
  const ApplyClock& clock = ClockFor(now);
  health_.events_received += 1;
  if (event.source.empty() || event.event_id.empty() || event.contact_id.empty()) {
    return Reject(RejectReason::kMissingField, "source, event_id and contact_id are required");
  }
  if (event.occurred_at < kEarliestTime) {
    return Reject(RejectReason::kInvalidField, TooEarly("occurred_at", event.occurred_at));
  }
  if (event.occurred_at > clock.future_limit) {
    return Reject(RejectReason::kFutureTimestamp,
                  absl::StrCat("occurred_at ", FormatRfc3339(event.occurred_at),
                               " is more than ", absl::FormatDuration(options_.future_tolerance),
                               " ahead of the daemon clock"));
  }
  if (!dedup_.Insert(keys.event_id, clock.nanos)) {
    health_.duplicates += 1;
    return ItemResult::Duplicate();
  }
  Attempt attempt = TryApply(event, contact_hash, policies, now);
  switch (attempt.kind) {
    case Attempt::Kind::kApplied:
      health_.accepted += 1;
      RetryParked({event.source, event.contact_id, contact_hash}, policies, now);
      return ItemResult::Accepted();
    case Attempt::Kind::kRejected:
      return Reject(attempt.reason, std::move(attempt.detail));
    case Attempt::Kind::kPark:
      return Park(event, contact_hash, std::move(attempt), now);
  }
  return ItemResult::Accepted();
}

ItemResult Shard::Park(const EventView& event, size_t contact_hash, Attempt attempt, absl::Time now) {
  if (options_.reorder_allowance <= absl::ZeroDuration()) {
    return Reject(attempt.reason, std::move(attempt.detail));
  }
  if (parked_count_ >= max_parked_) {
    return Reject(RejectReason::kPendingOverflow,
                  "too many events are waiting for an earlier event of their contact");
  }
  const absl::Time deadline = now + options_.reorder_allowance;
  ContactKey key{std::string(event.source), std::string(event.contact_id), contact_hash};
  parked_[key].push_back({event.As<std::string>(), deadline, attempt.reason, std::move(attempt.detail)});
  parked_order_.emplace_back(deadline, std::move(key));
  parked_count_ += 1;
  return ItemResult::Accepted();
}

void Shard::RetryParked(const ContactKeyView& key, const PolicySet& policies, absl::Time now) {
  if (parked_.empty()) return;  // the common case: no hashing at all
  auto it = parked_.find(key);
  if (it == parked_.end()) return;
  std::vector<Parked>& list = it->second;
  std::stable_sort(list.begin(), list.end(), [](const Parked& a, const Parked& b) {
    return a.event.occurred_at < b.event.occurred_at;
  });
  // One applied event may enable another (ANSWERED, then WRAPUP_ENDED).
  for (bool progress = true; progress && !list.empty();) {
    progress = false;
    for (size_t i = 0; i < list.size();) {
      Attempt attempt = TryApply(list[i].event.As<absl::string_view>(), key.hash, policies, now);
      if (attempt.kind == Attempt::Kind::kPark) {
        list[i].reason = attempt.reason;
        list[i].detail = std::move(attempt.detail);
        ++i;
        continue;
      }
      if (attempt.kind == Attempt::Kind::kApplied) {
        health_.accepted += 1;
      } else {
        CountRejection(attempt.reason);
      }
      list.erase(list.begin() + static_cast<ptrdiff_t>(i));
      parked_count_ -= 1;
      progress = true;
    }
  }
  if (list.empty()) parked_.erase(it);
}

Attempt Shard::TryApply(const EventView& event, size_t contact_hash, const PolicySet& policies,
                        absl::Time now) {
  if (event.kind == EventKind::kArrived) return Arrive(event, contact_hash, policies, now);
  auto it = contacts_.find(ContactKeyView{event.source, event.contact_id, contact_hash});
  if (it == contacts_.end()) {
    return NotYet(RejectReason::kUnknownContact,
                  absl::StrCat("no ARRIVED for contact '", event.contact_id, "' of source '",
                               event.source, "'"));
  }
  Contact& contact = it->second;
  const Nanos at = ToNanos(event.occurred_at);
  if (at < contact.arrived_at.nanos()) {
    return Rejected(RejectReason::kBeforeArrival,
                    absl::StrCat(EventKindName(event.kind), " at ",
                                 FormatRfc3339(event.occurred_at), " is before the arrival at ",
                                 FormatRfc3339(contact.arrived_at)));
  }
  Attempt attempt = Transition(contact, event, at);
  if (attempt.kind == Attempt::Kind::kApplied) {
    const ApplyClock& clock = ClockFor(now);
    contact.last_touched = PackedTime::OfNanos(clock.nanos);
    ForgetAt(contact, clock.expiry);
    ScheduleItems(*it);
  }
  return attempt;
}

Attempt Shard::Arrive(const EventView& event, size_t contact_hash, const PolicySet& policies,
                      absl::Time now) {
  if (event.queue.empty() || event.channel.empty()) {
    return Rejected(RejectReason::kMissingField, "ARRIVED needs queue and channel");
  }
  if (!IsValidName(event.channel)) {
    return Rejected(RejectReason::kInvalidField,
                    absl::StrCat("channel '", event.channel,
                                 "' is not a lowercase name such as phone, email, chat"));
  }
  auto [entry, added] =
      AddContact(ContactKey{std::string(event.source), std::string(event.contact_id), contact_hash}, Contact());
  if (!added) {
    return Rejected(RejectReason::kAlreadyOpen,
                    absl::StrCat("contact '", event.contact_id, "' is already open"));
  }
  const Policy* policy = policies.Match(event.queue, event.channel, event.category,
                                        event.priority);
  QueueStats* stats = StatsFor(event.queue, event.channel, policy);
  Contact& contact = entry->second;
  contact.policy = policy;
  contact.stats = stats;
  contact.arrived_at = contact.segment_start = event.occurred_at;
  contact.last_touched = PackedTime::OfNanos(ClockFor(now).nanos);
  stats->totals().volume[static_cast<int>(EventKind::kArrived)] += 1;
  stats->StartWaiting(contact.segment_start);  // as stored: StopWaiting finds it by that value
  constexpr ObjectiveKind kStartedAtArrival[] = {ObjectiveKind::kAnswer, ObjectiveKind::kAcknowledge,
                                                  ObjectiveKind::kResolution};
  const auto starting = std::count_if(std::begin(kStartedAtArrival), std::end(kStartedAtArrival),
                                      [&](ObjectiveKind kind) { return ObjectiveOf(contact, kind) != nullptr; });
  // One block of their exact number: three would otherwise grow it to four.
  if (starting > 1) contact.clocks.reserve(static_cast<size_t>(starting));
  for (ObjectiveKind kind : kStartedAtArrival) StartItem(contact, kind, contact.arrived_at.nanos());
  ScheduleItems(*entry);
  return Applied();
}

QueueStats* Shard::StatsFor(absl::string_view queue, absl::string_view channel,
                            const Policy* policy) {
  const absl::string_view policy_name = policy != nullptr ? absl::string_view(policy->name) : "";
  auto it = stats_.find(QueueKeyView{queue, channel, policy_name});
  if (it == stats_.end()) {
    return AddStats(QueueKey{std::string(queue), std::string(channel), std::string(policy_name)}, policy);
  }
  return &it->second;
}

QueueStats* Shard::AddStats(QueueKey key, const Policy* policy) {
  const absl::TimeZone zone = policy != nullptr ? policy->time_zone : absl::UTCTimeZone();
  auto [clock, added] = period_clocks_.try_emplace(zone.name(), options_.windows, zone);
  if (added) clock->second.Advance(now_);
  auto [it, inserted] = stats_.try_emplace(key, key, policy, options_.windows, &clock->second);
  SLAMON_CHECK(inserted);
  it->second.Advance(now_);
  return &it->second;
}

void Shard::ForgetAt(Contact& contact, PackedTime at) {
  // Open items keep a contact: a case is remembered until it is resolved.
  if (contact.stage == Stage::kWaiting || !contact.clocks.empty() || contact.expiry_scheduled) return;
  contact.expiry_scheduled = true;
  expiry_order_.emplace_back(at, RefOf(contact));
}

Attempt Shard::Transition(Contact& contact, const EventView& event, Nanos at) {
  QueueTotals& totals = contact.stats->totals();
  auto count = [&totals](int volume_index) {
    totals.volume[volume_index] += 1;
    return Applied();
  };
  const int kind_index = static_cast<int>(event.kind);
  switch (event.kind) {
    case EventKind::kArrived:
      break;  // handled by Arrive
    case EventKind::kAnswered:
    case EventKind::kAbandoned:
    case EventKind::kFlowedOut: {
      if (contact.stage != Stage::kWaiting) {
        if (event.kind == EventKind::kAnswered && !event.queue.empty() &&
            event.queue != contact.stats->key().queue) {
          return NotYet(RejectReason::kNotWaiting,
                        absl::StrCat("answered in queue '", event.queue,
                                     "' but no transfer to it was seen"));
        }
        if (IsGivenUp(contact)) {
          return Rejected(RejectReason::kNotWaiting,
                          GivenUpDetail(contact, EventKindName(event.kind), event.contact_id));
        }
        return Rejected(RejectReason::kNotWaiting,
                        absl::StrCat(EventKindName(event.kind), " for contact '",
                                     event.contact_id, "', which is not waiting in a queue"));
      }
      if (at < contact.segment_start.nanos()) {
        return Rejected(RejectReason::kBeforeArrival,
                        absl::StrCat(EventKindName(event.kind), " is before the contact entered "
                                     "queue '", contact.stats->key().queue, "'"));
      }
      const AnswerEnd end = event.kind == EventKind::kAnswered    ? AnswerEnd::kAnswered
                            : event.kind == EventKind::kAbandoned ? AnswerEnd::kAbandoned
                                                                  : AnswerEnd::kFlowedOut;
      StopAnswerClock(contact, event, end, at);
      if (end == AnswerEnd::kAnswered) {
        // A human answer acknowledges too; updates are due from now on.
        CompleteItem(contact, event, ObjectiveKind::kAcknowledge, at);
        if (!contact.resolved) StartItem(contact, ObjectiveKind::kPeriodicUpdate, at);
      } else if (event.kind == EventKind::kFlowedOut &&
                 (event.flow_out_reason == FlowOutReason::kCallbackRequested ||
                  event.flow_out_reason == FlowOutReason::kVoicemail)) {
        StartItem(contact, ObjectiveKind::kCallback, at);
      }
      return count(kind_index);
    }
    case EventKind::kTransferred: {
      if (event.queue.empty()) {
        return Rejected(RejectReason::kMissingField, "TRANSFERRED needs the new queue");
      }
      if (at < contact.segment_start.nanos()) {
        return Rejected(RejectReason::kBeforeArrival,
                        "TRANSFERRED is before the contact entered its current queue");
      }
      if (contact.stage == Stage::kWaiting) StopAnswerClock(contact, event, AnswerEnd::kFlowedOut, at);
      totals.volume[kind_index] += 1;
      QueueStats* next = StatsFor(event.queue, contact.stats->key().channel, contact.policy);
      MoveItems(contact, next);
      contact.stats = next;
      contact.stats->totals().volume[kTransferredIn] += 1;
      contact.segment_start = PackedTime::OfNanos(at);
      contact.stats->StartWaiting(contact.segment_start);
      contact.stage = Stage::kWaiting;
      StartItem(contact, ObjectiveKind::kAnswer, at);
      contact.answered_at = contact.unanswered_at = kNever;
      contact.handle_ended_at = contact.wrapup_ended_at = kNever;
      return Applied();
    }
    case EventKind::kHandleEnded:
    case EventKind::kWrapupEnded: {
      if (contact.answered_at.is_never()) {
        std::string detail = absl::StrCat(EventKindName(event.kind), " for contact '",
                                          event.contact_id, "', which was not answered");
        if (contact.stage == Stage::kWaiting) {
          return NotYet(RejectReason::kNotAnswered, std::move(detail));
        }
        return Rejected(RejectReason::kNotAnswered, std::move(detail));
      }
      if (at < contact.answered_at.nanos()) {
        return Rejected(RejectReason::kBeforeAnswer,
                        absl::StrCat(EventKindName(event.kind), " is before the answer at ",
                                     FormatRfc3339(contact.answered_at)));
      }
      PackedTime& recorded = event.kind == EventKind::kHandleEnded ? contact.handle_ended_at
                                                                   : contact.wrapup_ended_at;
      if (!recorded.is_never()) {
        return Rejected(RejectReason::kAlreadyRecorded,
                        absl::StrCat(EventKindName(event.kind), " was already recorded"));
      }
      recorded = PackedTime::OfNanos(at);
      if (event.kind == EventKind::kWrapupEnded) {
        totals.handle.Observe(options_.handle_buckets,
                              Seconds(at - contact.answered_at.nanos()));
      }
      return count(kind_index);
    }
    case EventKind::kResolved:
      if (contact.resolved) {
        return Rejected(RejectReason::kAlreadyRecorded, "contact is already resolved");
      }
      contact.resolved = true;
      contact.resolved_at = PackedTime::OfNanos(at);
      CompleteOpenItems(contact, event, at);
      totals.resolved += 1;
      if (event.first_contact_resolution) totals.resolved_first_contact += 1;
      return count(kind_index);
    case EventKind::kReopened:
      if (!contact.resolved) {
        return Rejected(RejectReason::kNotResolved, "REOPENED for a contact that is not resolved");
      }
      contact.resolved = false;
      // A new resolution cycle, with updates due again if it was answered.
      StartItem(contact, ObjectiveKind::kResolution, at);
      if (!contact.answered_at.is_never()) StartItem(contact, ObjectiveKind::kPeriodicUpdate, at);
      return count(kind_index);
    case EventKind::kClosed:
      if (!contact.closed_at.is_never()) {
        return Rejected(RejectReason::kAlreadyRecorded, "contact is already closed");
      }
      // Closed while still waiting: it left the queue unanswered.
      if (contact.stage == Stage::kWaiting) StopAnswerClock(contact, event, AnswerEnd::kFlowedOut, at);
      contact.closed_at = PackedTime::OfNanos(at);
      CompleteOpenItems(contact, event, at);
      return count(kind_index);
    case EventKind::kSurveyed: {
      const double scale = event.csat_scale == 0 ? 5 : event.csat_scale;
      if (scale < 2 || event.csat_score < 1 || event.csat_score > scale) {
        return Rejected(RejectReason::kInvalidField,
                        absl::StrCat("csat_score ", event.csat_score, " is not within 1..",
                                     scale));
      }
      if (contact.surveyed) {
        return Rejected(RejectReason::kAlreadyRecorded, "contact already has a survey answer");
      }
      contact.surveyed = true;
      // Normalised to a 5-point scale; the top two points are 4 and 5.
      const double on_five = 1 + (event.csat_score - 1) * 4 / (scale - 1);
      totals.surveyed += 1;
      totals.csat_score_sum += on_five;
      if (on_five >= 4) totals.csat_top_two += 1;
      return count(kind_index);
    }
    case EventKind::kAcknowledged:
      if (contact.acknowledged_at.is_never()) contact.acknowledged_at = PackedTime::OfNanos(at);
      CompleteItem(contact, event, ObjectiveKind::kAcknowledge, at);
      return count(kind_index);
    case EventKind::kCustomerReplied:
      StartItem(contact, ObjectiveKind::kNextResponse, at);
      return count(kind_index);
    case EventKind::kAgentReplied:
      CompleteItem(contact, event, ObjectiveKind::kNextResponse, at);
      CompleteItem(contact, event, ObjectiveKind::kCallback, at);
      // Each update restarts the update clock.
      if (RunningClock(contact, ObjectiveKind::kPeriodicUpdate) != nullptr) {
        CompleteItem(contact, event, ObjectiveKind::kPeriodicUpdate, at);
        StartItem(contact, ObjectiveKind::kPeriodicUpdate, at);
      }
      return count(kind_index);
    case EventKind::kPaused:
      if (contact.paused) return Rejected(RejectReason::kAlreadyRecorded, "contact is already paused");
      contact.paused = true;
      PauseItems(contact, at);
      return count(kind_index);
    case EventKind::kResumed:
      // A RESUMED overtaking its PAUSED waits for it.
      if (!contact.paused) return NotYet(RejectReason::kNotPaused, "RESUMED for a contact that is not paused");
      contact.paused = false;
      ResumeItems(contact, at);
      return count(kind_index);
    case EventKind::kEscalated: {
      if (event.escalation_level < 0 || event.escalation_level > kEscalationLevels) {
        return Rejected(RejectReason::kInvalidField,
                        absl::StrCat("escalation_level ", event.escalation_level, " is not within 0..",
                                     kEscalationLevels));
      }
      totals.escalations[std::max(event.escalation_level, 1) - 1] += 1;
      return count(kind_index);
    }
  }
  SLAMON_CHECK(false && "unhandled event kind");
  return Applied();
}

void Shard::Tick(absl::Time now, std::vector<ItemAlert>* alerts) {
  AdvanceClock(now);
  // The event path's alerts first: they happened before this tick's.
  if (alerts != nullptr) {
    alerts->insert(alerts->end(), std::make_move_iterator(alerts_.begin()), std::make_move_iterator(alerts_.end()));
  }
  if (alerts_.capacity() > kAlertsKept) {
    std::vector<ItemAlert>().swap(alerts_);
  } else {
    alerts_.clear();
  }
  const Nanos now_ns = ToNanos(now_);
  while (!deadlines_.empty() && deadlines_.front().fire <= now_ns) {
    std::pop_heap(deadlines_.begin(), deadlines_.end(), std::greater<>());
    const Deadline due = deadlines_.back();
    deadlines_.pop_back();
    ContactMap::value_type* entry = Resolve(due.contact);
    if (entry != nullptr && entry->second.scheduled == due.fire) FireItems(*entry, now_ns, alerts);
  }
  while (!parked_order_.empty() && parked_order_.front().first <= now_) {
    auto it = parked_.find(parked_order_.front().second);
    parked_order_.pop_front();
    if (it == parked_.end()) continue;
    std::vector<Parked>& list = it->second;
    const auto expired = [this](const Parked& p) { return p.deadline <= now_; };
    for (const Parked& p : list) {
      if (expired(p)) CountRejection(p.reason);
    }
    const size_t before = list.size();
    std::erase_if(list, expired);
    parked_count_ -= before - list.size();
    if (list.empty()) parked_.erase(it);
  }
  while (!expiry_order_.empty() && expiry_order_.front().first <= now_) {
    ContactMap::value_type* entry = Resolve(expiry_order_.front().second);
    if (entry != nullptr) {
      Contact& contact = entry->second;
      const absl::Time due = contact.last_touched + options_.contact_retention;
      if (contact.stage == Stage::kWaiting || !contact.clocks.empty()) {
        contact.expiry_scheduled = false;  // scheduled again when it stops waiting, items closed
      } else if (due > now_) {
        expiry_order_.emplace_back(due, RefOf(contact));
      } else {
        EraseContact(*entry);
      }
    }
    expiry_order_.pop_front();
  }
  dedup_.Expire(now_);
  // Windows are not advanced here: they move on the next outcome or when a
  // snapshot reads them, so a tick costs what expires, not the queue count.
}

void Shard::Repoint(const PolicySet& policies) {
  for (auto& [key, stats] : stats_) {
    for (const Policy& p : policies.policies()) {
      if (p.name == key.policy) stats.set_policy(&p);
    }
  }
}

void Shard::Collect(absl::Time now, SnapshotMerge& into, HealthSnapshot& health) {
  AdvanceClock(now);
  const std::vector<std::string> window_names = WindowNames(options_.windows);
  // A key's figures and its snapshot entry lie anywhere in memory: both are
  // asked for ahead (the figures two keys ahead, then the entry they name).
  auto ahead = stats_.begin();
  for (int i = 0; i < 2 && ahead != stats_.end(); ++i, ++ahead) Prefetch(&ahead->second, sizeof(QueueStats));
  for (auto it = stats_.begin(); it != stats_.end(); ++it) {
    const QueueKey& key = it->first;
    QueueStats& stats = it->second;
    if (ahead != stats_.end()) {
      Prefetch(&ahead->second, sizeof(QueueStats));
      ++ahead;
    }
    if (auto next = std::next(it); next != stats_.end()) into.Prefetch(next->second.snapshot_position());
    stats.Advance(now_);
    QueueSnapshot& q = into.Find(key, stats.snapshot_position());
    if (q.windows.empty()) {
      if (stats.policy() != nullptr) {
        if (const Objective* a = stats.policy()->Find(ObjectiveKind::kAnswer)) q.answer = *a;
        q.objectives = stats.policy()->objectives;
      }
      q.windows.reserve(window_names.size());
      for (const std::string& name : window_names) q.windows.push_back({name, {}});
      q.totals = stats.totals();  // copied into the memory of the last refill
    } else {
      q.totals += stats.totals();
    }
    const auto& waiting = stats.waiting();
    q.waiting += static_cast<int64_t>(waiting.size());
    if (!waiting.empty()) q.oldest_wait = std::max(q.oldest_wait, now_ - *waiting.begin());
    if (q.answer) {
      // The answer objective's open items are the waiting contacts.
      int64_t at_risk = 0, breached = 0;
      for (absl::Time since : waiting) {  // oldest first
        const bool past_warning = q.answer->WarningReached(since, now_);
        const bool past_threshold = !q.answer->Met(since, now_);
        if (!past_warning && !past_threshold) break;  // the rest waited less
        if (past_warning) q.waiting_past_warning += 1;
        if (past_threshold) q.waiting_past_threshold += 1;
        (past_threshold ? breached : at_risk) += 1;
      }
      ItemGauges& g = q.items[static_cast<int>(ObjectiveKind::kAnswer)];
      g.open[static_cast<int>(ItemState::kOk)] += static_cast<int64_t>(waiting.size()) - at_risk - breached;
      g.open[static_cast<int>(ItemState::kAtRisk)] += at_risk;
      g.open[static_cast<int>(ItemState::kBreached)] += breached;
      if (!waiting.empty()) {
        const absl::Time oldest = *waiting.begin();
        g.oldest_start = std::min(g.oldest_start, oldest);
        g.nearest_due = std::min(g.nearest_due, q.answer->AddElapsed(oldest, q.answer->Budget(oldest)));
      }
    }
    for (int k = 0; k < kObjectiveKindCount; ++k) {
      if (static_cast<ObjectiveKind>(k) == ObjectiveKind::kAnswer) continue;
      const OpenItems& open = stats.open_items(static_cast<ObjectiveKind>(k));
      ItemGauges& g = q.items[k];
      for (int st = 0; st < kItemStateCount; ++st) g.open[st] += open.count(static_cast<ItemState>(st));
      g.oldest_start = std::min(g.oldest_start, FromNanos(open.oldest_start()));
      g.nearest_due = std::min(g.nearest_due, FromNanos(open.nearest_due()));
    }
    size_t w = 0;
    for (; w < options_.windows.rolling.size(); ++w) q.windows[w].tally += stats.rolling().Sum(w);
    q.windows[w++].tally += stats.periods().interval();
    q.windows[w].tally += stats.periods().today();
  }
  health += health_;
  health.open_contacts += contacts_.size();
  health.pending_events += parked_count_;
  health.dedup_entries += dedup_.size();
}

void Shard::CollectHistory(absl::Time from, absl::Time to, bool by_day,
                           absl::flat_hash_map<std::pair<QueueKey, absl::Time>, WindowTally>& into) const {
  for (const auto& entry : stats_) {
    const QueueKey& key = entry.first;  // not a structured binding: the lambda below takes it (clang 14)
    const PeriodWindows& periods = entry.second.periods();
    // A day starting before `from` may hold intervals after it: take the
    // intervals of the whole day, then keep the days starting in range.
    const absl::Time first = by_day ? periods.clock().DayOf(from) : from;
    const absl::Time last = by_day ? periods.clock().DayOf(to) + absl::Hours(26) : to;
    periods.ForEachInterval(first, last, [&](absl::Time interval, const WindowTally& tally) {
      const absl::Time start = by_day ? periods.clock().DayOf(interval) : interval;
      if (start >= from && start < to) into[{key, start}] += tally;
    });
  }
}

}  // namespace slamon::engine
