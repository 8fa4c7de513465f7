#include "daemon/engine/engine.h"

#include <algorithm>

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
// kPausesPerRound pauses; about half a millisecond in all, several times
// what a batch of 100 events holds a shard for (tens of microseconds).
constexpr int kSpinRounds = 1000;
constexpr int kPausesPerRound = 16;

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

void Engine::Apply(std::span<const Event> events, std::span<const ContactRecord> records,
                   absl::Time now, std::span<ItemResult> results) {
  SLAMON_CHECK(results.size() == events.size() + records.size());
  const std::shared_ptr<const PolicySet> policies = this->policies();
  // Hash every item before any lock is taken, then group by shard so that
  // each shard's lock is taken once per batch, keeping each shard's items
  // in batch order.
  std::vector<Shard::EventKeys> keys(results.size());
  std::vector<uint32_t> shard_of(results.size());
  for (size_t i = 0; i < results.size(); ++i) {
    keys[i] = i < events.size() ? Shard::KeysOf(events[i])
                                : Shard::EventKeys{Shard::ContactHash(records[i - events.size()].source,
                                                                      records[i - events.size()].contact_id)};
    shard_of[i] = static_cast<uint32_t>(ShardOf(keys[i].contact_hash));
  }
  auto apply_in = [&](uint32_t s) {
    Shard& shard = slots_[s]->shard;
    for (size_t i = 0; i < events.size(); ++i) {
      if (shard_of[i] == s) shard.PrefetchFor(events[i], keys[i]);
    }
    for (size_t i = 0; i < results.size(); ++i) {
      if (shard_of[i] != s) continue;
      results[i] = i < events.size()
                       ? shard.Apply(events[i], keys[i], *policies, now)
                       : shard.ApplyRecord(records[i - events.size()], keys[i].contact_hash, *policies, now);
    }
  };
  absl::InlinedVector<uint32_t, 16> pending;
  for (uint32_t s = 0; s < slots_.size(); ++s) {
    if (std::find(shard_of.begin(), shard_of.end(), s) != shard_of.end()) pending.push_back(s);
  }
  // Free shards first, then spin, then sleep. A batch that finds a shard
  // busy with another stream's batch goes on to the next and comes back,
  // rather than queueing behind it shard after shard; when every shard it
  // still needs is busy it spins a while before it sleeps on one. Sleeping
  // at once cost a futex wait, a wake and two context switches about once
  // per batch (docs/performance.md, 2026-11-23, seventh session: two
  // streams into the in-memory daemon, 0.41x -> 0.46x the raw sink).
  int idle_rounds = 0;
  while (!pending.empty()) {
    const size_t before = pending.size();
    for (size_t k = 0; k < pending.size();) {
      std::unique_lock lock(slots_[pending[k]]->mu, std::try_to_lock);
      if (!lock.owns_lock()) {
        ++k;
        continue;
      }
      apply_in(pending[k]);
      pending.erase(pending.begin() + static_cast<ptrdiff_t>(k));
    }
    if (pending.size() < before) continue;
    if (++idle_rounds < kSpinRounds) {
      for (int i = 0; i < kPausesPerRound; ++i) CpuRelax();
      continue;
    }
    std::lock_guard lock(slots_[pending.front()]->mu);
    apply_in(pending.front());
    pending.erase(pending.begin());
  }
}

ItemResult Engine::ApplyOne(const Event& event, absl::Time now) {
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

void Engine::SetPolicies(std::shared_ptr<const PolicySet> policies) {
  SLAMON_CHECK(policies != nullptr);
  {
    std::lock_guard lock(policies_mu_);
    policies_ = policies;
    generations_.push_back(policies);
  }
  for (auto& slot : slots_) {
    std::lock_guard lock(slot->mu);
    slot->shard.Repoint(*policies);
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
