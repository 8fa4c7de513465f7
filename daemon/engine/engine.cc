#include "daemon/engine/engine.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "common/check.h"
#include "daemon/engine/shard.h"

namespace slamon::engine {
namespace {

// Tells the processor this thread is in a spin-wait loop (it saves power,
// and a sibling hyperthread gets the core).
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// How long Apply spins on busy shards before it sleeps on one: at most
// kSpinRounds rounds per batch, each a try_lock per shard still needed and
// kPausesPerRound pauses; about 20 microseconds in all (a PAUSE is ~27 ns
// on the AMD EPYC measured), about what a batch of 100 events holds a shard
// for. Spinning longer starves the thread being waited for when cores are
// few: with the log writer as a third busy thread on 2 cores, the durable
// daemon ran at 0.14-0.27x the raw sink with 1,000 rounds (12 runs) and
// 0.26-0.38x with 50 (11 runs; docs/performance.md, tenth session).
constexpr int kSpinRounds = 50;
constexpr int kPausesPerRound = 16;

// Oldest first; then by queue and contact, so that the order is the same
// however the contacts are sharded.
void SortOldestFirst(std::vector<EndedWait>& waits) {
  std::sort(waits.begin(), waits.end(), [](const EndedWait& a, const EndedWait& b) {
    return std::tie(a.waiting_since, a.key.queue, a.key.channel, a.source, a.contact_id) <
           std::tie(b.waiting_since, b.key.queue, b.key.channel, b.source, b.contact_id);
  });
}

}  // namespace

HealthSnapshot& HealthSnapshot::operator+=(const HealthSnapshot& other) {
  events_received += other.events_received;
  records_received += other.records_received;
  accepted += other.accepted;
  duplicates += other.duplicates;
  for (int i = 0; i < kRejectReasonCount; ++i) rejected[i] += other.rejected[i];
  open_contacts += other.open_contacts;
  pending_events += other.pending_events;
  dedup_entries += other.dedup_entries;
  return *this;
}

void AddObjectiveBounds(const PolicySet& policies, EngineOptions* options) {
  for (const Policy& p : policies.policies()) {
    for (const Objective& o : p.objectives) {
      std::vector<double>& bounds =
          o.kind == ObjectiveKind::kAnswer ? options->wait_buckets : options->elapsed_buckets;
      if (o.business_days == 0) bounds.push_back(absl::ToDoubleSeconds(o.threshold));
      if (o.short_abandon > absl::ZeroDuration()) {
        bounds.push_back(absl::ToDoubleSeconds(o.short_abandon));
      }
    }
  }
  for (std::vector<double>* bounds : {&options->wait_buckets, &options->elapsed_buckets}) {
    std::sort(bounds->begin(), bounds->end());
    bounds->erase(std::unique(bounds->begin(), bounds->end()), bounds->end());
  }
}

Engine::Engine(EngineOptions options, std::shared_ptr<const PolicySet> policies)
    : options_(std::move(options)), policies_(std::move(policies)) {
  SLAMON_CHECK(policies_ != nullptr);
  SLAMON_CHECK(options_.shards > 0);
  SLAMON_CHECK(std::is_sorted(options_.wait_buckets.begin(), options_.wait_buckets.end()));
  SLAMON_CHECK(std::is_sorted(options_.elapsed_buckets.begin(), options_.elapsed_buckets.end()));
  generations_.push_back(policies_);
  for (int i = 0; i < options_.shards; ++i) {
    slots_.push_back(std::make_unique<Slot>(options_, options_.shards));
  }
}

Engine::~Engine() = default;

std::shared_ptr<const PolicySet> Engine::policies() const {
  std::lock_guard lock(policies_mu_);
  return policies_;
}

// What a change does, per shard: the Engine's side of a Turn.
struct Engine::Turn::Plan {
  Kind kind = Kind::kApply;
  std::span<const EventView> events;
  std::span<const ContactRecord> records;
  // Per item (events, then records): its keys and its shard.
  std::vector<Shard::EventKeys> keys;
  std::vector<uint32_t> shard_of;
  // The shards it touches, ascending, and once taken its place in each.
  absl::InlinedVector<uint32_t, 16> shards;
  absl::InlinedVector<uint64_t, 16> places;
  // kApply: the set current at its turn; kSetPolicies: the new set.
  std::shared_ptr<const PolicySet> policies;
  const WaitSelection* selection = nullptr;  // kEndWaits
  absl::InlinedVector<RejectReason, 4> rejected_at_edge;
  bool taken = false;
  bool applied = false;

  // Taken and not applied: later turns in its shards wait for it.
  bool outstanding() const { return taken && !applied; }
};

Engine::Turn::Turn(std::unique_ptr<Plan> plan) : plan_(std::move(plan)) {}
Engine::Turn::Turn(Turn&&) noexcept = default;
Engine::Turn& Engine::Turn::operator=(Turn&& other) noexcept {
  SLAMON_CHECK(plan_ == nullptr || !plan_->outstanding());
  plan_ = std::move(other.plan_);
  return *this;
}
Engine::Turn::~Turn() { SLAMON_CHECK(plan_ == nullptr || !plan_->outstanding()); }

void Engine::Turn::CountRejectedAtEdge(RejectReason reason) {
  SLAMON_CHECK(!plan_->taken);
  plan_->rejected_at_edge.push_back(reason);
}

void Engine::PlanItems(Turn::Plan& plan) const {
  const std::span<const EventView> events = plan.events;
  const std::span<const ContactRecord> records = plan.records;
  const size_t items = events.size() + records.size();
  plan.keys.resize(items);
  plan.shard_of.resize(items);
  absl::InlinedVector<bool, 16> touched(slots_.size());
  for (size_t i = 0; i < items; ++i) {
    plan.keys[i] = i < events.size() ? Shard::KeysOf(events[i])
                                     : Shard::EventKeys{Shard::ContactHash(records[i - events.size()].source,
                                                                           records[i - events.size()].contact_id)};
    plan.shard_of[i] = static_cast<uint32_t>(ShardOf(plan.keys[i].contact_hash));
    touched[plan.shard_of[i]] = true;
  }
  for (uint32_t s = 0; s < slots_.size(); ++s) {
    if (touched[s]) plan.shards.push_back(s);
  }
}

template <typename ApplyIn>
void Engine::InEachShard(Turn::Plan& plan, ApplyIn apply_in) {
  const bool ordered = plan.taken;
  // Indices into plan.shards of the shards still to do.
  absl::InlinedVector<uint32_t, 16> pending(plan.shards.size());
  for (uint32_t k = 0; k < pending.size(); ++k) pending[k] = k;
  auto run = [&](uint32_t k, std::unique_lock<std::mutex>& lock) {
    Slot& slot = *slots_[plan.shards[k]];
    apply_in(plan.shards[k]);
    if (!ordered) return;
    slot.turns_done.store(plan.places[k] + 1, std::memory_order_release);
    lock.unlock();
    slot.turn_done.notify_all();
  };
  // Free shards first, then spin, then sleep. A batch that finds a shard
  // busy with another stream's batch (or, ordered, not yet at its turn)
  // goes on to the next and comes back, rather than queueing behind it
  // shard after shard; when every shard it still needs is busy it spins a
  // while before it sleeps on one. Sleeping at once cost a futex wait, a
  // wake and two context switches about once per batch
  // (docs/performance.md, 2026-11-23, seventh session: two streams into
  // the in-memory daemon, 0.41x -> 0.46x the raw sink).
  int idle_rounds = 0;
  while (!pending.empty()) {
    const size_t before = pending.size();
    for (size_t i = 0; i < pending.size();) {
      const uint32_t k = pending[i];
      Slot& slot = *slots_[plan.shards[k]];
      std::unique_lock lock(slot.mu, std::defer_lock);
      if ((ordered && slot.turns_done.load(std::memory_order_acquire) != plan.places[k]) || !lock.try_lock()) {
        ++i;
        continue;
      }
      run(k, lock);
      pending.erase(pending.begin() + static_cast<ptrdiff_t>(i));
    }
    if (pending.size() < before) continue;
    if (++idle_rounds < kSpinRounds) {
      for (int i = 0; i < kPausesPerRound; ++i) CpuRelax();
      continue;
    }
    const uint32_t k = pending.front();
    Slot& slot = *slots_[plan.shards[k]];
    std::unique_lock lock(slot.mu);
    if (ordered) {
      slot.turn_done.wait(lock, [&] { return slot.turns_done.load(std::memory_order_relaxed) == plan.places[k]; });
    }
    run(k, lock);
    pending.erase(pending.begin());
  }
}

void Engine::ApplyInShard(const Turn::Plan& plan, uint32_t s, absl::Time now, std::span<ItemResult> results) {
  Shard& shard = slots_[s]->shard;
  const std::span<const EventView> events = plan.events;
  for (size_t i = 0; i < events.size(); ++i) {
    if (plan.shard_of[i] == s) shard.PrefetchFor(events[i], plan.keys[i]);
  }
  for (size_t i = 0; i < results.size(); ++i) {
    if (plan.shard_of[i] != s) continue;
    results[i] = i < events.size() ? shard.Apply(events[i], plan.keys[i], *plan.policies, now)
                                   : shard.ApplyRecord(plan.records[i - events.size()], plan.keys[i].contact_hash,
                                                       *plan.policies, now);
  }
}

void Engine::Apply(std::span<const EventView> events, std::span<const ContactRecord> records,
                   absl::Time now, std::span<ItemResult> results) {
  SLAMON_CHECK(results.size() == events.size() + records.size());
  // Every item is hashed before any lock is taken; each shard's lock is
  // then taken once per batch, keeping each shard's items in batch order.
  Turn::Plan plan{.events = events, .records = records, .policies = policies()};
  PlanItems(plan);
  InEachShard(plan, [&](uint32_t s) { ApplyInShard(plan, s, now, results); });
}

ItemResult Engine::ApplyOne(const EventView& event, absl::Time now) {
  ItemResult result;
  Apply(std::span(&event, 1), {}, now, std::span(&result, 1));
  return result;
}

void Engine::Tick(absl::Time now, std::vector<ItemAlert>* alerts) {
  for (auto& slot : slots_) {
    std::lock_guard lock(slot->mu);
    slot->shard.Tick(now, alerts);
  }
}

void Engine::MakeCurrent(std::shared_ptr<const PolicySet> policies) {
  SLAMON_CHECK(policies != nullptr);
  std::lock_guard lock(policies_mu_);
  policies_ = policies;
  generations_.push_back(std::move(policies));
}

void Engine::SetPolicies(std::shared_ptr<const PolicySet> policies) {
  MakeCurrent(policies);
  for (auto& slot : slots_) {
    std::lock_guard lock(slot->mu);
    slot->shard.Repoint(*policies);
  }
}

std::vector<EndedWait> Engine::EndWaits(const WaitSelection& selection, absl::Time now) {
  std::vector<EndedWait> ended;
  for (auto& slot : slots_) {
    std::lock_guard lock(slot->mu);
    slot->shard.EndWaits(selection, now, &ended);
  }
  SortOldestFirst(ended);
  return ended;
}

std::vector<EndedWait> Engine::FindWaits(const WaitSelection& selection) const {
  std::vector<EndedWait> found;
  for (const auto& slot : slots_) {
    std::lock_guard lock(slot->mu);
    slot->shard.FindWaits(selection, &found);
  }
  SortOldestFirst(found);
  return found;
}

Engine::Turn Engine::PrepareApply(std::span<const EventView> events, std::span<const ContactRecord> records) const {
  auto plan = std::make_unique<Turn::Plan>();
  plan->events = events;
  plan->records = records;
  PlanItems(*plan);
  return Turn(std::move(plan));
}

std::unique_ptr<Engine::Turn::Plan> Engine::PlanEveryShard(Turn::Kind kind) const {
  auto plan = std::make_unique<Turn::Plan>();
  plan->kind = kind;
  for (uint32_t s = 0; s < slots_.size(); ++s) plan->shards.push_back(s);
  return plan;
}

Engine::Turn Engine::PrepareTick() const { return Turn(PlanEveryShard(Turn::Kind::kTick)); }

Engine::Turn Engine::PrepareSetPolicies(std::shared_ptr<const PolicySet> policies) const {
  SLAMON_CHECK(policies != nullptr);
  std::unique_ptr<Turn::Plan> plan = PlanEveryShard(Turn::Kind::kSetPolicies);
  plan->policies = std::move(policies);
  return Turn(std::move(plan));
}

Engine::Turn Engine::PrepareEndWaits(const WaitSelection& selection) const {
  std::unique_ptr<Turn::Plan> plan = PlanEveryShard(Turn::Kind::kEndWaits);
  plan->selection = &selection;
  return Turn(std::move(plan));
}

void Engine::TakeTurn(Turn& turn) {
  Turn::Plan& plan = *turn.plan_;
  SLAMON_CHECK(!plan.taken);
  if (plan.kind == Turn::Kind::kApply) plan.policies = policies();
  if (plan.kind == Turn::Kind::kSetPolicies) MakeCurrent(plan.policies);
  for (RejectReason reason : plan.rejected_at_edge) CountRejectedAtEdge(reason);
  for (uint32_t s : plan.shards) plan.places.push_back(slots_[s]->turns_taken++);
  plan.taken = true;
}

template <typename ApplyIn>
void Engine::ApplyTurn(Turn& turn, Turn::Kind kind, ApplyIn apply_in) {
  Turn::Plan& plan = *turn.plan_;
  SLAMON_CHECK(plan.kind == kind && plan.outstanding());
  InEachShard(plan, apply_in);
  plan.applied = true;
}

void Engine::Apply(Turn& turn, absl::Time now, std::span<ItemResult> results) {
  const Turn::Plan& plan = *turn.plan_;
  SLAMON_CHECK(results.size() == plan.keys.size());
  ApplyTurn(turn, Turn::Kind::kApply, [&](uint32_t s) { ApplyInShard(plan, s, now, results); });
}

void Engine::Tick(Turn& turn, absl::Time now, std::vector<ItemAlert>* alerts) {
  ApplyTurn(turn, Turn::Kind::kTick, [&](uint32_t s) { slots_[s]->shard.Tick(now, alerts); });
}

void Engine::SetPolicies(Turn& turn) {
  ApplyTurn(turn, Turn::Kind::kSetPolicies, [&](uint32_t s) { slots_[s]->shard.Repoint(*turn.plan_->policies); });
}

std::vector<EndedWait> Engine::EndWaits(Turn& turn, absl::Time now) {
  std::vector<EndedWait> ended;  // InEachShard runs one shard at a time, on this thread
  const WaitSelection& selection = *turn.plan_->selection;
  ApplyTurn(turn, Turn::Kind::kEndWaits, [&](uint32_t s) { slots_[s]->shard.EndWaits(selection, now, &ended); });
  SortOldestFirst(ended);
  return ended;
}

void Engine::AwaitTurns() const {
  for (const auto& slot : slots_) {
    std::unique_lock lock(slot->mu);
    slot->turn_done.wait(lock, [&] { return slot->turns_done.load(std::memory_order_relaxed) == slot->turns_taken; });
  }
}

void Engine::CountRejectedAtEdge(RejectReason reason) {
  rejected_at_edge_[static_cast<int>(reason)].fetch_add(1, std::memory_order_relaxed);
}

EngineSnapshot Engine::Snapshot(absl::Time now) const {
  EngineSnapshot snapshot;
  Snapshot(now, snapshot);
  return snapshot;
}

void Engine::Snapshot(absl::Time now, EngineSnapshot& into) const {
  into.taken_at = now;
  into.health = {};
  SnapshotMerge merge(into.queues);
  for (const auto& slot : slots_) {
    std::lock_guard lock(slot->mu);
    slot->shard.Collect(now, merge, into.health);
  }
  merge.Finish();
  for (int i = 0; i < kRejectReasonCount; ++i) {
    into.health.rejected[i] += rejected_at_edge_[i].load(std::memory_order_relaxed);
  }
}

std::vector<HistoryRow> Engine::History(absl::Time from, absl::Time to, Period period) const {
  absl::flat_hash_map<std::pair<QueueKey, absl::Time>, WindowTally> merged;
  for (const auto& slot : slots_) {
    std::lock_guard lock(slot->mu);
    slot->shard.CollectHistory(from, to, period == Period::kDay, merged);
  }
  std::vector<HistoryRow> rows;
  rows.reserve(merged.size());
  for (auto& [key, tally] : merged) rows.push_back({key.first, key.second, tally});
  std::sort(rows.begin(), rows.end(), [](const HistoryRow& a, const HistoryRow& b) {
    return std::tie(a.key.queue, a.key.channel, a.key.policy, a.start) <
           std::tie(b.key.queue, b.key.channel, b.key.policy, b.start);
  });
  return rows;
}

}  // namespace slamon::engine
