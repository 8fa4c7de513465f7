// Saving and loading a shard's state (Engine::SaveState / LoadState).
// Derived state is rebuilt rather than stored: contact hashes, the waiting
// sets (from the contacts still waiting), open-item gauges and the deadline
// index (from the contacts' clocks), period clocks, the parked count.
#include "absl/strings/str_cat.h"
#include "common/check.h"
#include "daemon/engine/shard.h"

namespace slamon::engine {
namespace {

void SaveEvent(StateWriter& out, const Event& e) {
  out.U8(static_cast<uint8_t>(e.kind));
  out.String(e.source);
  out.String(e.event_id);
  out.String(e.contact_id);
  out.Time(e.occurred_at);
  out.String(e.queue);
  out.String(e.channel);
  out.I64(e.priority);
  out.String(e.category);
  out.String(e.customer_id);
  out.String(e.agent);
  out.U8(static_cast<uint8_t>(e.flow_out_reason));
  out.Bool(e.first_contact_resolution);
  out.Double(e.csat_score);
  out.Double(e.csat_scale);
  out.I64(e.escalation_level);
}

Event LoadEvent(StateReader& in) {
  Event e;
  e.kind = in.Enum<EventKind>(kEventKindCount);
  e.source = in.String();
  e.event_id = in.String();
  e.contact_id = in.String();
  e.occurred_at = in.Time();
  e.queue = in.String();
  e.channel = in.String();
  e.priority = static_cast<int32_t>(in.I64());
  e.category = in.String();
  e.customer_id = in.String();
  e.agent = in.String();
  e.flow_out_reason = in.Enum<FlowOutReason>(static_cast<int>(FlowOutReason::kExitKey) + 1);
  e.first_contact_resolution = in.Bool();
  e.csat_score = in.Double();
  e.csat_scale = in.Double();
  e.escalation_level = static_cast<int32_t>(in.I64());
  return e;
}

uint64_t IdOf(const PolicyIds& ids, const Policy* policy) {
  if (policy == nullptr) return 0;
  const auto it = ids.find(policy);
  SLAMON_CHECK(it != ids.end());  // every policy in use belongs to a generation
  return it->second;
}

const Policy* PolicyOf(StateReader& in, const std::vector<const Policy*>& policies) {
  const uint64_t id = in.Varint();
  if (id >= policies.size()) {
    in.Fail(absl::StrCat("policy id ", id, " out of range"));
    return nullptr;
  }
  return policies[id];
}

}  // namespace

void Shard::Save(StateWriter& out, const PolicyIds& ids) const {
  out.Time(now_);
  out.Varint(health_.events_received);
  out.Varint(health_.records_received);
  out.Varint(health_.accepted);
  out.Varint(health_.duplicates);
  for (uint64_t n : health_.rejected) out.Varint(n);

  absl::flat_hash_map<const QueueStats*, uint64_t> stats_index;
  out.Varint(stats_.size());
  for (const auto& [key, stats] : stats_) {
    stats_index[&stats] = stats_index.size();
    out.String(key.queue);
    out.String(key.channel);
    out.String(key.policy);
    out.Varint(IdOf(ids, stats.policy()));
    stats.Save(out);
  }

  out.Varint(contacts_.size());
  for (const auto& [key, c] : contacts_) {
    out.String(key.source);
    out.String(key.contact_id);
    out.Varint(IdOf(ids, c.policy));
    out.Varint(stats_index.at(c.stats));
    out.U8(static_cast<uint8_t>(c.stage));
    out.U8(static_cast<uint8_t>(c.answer_end));
    out.Bool(c.resolved);
    out.Bool(c.surveyed);
    out.Bool(c.expiry_scheduled);
    for (absl::Time t : {c.arrived_at, c.segment_start, c.answered_at, c.unanswered_at, c.acknowledged_at,
                         c.handle_ended_at, c.wrapup_ended_at, c.resolved_at, c.closed_at, c.last_touched}) {
      out.Time(t);
    }
    out.Bool(c.paused);
    out.Varint(c.clocks.size());
    for (const ItemClock& clock : c.clocks) clock.Save(out);
  }

  out.Varint(parked_.size());
  for (const auto& [key, list] : parked_) {
    out.String(key.source);
    out.String(key.contact_id);
    out.Varint(list.size());
    for (const Parked& p : list) {
      SaveEvent(out, p.event);
      out.Time(p.deadline);
      out.U8(static_cast<uint8_t>(p.reason));
      out.String(p.detail);
    }
  }
  const auto save_key = [&out](const ContactKey& key) {
    out.String(key.source);
    out.String(key.contact_id);
  };
  out.Varint(parked_order_.size());
  for (const auto& [at, key] : parked_order_) {
    out.Time(at);
    save_key(key);
  }
  // An expiry entry always names a contact: a contact is erased only when
  // its own entry comes up.
  out.Varint(expiry_order_.size());
  for (const auto& [at, ref] : expiry_order_) {
    const ContactMap::value_type* entry = Resolve(ref);
    SLAMON_CHECK(entry != nullptr);
    out.Time(at);
    save_key(entry->first);
  }
  dedup_.Save(out);
}

void Shard::Load(StateReader& in, const std::vector<const Policy*>& policies, const BoundsChange& bounds) {
  SLAMON_CHECK(contacts_.empty() && stats_.empty());
  const auto load_key = [&in] {
    ContactKey key{in.String(), in.String(), 0};
    key.hash = ContactHash(key.source, key.contact_id);
    return key;
  };
  SetNow(in.Time());
  health_.events_received = in.Varint();
  health_.records_received = in.Varint();
  health_.accepted = in.Varint();
  health_.duplicates = in.Varint();
  // Format 1 knew the reasons before not_paused.
  const int reasons = in.format() >= 2 ? kRejectReasonCount : kRejectReasonCount - 1;
  for (int r = 0; r < reasons; ++r) health_.rejected[r] = in.Varint();

  std::vector<QueueStats*> stats_by_index(in.Count(4));
  for (QueueStats*& stats : stats_by_index) {
    QueueKey key{in.String(), in.String(), in.String()};
    const Policy* policy = PolicyOf(in, policies);
    if (!in.ok()) return;
    if (stats_.contains(key)) return in.Fail("queue key saved twice");
    stats = AddStats(std::move(key), policy);
    stats->Load(in, bounds);
  }

  const size_t contact_count = in.Count(8);
  contacts_.reserve(contact_count);
  for (size_t i = 0; i < contact_count && in.ok(); ++i) {
    ContactKey key = load_key();
    Contact c;
    c.policy = PolicyOf(in, policies);
    const uint64_t stats = in.Varint();
    if (stats >= stats_by_index.size()) return in.Fail("contact refers to an unknown queue");
    c.stats = stats_by_index[stats];
    c.stage = in.Enum<Stage>(3);
    c.answer_end = in.Enum<AnswerEnd>(kAnswerEndCount);
    c.resolved = in.Bool();
    c.surveyed = in.Bool();
    c.expiry_scheduled = in.Bool();
    for (PackedTime* t : {&c.arrived_at, &c.segment_start, &c.answered_at, &c.unanswered_at, &c.acknowledged_at,
                          &c.handle_ended_at, &c.wrapup_ended_at, &c.resolved_at, &c.closed_at, &c.last_touched}) {
      *t = in.Time();
    }
    if (in.format() >= 2) {
      c.paused = in.Bool();
      c.clocks.resize(in.Count(20));
      for (ItemClock& clock : c.clocks) {
        clock.Load(in);
        if (in.ok() && ObjectiveOf(c, clock.kind()) == nullptr) return in.Fail("item clock of an objective its policy lacks");
      }
    }
    if (!in.ok()) return;
    if (c.stage == Stage::kWaiting) c.stats->StartWaiting(c.segment_start);
    for (const ItemClock& clock : c.clocks) c.stats->TrackItem(clock);
    auto [entry, added] = AddContact(std::move(key), std::move(c));
    if (!added) return in.Fail("contact saved twice");
    ScheduleItems(*entry);
  }

  const size_t parked_keys = in.Count(3);
  for (size_t i = 0; i < parked_keys && in.ok(); ++i) {
    std::vector<Parked>& list = parked_[load_key()];
    list.resize(in.Count(16));
    for (Parked& p : list) {
      p.event = LoadEvent(in);
      p.deadline = in.Time();
      p.reason = in.Enum<RejectReason>(kRejectReasonCount);
      p.detail = in.String();
    }
    parked_count_ += list.size();
  }
  const size_t parked_entries = in.Count(10);
  for (size_t i = 0; i < parked_entries && in.ok(); ++i) {
    const absl::Time at = in.Time();
    parked_order_.emplace_back(at, load_key());
  }
  const size_t expiry_entries = in.Count(10);
  for (size_t i = 0; i < expiry_entries && in.ok(); ++i) {
    const absl::Time at = in.Time();
    // Saved states name contacts saved with them; an entry that did not
    // would have expired nothing.
    auto it = contacts_.find(load_key());
    if (it != contacts_.end()) expiry_order_.emplace_back(at, RefOf(it->second));
  }
  dedup_.Load(in);
}

}  // namespace slamon::engine
