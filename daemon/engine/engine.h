// The streaming SLA engine: a pure library. It does no I/O and reads no
// clock: every call that depends on time is handed `now`.
//
// Contacts are sharded by (source, contact_id); each shard has its own lock
// and its own per-queue aggregates, merged only when a snapshot is taken, so
// that ingest threads do not contend on one lock.
#ifndef SLAMON_DAEMON_ENGINE_ENGINE_H_
#define SLAMON_DAEMON_ENGINE_ENGINE_H_

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "daemon/engine/event.h"
#include "daemon/engine/policy.h"
#include "daemon/engine/result.h"
#include "daemon/engine/snapshot.h"
#include "daemon/engine/windows.h"

namespace slamon::engine {

struct EngineOptions {
  // How long an event may wait (daemon time) for an earlier event of its
  // contact, such as its ARRIVED, before it is rejected.
  absl::Duration reorder_allowance = absl::Seconds(5);
  // Events stamped further ahead of the daemon clock are rejected.
  absl::Duration future_tolerance = absl::Minutes(5);
  // How long a contact that no longer waits is remembered after its last
  // event, to accept late events (surveys, resolutions) and re-sent records.
  absl::Duration contact_retention = absl::Hours(1);
  // How long event ids are remembered for duplicate detection, and at most
  // how many (over all shards).
  absl::Duration dedup_window = absl::Hours(1);
  size_t dedup_max_entries = 10'000'000;
  // At most this many events parked for the reorder allowance (all shards).
  size_t max_pending_events = 1'000'000;
  int shards = 8;
  // Histogram bounds in seconds, ascending; configured thresholds are added.
  std::vector<double> wait_buckets = {1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600,
                                      1800, 3600, 14400, 86400};
  std::vector<double> handle_buckets = {30, 60, 120, 180, 240, 300, 420, 600, 900, 1200, 1800,
                                        3600, 7200};
  // Elapsed time of completed item objectives, in their basis: 1 min to 2
  // weeks; configured duration thresholds are added.
  std::vector<double> elapsed_buckets = {60,    300,    900,    1800,   3600,   7200,   14400,  28800,
                                         86400, 172800, 259200, 432000, 604800, 1209600};
  WindowOptions windows;
};

// Adds every answer threshold and short-abandon bound of `policies` to
// options->wait_buckets (sla-semantics §6), every other objective's duration
// threshold to options->elapsed_buckets, and sorts them.
void AddObjectiveBounds(const PolicySet& policies, EngineOptions* options);

// Waits an operator ends by hand (Engine::EndWaits): contacts whose end
// event will never come (a PBX restarted, a collector lost it) under a
// policy without give_up_after, or one that had none when they arrived.
struct WaitSelection {
  // Waiting in their current queue since before this instant (event time).
  absl::Time started_before = absl::InfinitePast();
  // Each empty: any.
  std::vector<std::string> queues;
  std::vector<std::string> channels;
  std::vector<std::string> contact_ids;
};

// A wait that EndWaits ended, or that FindWaits found.
struct EndedWait {
  QueueKey key;
  std::string source;
  std::string contact_id;
  absl::Time waiting_since;
};

class Shard;

// Rebuilds a policy set from its origin (PolicySet::origin) when saved state
// is loaded.
using PolicyDecoder =
    std::function<absl::StatusOr<std::shared_ptr<const PolicySet>>(absl::string_view origin)>;

class Engine {
 public:
  Engine(EngineOptions options, std::shared_ptr<const PolicySet> policies);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Applies events then records; results[i] belongs to events[i] and
  // results[events.size() + j] to records[j]. Thread-safe: each shard's
  // items in batch order, the shards in whatever order they come free (a
  // busy one is spun on a while before it is slept on). What the events
  // point into must live until Apply returns; the engine copies what it
  // keeps.
  void Apply(std::span<const EventView> events, std::span<const ContactRecord> records,
             absl::Time now, std::span<ItemResult> results);
  ItemResult ApplyOne(const EventView& event, absl::Time now);
  ItemResult ApplyOne(const Event& event, absl::Time now) { return ApplyOne(event.As<absl::string_view>(), now); }

  // Moves windows forward, fires the item deadlines and warning points that
  // passed more than the reorder allowance ago, and expires parked events,
  // finished contacts and old event ids. Call at least every few hundred
  // milliseconds. Warnings and breaches since the last Tick (fired here, or
  // found when a late completion was applied) are appended to `alerts`.
  void Tick(absl::Time now, std::vector<ItemAlert>* alerts = nullptr);

  // New contacts match the new policies; open ones keep the version they
  // matched at arrival.
  void SetPolicies(std::shared_ptr<const PolicySet> policies);

  // Ends the waits `selection` names as given up on at `now`, as
  // give_up_after would have: they leave the live gauges, count as
  // given_up and take no answer outcome (what happened to them is
  // unknown); a breach already counted stays. Returns them, oldest first.
  std::vector<EndedWait> EndWaits(const WaitSelection& selection, absl::Time now);
  // The waits EndWaits would end now; changes nothing.
  std::vector<EndedWait> FindWaits(const WaitSelection& selection) const;

  // Ordered changes, for a caller that logs its changes and must rebuild
  // the same state by replaying the log in order (storage::Journal). Each
  // shard's state depends only on the changes it saw and their order, so
  // they need not apply one at a time, only in log order within each
  // shard. The caller prepares a change (outside any lock), takes its turn
  // in log order (under its own lock: the one serial step, O(shards)), and
  // applies it after releasing that lock: in each shard it touches the
  // change waits for the changes whose turns came before it there, and runs
  // alongside the others. Replay and the plain calls above take no turns;
  // they must not run while turns are taken or applied. A thread applies
  // the turns it took in the order it took them (a later one would wait
  // for ever for an earlier one it holds).
  class Turn {
   public:
    Turn(Turn&&) noexcept;
    Turn& operator=(Turn&&) noexcept;
    // A turn taken must have been applied: the shards' later turns wait
    // for it for ever otherwise, so dropping one crashes.
    ~Turn();
    // Counts an item of the batch that an adapter rejected before it
    // reached the engine (as CountRejectedAtEdge) when the turn is taken,
    // so that a cut between turns never holds part of a batch.
    void CountRejectedAtEdge(RejectReason reason);

   private:
    friend class Engine;
    enum class Kind : uint8_t { kApply, kTick, kSetPolicies, kEndWaits };
    struct Plan;
    explicit Turn(std::unique_ptr<Plan> plan);
    std::unique_ptr<Plan> plan_;
  };
  // Hashes the items and finds their shards. `events` and `records` must
  // outlive the turn's Apply.
  Turn PrepareApply(std::span<const EventView> events, std::span<const ContactRecord> records) const;
  Turn PrepareTick() const;
  Turn PrepareSetPolicies(std::shared_ptr<const PolicySet> policies) const;
  // `selection` must outlive the turn's EndWaits.
  Turn PrepareEndWaits(const WaitSelection& selection) const;
  // Gives `turn` its place in every shard it touches, after every turn
  // taken before. Calls must not overlap (the caller's lock orders them). An
  // Apply turn takes the policies current now; a SetPolicies turn makes its
  // policies current from here on (for new contacts).
  void TakeTurn(Turn& turn);
  // Apply, Tick, SetPolicies and EndWaits above, for a turn of their
  // kind, taken.
  void Apply(Turn& turn, absl::Time now, std::span<ItemResult> results);
  void Tick(Turn& turn, absl::Time now, std::vector<ItemAlert>* alerts = nullptr);
  void SetPolicies(Turn& turn);
  std::vector<EndedWait> EndWaits(Turn& turn, absl::Time now);
  // Returns once every turn taken has been applied. Where no TakeTurn can
  // run meanwhile (under the caller's lock), the state is then a consistent
  // cut for SaveState.
  void AwaitTurns() const;

  // Counts an item that an adapter rejected before it reached the engine
  // (it could not be converted), so that every rejection is counted here.
  void CountRejectedAtEdge(RejectReason reason);

  EngineSnapshot Snapshot(absl::Time now) const;
  // The same into `into`, reusing its memory: a scrape refills the snapshot
  // of the scrape before it. `into` is empty or a snapshot an engine took
  // (one entry per key); what it held is replaced.
  void Snapshot(absl::Time now, EngineSnapshot& into) const;
  // The interval history: the periods starting in [from, to), per interval
  // or summed per local day, sorted by key then start. Exact: every outcome
  // counted is in the period its event time falls in (within the history
  // kept, WindowOptions::history).
  enum class Period : uint8_t { kInterval, kDay };
  std::vector<HistoryRow> History(absl::Time from, absl::Time to, Period period) const;
  const EngineOptions& options() const { return options_; }
  std::shared_ptr<const PolicySet> policies() const;

  // The whole state as bytes (open contacts, counters, windows, parked
  // events, remembered event ids, policy generations by origin). It is a
  // consistent cut only if no Apply, Tick or SetPolicies runs meanwhile: the
  // storage layer, which orders those, holds them off while saving.
  std::string SaveState() const;
  // Replaces the state of an engine that has applied nothing yet with saved
  // state; the engine is unchanged on error. The saved shard count wins over
  // the configured one (contacts are placed by it). Histograms saved with
  // other bounds are re-bucketed (Histogram::Rebucket), rolling windows
  // saved with other lengths start empty.
  absl::Status LoadState(absl::string_view data, const PolicyDecoder& decode);

 private:
  struct Slot;
  // Hashes the items of `plan` and finds their shards.
  void PlanItems(Turn::Plan& plan) const;
  // Runs `apply_in(shard)` once for each shard of `plan`, under the shard's
  // lock and, for a turn taken, at its place in the shard's order.
  template <typename ApplyIn>
  void InEachShard(Turn::Plan& plan, ApplyIn apply_in);
  // A plan for a change to every shard (a tick, a reload).
  std::unique_ptr<Turn::Plan> PlanEveryShard(Turn::Kind kind) const;
  // Applies a taken turn of `kind` by `apply_in(shard)` in each of its
  // shards (InEachShard), once.
  template <typename ApplyIn>
  void ApplyTurn(Turn& turn, Turn::Kind kind, ApplyIn apply_in);
  // Makes `policies` the set new contacts match.
  void MakeCurrent(std::shared_ptr<const PolicySet> policies);
  // Applies the items of `plan` that belong to `shard`.
  void ApplyInShard(const Turn::Plan& plan, uint32_t shard, absl::Time now, std::span<ItemResult> results);
  // The high bits choose the shard, so that keys of one shard still spread
  // over the low bits its hash tables use.
  size_t ShardOf(size_t contact_hash) const { return (contact_hash >> 40) % slots_.size(); }

  EngineOptions options_;
  mutable std::mutex policies_mu_;
  std::shared_ptr<const PolicySet> policies_;
  // Every policy set ever loaded: contacts point into them.
  std::vector<std::shared_ptr<const PolicySet>> generations_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::array<std::atomic<uint64_t>, kRejectReasonCount> rejected_at_edge_{};
};

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_ENGINE_H_
