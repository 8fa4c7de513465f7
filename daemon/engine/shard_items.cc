// Item-level objectives of a shard's contacts (sla-semantics §4): starting,
// pausing and completing their clocks, and the deadline index that fires
// warnings and breaches while the contact is still open. A tick pops only
// the entries that are due: O(fired * log n). Index entries name contacts
// by slot (AddContact, EraseContact). Also how a wait in a queue ends
// (StopAnswerClock, GiveUp) and how an event finds its contact
// (ContactHash, KeysOf, PrefetchFor).
#include <algorithm>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "common/duration.h"
#include "daemon/engine/seconds.h"
#include "daemon/engine/shard.h"

namespace slamon::engine {
namespace {

WaitKind WaitKindOf(AnswerEnd end) {
  switch (end) {
    case AnswerEnd::kAnswered: return WaitKind::kAnswered;
    case AnswerEnd::kAbandoned: return WaitKind::kAbandoned;
    case AnswerEnd::kFlowedOut: return WaitKind::kFlowedOut;
    case AnswerEnd::kGivenUp: break;
  }
  SLAMON_CHECK(false && "a wait given up on is observed in no histogram");
  return WaitKind::kAnswered;
}

}  // namespace

size_t Shard::ContactHash(absl::string_view source, absl::string_view contact_id) {
  // Not absl::Hash: its seed changes from process to process, and a contact
  // must land in the same shard after a restart as in the saved state.
  return static_cast<size_t>(FingerprintOf(source, contact_id).lo);
}

Shard::EventKeys Shard::KeysOf(const EventView& event) {
  const auto [event_id, contact] = FingerprintsOf(event.source, event.event_id, event.contact_id);
  return {static_cast<size_t>(contact.lo), event_id};
}

void Shard::PrefetchFor(const EventView& event, const EventKeys& keys) const {
  dedup_.Prefetch(keys.event_id);
  contacts_.prefetch(ContactKeyView{event.source, event.contact_id, keys.contact_hash});
}

std::pair<Shard::ContactMap::value_type*, bool> Shard::AddContact(ContactKey key, Contact contact) {
  auto [it, added] = contacts_.try_emplace(std::move(key), std::move(contact));
  if (!added) return {&*it, false};
  if (free_contact_slots_.empty()) {
    it->second.slot = static_cast<uint32_t>(contact_slots_.size());
    contact_slots_.emplace_back();
  } else {
    it->second.slot = free_contact_slots_.back();
    free_contact_slots_.pop_back();
  }
  contact_slots_[it->second.slot].entry = &*it;
  return {&*it, true};
}

void Shard::EraseContact(ContactMap::value_type& entry) {
  ContactSlot& slot = contact_slots_[entry.second.slot];
  slot.entry = nullptr;
  slot.generation += 1;
  free_contact_slots_.push_back(entry.second.slot);
  contacts_.erase(contacts_.find(entry.first));
}

const Objective* Shard::ObjectiveOf(const Contact& contact, ObjectiveKind kind) const {
  return contact.policy != nullptr ? contact.policy->Find(kind) : nullptr;
}

ItemClock* Shard::RunningClock(Contact& contact, ObjectiveKind kind) {
  for (ItemClock& clock : contact.clocks) {
    if (clock.kind() == kind) return &clock;
  }
  return nullptr;
}

void Shard::StartItem(Contact& contact, ObjectiveKind kind, Nanos at) {
  const Objective* objective = ObjectiveOf(contact, kind);
  if (objective == nullptr || RunningClock(contact, kind) != nullptr) return;
  // The answer clock is a queue wait: PAUSED does not stop it.
  const bool paused = contact.paused && objective->pausable && kind != ObjectiveKind::kAnswer;
  contact.clocks.emplace_back(*objective, at, now_nanos_, paused);
  contact.stats->TrackItem(contact.clocks.back());
}

void Shard::CompleteItem(Contact& contact, const EventView& event, ObjectiveKind kind, Nanos at) {
  ItemClock* clock = RunningClock(contact, kind);
  if (clock == nullptr) return;
  const Objective& objective = *ObjectiveOf(contact, kind);
  contact.stats->UntrackItem(*clock);
  const bool met = clock->Met(objective, at);
  ItemTotals& totals = contact.stats->totals().items[static_cast<int>(kind)];
  if (!met && clock->state() != ItemState::kBreached) {
    // Completed late before its deadline fired (an event that arrived late,
    // or a tick not yet run): every late cycle is a breach exactly once.
    totals.breaches += 1;
    const Nanos due = clock->due_nanos();
    Alert(alerts_, ItemAlert::Kind::kBreach, contact, event.source, event.contact_id, *clock,
          FromNanos(due == kNeverNanos ? at : due));
  }
  // The answer objective's outcomes are the seven of §3 (StopAnswerClock).
  if (kind != ObjectiveKind::kAnswer) {
    contact.stats->Advance(now_);
    contact.stats->RecordItem(FromNanos(at), kind, met, clock->Elapsed(objective, at), options_.elapsed_buckets);
  }
  RemoveClock(contact, *clock);
}

void Shard::RemoveClock(Contact& contact, const ItemClock& clock) {
  contact.clocks.erase(contact.clocks.begin() + (&clock - contact.clocks.data()));
  // Its entries in the index are skipped when they come up.
  if (contact.clocks.empty()) contact.scheduled = kNeverNanos;
}

void Shard::StopAnswerClock(Contact& contact, const EventView& event, AnswerEnd end, Nanos at) {
  CompleteItem(contact, event, ObjectiveKind::kAnswer, at);
  QueueStats& stats = *contact.stats;
  const Nanos start = contact.segment_start.nanos();
  const Nanos wait = at - start;
  stats.StopWaiting(contact.segment_start);
  stats.totals().wait[static_cast<int>(WaitKindOf(end))].Observe(options_.wait_buckets, Seconds(wait));
  if (contact.policy != nullptr) {
    if (const Objective* answer = contact.policy->Find(ObjectiveKind::kAnswer)) {
      stats.Advance(now_);
      // The threshold is judged in the objective's basis; a short abandon is
      // about the caller's patience, so in real seconds.
      const Nanos short_abandon = DurationNanos(answer->short_abandon);
      const bool is_short = short_abandon > 0 && wait <= short_abandon;
      stats.RecordAnswer(FromNanos(at), ClassifyAnswer(end, answer->MetNanos(start, at), is_short), wait);
    }
  }
  contact.answer_end = end;
  if (end == AnswerEnd::kAnswered) {
    contact.stage = Stage::kAnswered;
    contact.answered_at = PackedTime::OfNanos(at);
  } else {
    contact.stage = Stage::kUnanswered;
    contact.unanswered_at = PackedTime::OfNanos(at);
  }
}

std::string Shard::GivenUpDetail(const Contact& contact, absl::string_view what, absl::string_view contact_id) {
  return absl::StrCat(what, " for contact '", contact_id, "', whose wait in queue '", contact.stats->key().queue,
                      "' was given up on at ", FormatRfc3339(contact.unanswered_at),
                      " (the answer objective's give_up_after, or an operator's slamonctl end-waits)");
}

void Shard::GiveUp(Contact& contact, Nanos at) {
  // A policy without an answer objective starts no answer clock.
  if (const ItemClock* clock = RunningClock(contact, ObjectiveKind::kAnswer); clock != nullptr) {
    contact.stats->UntrackItem(*clock);
    RemoveClock(contact, *clock);
  }
  contact.stats->StopWaiting(contact.segment_start);
  contact.stats->totals().volume[kGivenUp] += 1;
  contact.stage = Stage::kUnanswered;
  contact.answer_end = AnswerEnd::kGivenUp;
  contact.unanswered_at = PackedTime::OfNanos(at);
  // Remembered for contact_retention from now, so that an end event that
  // comes after all is told apart from one for an unknown contact.
  contact.last_touched = now_;
  ForgetAt(contact, now_ + options_.contact_retention);
}

bool Shard::Selects(const WaitSelection& selection, const ContactKey& key, const Contact& contact) {
  const auto any_or_named = [](const std::vector<std::string>& names, absl::string_view name) {
    return names.empty() || absl::c_linear_search(names, name);
  };
  return contact.stage == Stage::kWaiting && absl::Time(contact.segment_start) < selection.started_before &&
         any_or_named(selection.queues, contact.stats->key().queue) &&
         any_or_named(selection.channels, contact.stats->key().channel) &&
         any_or_named(selection.contact_ids, key.contact_id);
}

EndedWait Shard::WaitOf(const ContactKey& key, const Contact& contact) {
  return {contact.stats->key(), key.source, key.contact_id, contact.segment_start};
}

void Shard::FindWaits(const WaitSelection& selection, std::vector<EndedWait>* out) const {
  for (const auto& [key, contact] : contacts_) {
    if (Selects(selection, key, contact)) out->push_back(WaitOf(key, contact));
  }
}

void Shard::EndWaits(const WaitSelection& selection, absl::Time now, std::vector<EndedWait>* out) {
  AdvanceClock(now);
  for (auto& [key, contact] : contacts_) {
    if (!Selects(selection, key, contact)) continue;
    out->push_back(WaitOf(key, contact));
    // Not before its wait began: an event time may be ahead of the daemon's.
    GiveUp(contact, std::max(now_nanos_, contact.segment_start.nanos()));
  }
}

void Shard::CompleteOpenItems(Contact& contact, const EventView& event, Nanos at) {
  for (int k = 0; k < kObjectiveKindCount; ++k) {
    const auto kind = static_cast<ObjectiveKind>(k);
    if (kind != ObjectiveKind::kAnswer) CompleteItem(contact, event, kind, at);
  }
}

void Shard::PauseItems(Contact& contact, Nanos at) {
  for (ItemClock& clock : contact.clocks) {
    const Objective& objective = *ObjectiveOf(contact, clock.kind());
    if (!objective.pausable || clock.kind() == ObjectiveKind::kAnswer) continue;
    contact.stats->UntrackItem(clock);
    clock.Pause(objective, at);
    contact.stats->TrackItem(clock);
  }
}

void Shard::ResumeItems(Contact& contact, Nanos at) {
  for (ItemClock& clock : contact.clocks) {
    if (!clock.paused()) continue;
    contact.stats->UntrackItem(clock);
    clock.Resume(*ObjectiveOf(contact, clock.kind()), at, now_nanos_);
    contact.stats->TrackItem(clock);
  }
}

void Shard::MoveItems(Contact& contact, QueueStats* to) {
  for (const ItemClock& clock : contact.clocks) {
    contact.stats->UntrackItem(clock);
    to->TrackItem(clock);
  }
}

void Shard::Alert(std::vector<ItemAlert>& to, ItemAlert::Kind kind, const Contact& contact,
                  absl::string_view source, absl::string_view contact_id, const ItemClock& clock, absl::Time at) {
  to.push_back({kind, contact.stats->key(), clock.kind(), std::string(source), std::string(contact_id),
                clock.started(), at});
}

void Shard::FireItems(ContactMap::value_type& entry, Nanos now, std::vector<ItemAlert>* alerts) {
  Contact& contact = entry.second;
  contact.scheduled = kNeverNanos;
  Nanos give_up_at = kNeverNanos;
  for (ItemClock& clock : contact.clocks) {
    const Objective& objective = *ObjectiveOf(contact, clock.kind());
    while (clock.next_nanos() != kNeverNanos && clock.next_nanos() <= now - allowance_nanos_) {
      if (clock.GivesUp()) {
        SLAMON_CHECK(clock.state() == ItemState::kBreached);  // its breach is counted
        give_up_at = clock.GiveUpInstant(objective);  // ends the clock: after this loop
        break;
      }
      contact.stats->UntrackItem(clock);
      const absl::Time warning_point = clock.ChangeInstant(objective);
      const absl::Time due = FromNanos(clock.due_nanos());
      const ItemState state = clock.Advance(objective);
      contact.stats->TrackItem(clock);
      ItemTotals& totals = contact.stats->totals().items[static_cast<int>(clock.kind())];
      const bool breach = state == ItemState::kBreached;
      const absl::Time at = breach ? due : warning_point;
      (breach ? totals.breaches : totals.warnings) += 1;
      if (alerts != nullptr) {
        Alert(*alerts, breach ? ItemAlert::Kind::kBreach : ItemAlert::Kind::kWarning, contact,
              entry.first.source, entry.first.contact_id, clock, at);
      }
    }
  }
  if (give_up_at != kNeverNanos) GiveUp(contact, give_up_at);
  ScheduleItems(entry);
}

void Shard::ScheduleItems(ContactMap::value_type& entry) {
  Contact& contact = entry.second;
  Nanos next = kNeverNanos;
  for (const ItemClock& clock : contact.clocks) next = std::min(next, clock.next_nanos());
  if (next == kNeverNanos) return;
  const Nanos fire = next + allowance_nanos_;
  if (fire >= contact.scheduled) return;  // the earlier entry fires first and plans again
  contact.scheduled = fire;
  deadlines_.push_back({fire, RefOf(contact)});
  std::push_heap(deadlines_.begin(), deadlines_.end(), std::greater<>());
}

}  // namespace slamon::engine
