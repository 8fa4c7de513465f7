// One shard of the engine: the contacts whose (source, contact_id) hash to
// it, their per-queue aggregates, parked events and seen event ids. Not
// thread-safe: the Engine serialises access with the shard's lock.
#ifndef SLAMON_DAEMON_ENGINE_SHARD_H_
#define SLAMON_DAEMON_ENGINE_SHARD_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/container/node_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "daemon/engine/dedup.h"
#include "daemon/engine/engine.h"
#include "daemon/engine/event.h"
#include "daemon/engine/items.h"
#include "daemon/engine/queue_stats.h"
#include "daemon/engine/result.h"
#include "daemon/engine/snapshot.h"
#include "daemon/engine/snapshot_merge.h"
#include "daemon/engine/state_codec.h"

namespace slamon::engine {

// Numbers every policy of every loaded generation for saved state; 0 is
// "no policy".
using PolicyIds = absl::flat_hash_map<const Policy*, uint64_t>;

class Shard {
 public:
  Shard(const EngineOptions& options, int shard_count);

  // The hash of a contact's (source, contact_id): computed once per item by
  // the Engine, which also picks the shard from it. The same in every
  // process, so that saved state finds each contact in its shard.
  static size_t ContactHash(absl::string_view source, absl::string_view contact_id);
  // What Apply looks an event up by, hashed before the shard's lock is
  // taken: its contact's hash (ContactHash) and the fingerprint of its
  // (source, event_id) for the duplicate check.
  struct EventKeys {
    size_t contact_hash = 0;
    Fingerprint event_id;
  };
  static EventKeys KeysOf(const EventView& event);
  // Asks the processor for the memory Apply(event, keys) looks up first:
  // a batch asks for all of its events' before applying one, so that their
  // cache misses overlap instead of stalling one after another.
  void PrefetchFor(const EventView& event, const EventKeys& keys) const;

  ItemResult Apply(const EventView& event, const EventKeys& keys, const PolicySet& policies, absl::Time now);
  ItemResult ApplyRecord(const ContactRecord& record, size_t contact_hash, const PolicySet& policies,
                         absl::Time now);
  void Tick(absl::Time now, std::vector<ItemAlert>* alerts);
  void Repoint(const PolicySet& policies);
  // Engine::EndWaits and FindWaits over this shard's contacts: what they
  // end or find is added to `out`.
  void EndWaits(const WaitSelection& selection, absl::Time now, std::vector<EndedWait>* out);
  void FindWaits(const WaitSelection& selection, std::vector<EndedWait>* out) const;
  // Adds this shard's state to `into` (keyed merge) and `health`.
  void Collect(absl::Time now, SnapshotMerge& into, HealthSnapshot& health);

  // Adds this shard's history in [from, to) to `into`, per interval or day.
  void CollectHistory(absl::Time from, absl::Time to, bool by_day,
                      absl::flat_hash_map<std::pair<QueueKey, absl::Time>, WindowTally>& into) const;

  // The shard's whole state (see Engine::SaveState). Load is for an empty
  // shard; `policies[id]` resolves a saved policy id (policies[0] is null).
  void Save(StateWriter& out, const PolicyIds& ids) const;
  void Load(StateReader& in, const std::vector<const Policy*>& policies, const BoundsChange& bounds);

  // The outcome of trying an event against the state: applied, rejected, or
  // "not yet" (park it until the reorder allowance passes).
  struct Attempt {
    enum class Kind : uint8_t { kApplied, kRejected, kPark } kind;
    RejectReason reason = RejectReason::kMissingField;
    std::string detail;
  };

 private:
  enum class Stage : uint8_t { kWaiting, kAnswered, kUnanswered };
  static constexpr absl::Time kNever = absl::InfiniteFuture();

  struct Contact {
    const Policy* policy = nullptr;  // the version matched at arrival
    QueueStats* stats = nullptr;     // the current queue segment's aggregate
    Stage stage = Stage::kWaiting;
    AnswerEnd answer_end = AnswerEnd::kAnswered;
    bool resolved = false;
    bool surveyed = false;
    bool expiry_scheduled = false;
    bool paused = false;  // between PAUSED and RESUMED
    uint32_t slot = 0;    // its entry in contact_slots_
    // When its entry in deadlines_ fires (kNeverNanos if it has none).
    Nanos scheduled = kNeverNanos;
    // The running item objectives (the answer clock only while waiting);
    // most contacts have one at a time.
    absl::InlinedVector<ItemClock, 1> clocks;
    // 8 bytes each rather than absl::Time's 16 (items_bench: -80 bytes per
    // open contact).
    PackedTime arrived_at;
    PackedTime segment_start;
    PackedTime answered_at = PackedTime::Never();
    PackedTime unanswered_at = PackedTime::Never();  // abandoned or flowed out
    PackedTime acknowledged_at = PackedTime::Never();
    PackedTime handle_ended_at = PackedTime::Never();
    PackedTime wrapup_ended_at = PackedTime::Never();
    PackedTime resolved_at = PackedTime::Never();
    PackedTime closed_at = PackedTime::Never();
    PackedTime last_touched;  // daemon time, for retention
  };
  struct ContactKey {
    std::string source;
    std::string contact_id;
    size_t hash;  // ContactHash(source, contact_id)
  };
  struct ContactKeyView {
    absl::string_view source;
    absl::string_view contact_id;
    size_t hash;
  };
  struct KeyHash {
    using is_transparent = void;
    template <typename K>
    size_t operator()(const K& k) const { return k.hash; }
  };
  struct KeyEq {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return a.hash == b.hash && absl::string_view(a.source) == absl::string_view(b.source) &&
             absl::string_view(a.contact_id) == absl::string_view(b.contact_id);
    }
  };
  struct Parked {
    Event event;
    absl::Time deadline;
    RejectReason reason;  // what the latest attempt said
    std::string detail;
  };
  // A node map: a key and contact take ~340 bytes, and a flat map's slots,
  // up to half empty after each doubling, cost up to twice that per contact
  // (items_bench, 1M open contacts: 934 -> 598 bytes each; ~5 % more
  // instructions per event for the allocation and the extra hop).
  using ContactMap = absl::node_hash_map<ContactKey, Contact, KeyHash, KeyEq>;
  // Names a contact without a copy of its key (72 bytes): the contact's
  // slot and the generation the slot had when it took it. A slot is reused
  // once its contact is erased, with the next generation, so an entry left
  // behind names nothing rather than another contact.
  struct ContactRef {
    uint32_t slot;
    uint32_t generation;
  };
  struct ContactSlot {
    ContactMap::value_type* entry = nullptr;  // a node map's entries stay put
    uint32_t generation = 0;
  };
  // An entry of the deadline index, a min-heap on `fire`. Entries are not
  // removed when a clock stops or moves; one whose `fire` is no longer its
  // contact's `scheduled`, or whose contact is gone, is skipped when it
  // comes up.
  struct Deadline {
    Nanos fire;
    ContactRef contact;
    bool operator>(const Deadline& other) const { return fire > other.fire; }
  };

  // Adds a contact under `key`; false if it is there already.
  std::pair<ContactMap::value_type*, bool> AddContact(ContactKey key, Contact contact);
  void EraseContact(ContactMap::value_type& entry);
  ContactRef RefOf(const Contact& contact) const {
    return {contact.slot, contact_slots_[contact.slot].generation};
  }
  // The contact `ref` names, or null if it was erased.
  ContactMap::value_type* Resolve(ContactRef ref) const {
    const ContactSlot& slot = contact_slots_[ref.slot];
    return slot.generation == ref.generation ? slot.entry : nullptr;
  }

  Attempt TryApply(const EventView& event, size_t contact_hash, const PolicySet& policies, absl::Time now);
  Attempt Arrive(const EventView& event, size_t contact_hash, const PolicySet& policies, absl::Time now);
  // `at` is event.occurred_at in nanoseconds.
  Attempt Transition(Contact& contact, const EventView& event, Nanos at);
  // Schedules forgetting a contact that neither waits nor has open items,
  // at `at` (its last event's daemon time plus contact_retention).
  void ForgetAt(Contact& contact, PackedTime at);

  // Item objectives (shard_items.cc). Every change to a clock goes through
  // these, so that the queue's open-item gauges follow it.
  const Objective* ObjectiveOf(const Contact& contact, ObjectiveKind kind) const;
  ItemClock* RunningClock(Contact& contact, ObjectiveKind kind);
  // Starts `kind` at `at` if the policy has it and it is not running.
  void StartItem(Contact& contact, ObjectiveKind kind, Nanos at);
  // Completes the running clock of `kind`, if any: met or missed by elapsed
  // time; a late one not yet fired counts its breach now.
  void CompleteItem(Contact& contact, const EventView& event, ObjectiveKind kind, Nanos at);
  // Drops `clock` from the contact (untracked from the gauges already).
  void RemoveClock(Contact& contact, const ItemClock& clock);
  // Ends the contact's wait in its queue: answered, abandoned or flowed out
  // at `at` (an outcome of §3)...
  void StopAnswerClock(Contact& contact, const EventView& event, AnswerEnd end, Nanos at);
  // ... or given up on at `at`: past its answer objective's give_up_after
  // (ItemClock::GiveUpInstant), or by an operator (EndWaits). No outcome,
  // counted as given_up; a breach already counted stays.
  void GiveUp(Contact& contact, Nanos at);
  static bool Selects(const WaitSelection& selection, const ContactKey& key, const Contact& contact);
  static EndedWait WaitOf(const ContactKey& key, const Contact& contact);
  static bool IsGivenUp(const Contact& contact) {
    return contact.stage == Stage::kUnanswered && contact.answer_end == AnswerEnd::kGivenUp;
  }
  // Why `what` (an end of the wait, an event kind or a record) is refused.
  static std::string GivenUpDetail(const Contact& contact, absl::string_view what, absl::string_view contact_id);
  // Completes every running item clock but the answer clock.
  void CompleteOpenItems(Contact& contact, const EventView& event, Nanos at);
  void PauseItems(Contact& contact, Nanos at);
  void ResumeItems(Contact& contact, Nanos at);
  // Moves the open-item gauges of `contact` to `to` (a transfer).
  void MoveItems(Contact& contact, QueueStats* to);
  // Fires the state changes of `contact` that are due at `now` (now_, in
  // nanoseconds), then plans its next one; their alerts go to `alerts`
  // (none made if null).
  void FireItems(ContactMap::value_type& entry, Nanos now, std::vector<ItemAlert>* alerts);
  // Pushes an entry for the contact's next state change if that is earlier
  // than the one it has.
  void ScheduleItems(ContactMap::value_type& entry);
  void Alert(std::vector<ItemAlert>& to, ItemAlert::Kind kind, const Contact& contact, absl::string_view source,
             absl::string_view contact_id, const ItemClock& clock, absl::Time at);
  QueueStats* StatsFor(absl::string_view queue, absl::string_view channel, const Policy* policy);
  QueueStats* AddStats(QueueKey key, const Policy* policy);
  ItemResult Park(const EventView& event, size_t contact_hash, Attempt attempt, absl::Time now);
  void RetryParked(const ContactKeyView& key, const PolicySet& policies, absl::Time now);
  // Moves the shard's clock (and its period clocks) forward to `now`.
  void AdvanceClock(absl::Time now);
  void SetNow(absl::Time now) {
    now_ = now;
    now_nanos_ = ToNanos(now);
  }
  // What an event's checks and bookkeeping derive from the daemon time it
  // is applied at, computed once per batch (its events share it), not per
  // event: absl::Time's arithmetic is out-of-line library calls.
  struct ApplyClock {
    absl::Time now = absl::InfinitePast();
    Nanos nanos = kInfinitePastNanos;
    absl::Time future_limit;  // later event times are refused
    PackedTime expiry;        // of a contact touched now (contact_retention)
  };
  const ApplyClock& ClockFor(absl::Time now);
  void CountRejection(RejectReason reason) { health_.rejected[static_cast<int>(reason)] += 1; }
  ItemResult Reject(RejectReason reason, std::string detail);
  // The reason given for a time before kEarliestTime.
  static std::string TooEarly(absl::string_view field, absl::Time at);

  const EngineOptions& options_;
  const Nanos allowance_nanos_;  // options_.reorder_allowance, converted once
  absl::Time now_ = absl::InfinitePast();
  Nanos now_nanos_ = kInfinitePastNanos;  // now_, converted once
  ApplyClock apply_clock_;
  ContactMap contacts_;
  // Looked up on every arrival without building QueueKey strings.
  struct QueueKeyView {
    absl::string_view queue;
    absl::string_view channel;
    absl::string_view policy;
  };
  struct QueueKeyHash {
    using is_transparent = void;
    size_t operator()(const QueueKeyView& k) const {
      return absl::Hash<std::tuple<absl::string_view, absl::string_view, absl::string_view>>{}(
          {k.queue, k.channel, k.policy});
    }
    size_t operator()(const QueueKey& k) const { return (*this)(QueueKeyView{k.queue, k.channel, k.policy}); }
  };
  struct QueueKeyEq {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return absl::string_view(a.queue) == absl::string_view(b.queue) &&
             absl::string_view(a.channel) == absl::string_view(b.channel) &&
             absl::string_view(a.policy) == absl::string_view(b.policy);
    }
  };
  // Node map: contacts hold pointers to their queue's stats.
  absl::node_hash_map<QueueKey, QueueStats, QueueKeyHash, QueueKeyEq> stats_;
  // One per time zone in use; node map: queues hold pointers.
  absl::node_hash_map<std::string, PeriodClock> period_clocks_;
  absl::flat_hash_map<ContactKey, std::vector<Parked>, KeyHash, KeyEq> parked_;
  std::deque<std::pair<absl::Time, ContactKey>> parked_order_;
  size_t parked_count_ = 0;
  size_t max_parked_;
  std::deque<std::pair<PackedTime, ContactRef>> expiry_order_;
  std::vector<Deadline> deadlines_;  // a heap, std::greater
  std::vector<ContactSlot> contact_slots_;
  std::vector<uint32_t> free_contact_slots_;
  // Breaches counted on the event path (items completed late before their
  // deadline fired), handed out by the next Tick. Room for this many is
  // kept between ticks; a replay of late records can leave far more.
  static constexpr size_t kAlertsKept = 1024;
  std::vector<ItemAlert> alerts_;
  DedupIndex dedup_;
  HealthSnapshot health_;
};

// A shard with its lock and its order of turns (Engine::Turn): the unit
// Engine keeps per shard.
struct Engine::Slot {
  Slot(const EngineOptions& options, int count) : shard(options, count) {}
  std::mutex mu;
  Shard shard;
  // Places given out, under the ordering caller's lock.
  uint64_t turns_taken = 0;
  // Turns applied: written under mu by the turn that ends, read without it
  // to pass over a shard whose turn has not come.
  std::atomic<uint64_t> turns_done{0};
  std::condition_variable turn_done;  // with mu, when turns_done moves
};

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_SHARD_H_
