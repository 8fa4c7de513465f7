// Engine throughput and scrape cost at scale. Run:
//   build/bench/engine_bench --benchmark_counters_tabular=true
// Under callgrind (bench/count_instructions.sh) only the timed loop of the
// steady state is counted: instructions per event do not vary with the
// machine's load, seconds do.
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_DUMP_STATS_AT(name)
#endif

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "bench/heap_in_use.h"
#include "benchmark/benchmark.h"
#include "common/check.h"
#include "daemon/engine/dedup.h"
#include "daemon/engine/engine.h"
#include "daemon/export/exposition.h"
#include "daemon/export/gzip.h"
#include "daemon/export/sla_metrics.h"

namespace slamon::engine {
namespace {

constexpr int kKeys = 10'000;
const absl::Time kT0 = absl::FromUnixSeconds(1'772'442'000);

std::shared_ptr<const PolicySet> Policies() {
  Policy p;
  p.name = "phone";
  Objective answer;
  answer.threshold = absl::Seconds(20);
  answer.short_abandon = absl::Seconds(5);
  answer.goal = 0.8;
  p.objectives.push_back(answer);
  return std::make_shared<PolicySet>(std::vector<Policy>{p});
}

Event Make(EventKind kind, uint64_t contact, absl::Time at, int key) {
  Event e;
  e.kind = kind;
  e.source = "pbx";
  e.contact_id = absl::StrCat("c", contact);
  e.event_id = absl::StrCat(contact, "/", static_cast<int>(kind));
  e.occurred_at = at;
  if (kind == EventKind::kArrived) {
    e.queue = absl::StrCat("q", key);
    e.channel = "phone";
  }
  return e;
}

// The steady state's events: every contact arrives, waits while
// `open_contacts` others arrive, then is answered and wrapped up, across
// `keys` queues, 10 ms of event time apart.
class SteadyStream {
 public:
  SteadyStream(int keys, uint64_t open_contacts) : keys_(keys), open_contacts_(open_contacts) {}

  // The next batch of up to `batch_size` events; returns the daemon time
  // (the last event's: the daemon clock follows the events).
  absl::Time Fill(size_t batch_size) {
    batch_.clear();
    while (batch_.size() + 3 <= batch_size) {
      const absl::Time t = kT0 + absl::Milliseconds(10) * static_cast<double>(contact_);
      batch_.push_back(Make(EventKind::kArrived, contact_, t, static_cast<int>(contact_ % keys_)));
      if (contact_ >= open_contacts_) {
        const uint64_t old = contact_ - open_contacts_;
        batch_.push_back(Make(EventKind::kAnswered, old, t, 0));
        batch_.push_back(Make(EventKind::kWrapupEnded, old, t + absl::Seconds(1), 0));
      }
      ++contact_;
    }
    views_ = ViewsOf(batch_);
    return batch_.back().occurred_at;
  }
  // Views of the batch, as ingest's point into a wire batch.
  const std::vector<EventView>& views() const { return views_; }
  size_t size() const { return batch_.size(); }
  // True until every queue has answered contacts (histograms and window
  // buckets allocated), as in a daemon that has run for a while; otherwise a
  // timed loop pays first-use costs at 10k keys.
  bool warming_up() const { return contact_ < open_contacts_ + 8 * static_cast<uint64_t>(keys_); }

 private:
  int keys_;
  uint64_t open_contacts_;
  uint64_t contact_ = 0;
  std::vector<Event> batch_;
  std::vector<EventView> views_;
};

// The engine in the steady state. Each batch is built just before it is
// applied (outside the timing), as ingest converts a batch just before
// applying it.
void BM_EngineSteadyState(benchmark::State& state) {
  const int keys = static_cast<int>(state.range(2));
  const uint64_t open_contacts = static_cast<uint64_t>(state.range(3));
  EngineOptions options;
  options.contact_retention = absl::Seconds(1);
  options.shards = static_cast<int>(state.range(1));
  Engine engine(options, Policies());
  const size_t batch_size = static_cast<size_t>(state.range(0));
  SteadyStream stream(keys, open_contacts);
  std::vector<ItemResult> results;
  uint64_t batches = 0;
  while (stream.warming_up()) {
    const absl::Time now = stream.Fill(batch_size);
    results.resize(stream.size());
    engine.Apply(stream.views(), {}, now, results);
    if (++batches % 100 == 0) engine.Tick(now);
  }
  uint64_t processed = 0;
  absl::Time now;
  for (auto _ : state) {
    state.PauseTiming();
    now = stream.Fill(batch_size);
    results.resize(stream.size());
    state.ResumeTiming();
    CALLGRIND_TOGGLE_COLLECT;  // on: the engine's work only, not building batches
    engine.Apply(stream.views(), {}, now, results);
    if (++batches % 100 == 0) {  // a 250 ms tick at ~40k events/s
      std::vector<ItemAlert> alerts;  // taken as the daemon does, each tick
      engine.Tick(now, &alerts);
    }
    CALLGRIND_TOGGLE_COLLECT;
    processed += stream.size();
  }
  // One dump per run of the loop (it also zeroes the counts); the last is
  // the run reported.
  CALLGRIND_DUMP_STATS_AT("timed loop");
  state.SetItemsProcessed(static_cast<int64_t>(processed));
  state.counters["timed_events"] = static_cast<double>(processed);
  const EngineSnapshot s = engine.Snapshot(now);
  state.counters["open_contacts"] = static_cast<double>(s.health.open_contacts);
  state.counters["keys"] = static_cast<double>(s.queues.size());
  state.counters["ns_per_event"] = benchmark::Counter(static_cast<double>(processed),
                                                      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
// batch size, shards, queue keys, open contacts
BENCHMARK(BM_EngineSteadyState)
    ->Args({99, 8, 10'000, 100'000})
    ->Args({99, 2, 10'000, 100'000})
    ->Args({99, 8, 100, 10'000})
    ->MinTime(2)
    ->Unit(benchmark::kMicrosecond);

// A floor under the engine's figure: the least an engine that keeps the
// contract, with the structures a streaming engine needs (recent event ids,
// open contacts, counts per queue), does per event of the same stream. It
// remembers each (source, event_id) for an hour of event time (the engine's
// DedupIndex and fingerprints: a retry counts once), finds, adds or drops
// the event's contact, and counts it in its queue, with each batch's memory
// asked for before it is applied. No validation, windows, histograms,
// policies or item deadlines: hashing and memory are what is left. Its
// parts, one at a time:
enum FloorPart {
  kFingerprints,  // hash the ids, ask for the memory; nothing else
  kEventIds,      // and remember the event ids
  kContacts,      // the contacts and their queues' counts, no event ids
  kAll,
};

void BM_EngineFloor(benchmark::State& state) {
  struct Counts {
    uint64_t arrived = 0;
    uint64_t answered = 0;
    uint64_t handled = 0;
    Nanos wait = 0;
  };
  struct OpenContact {
    uint32_t queue;
    Nanos arrived_at;
  };
  const size_t batch_size = static_cast<size_t>(state.range(0));
  SteadyStream stream(static_cast<int>(state.range(1)), static_cast<uint64_t>(state.range(2)));
  const auto part = static_cast<FloorPart>(state.range(3));
  DedupIndex dedup(EngineOptions().dedup_window, EngineOptions().dedup_max_entries);
  absl::flat_hash_map<uint64_t, OpenContact> contacts;  // by the contact's 64-bit fingerprint
  absl::flat_hash_map<std::string, uint32_t> queue_index;
  std::vector<Counts> queues;
  std::vector<std::pair<Fingerprint, Fingerprint>> keys;
  const auto apply = [&](absl::Time now) {
    const std::vector<EventView>& events = stream.views();
    keys.resize(events.size());
    for (size_t i = 0; i < events.size(); ++i) {
      keys[i] = FingerprintsOf(events[i].source, events[i].event_id, events[i].contact_id);
      dedup.Prefetch(keys[i].first);
      contacts.prefetch(keys[i].second.lo);
    }
    const Nanos now_nanos = ToNanos(now);
    for (size_t i = 0; i < events.size(); ++i) {
      const EventView& e = events[i];
      if (part == kFingerprints) {
        benchmark::DoNotOptimize(keys[i]);
        continue;
      }
      if (part != kContacts && !dedup.Insert(keys[i].first, now_nanos)) continue;
      if (part == kEventIds) continue;
      const Nanos at = ToNanos(e.occurred_at);
      if (e.kind == EventKind::kArrived) {
        const auto [q, added] = queue_index.try_emplace(e.queue, static_cast<uint32_t>(queues.size()));
        if (added) queues.emplace_back();
        queues[q->second].arrived += 1;
        contacts.try_emplace(keys[i].second.lo, OpenContact{q->second, at});
        continue;
      }
      const auto it = contacts.find(keys[i].second.lo);
      if (it == contacts.end()) continue;
      Counts& counts = queues[it->second.queue];
      if (e.kind == EventKind::kAnswered) {
        counts.answered += 1;
        counts.wait += at - it->second.arrived_at;
      } else {
        counts.handled += 1;
        contacts.erase(it);
      }
    }
  };
  uint64_t batches = 0;
  while (stream.warming_up()) {
    const absl::Time now = stream.Fill(batch_size);
    apply(now);
    if (++batches % 100 == 0) dedup.Expire(now);
  }
  uint64_t processed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const absl::Time now = stream.Fill(batch_size);
    state.ResumeTiming();
    apply(now);
    if (++batches % 100 == 0) dedup.Expire(now);
    processed += stream.size();
  }
  if (part == kContacts || part == kAll) {
    SLAMON_CHECK(contacts.size() == static_cast<size_t>(state.range(2)));  // the same steady state
  }
  state.counters["ns_per_event"] = benchmark::Counter(static_cast<double>(processed),
                                                      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
// batch size, queue keys, open contacts, part
BENCHMARK(BM_EngineFloor)
    ->Args({99, 10'000, 100'000, kAll})
    ->Args({99, 10'000, 100'000, kFingerprints})
    ->Args({99, 10'000, 100'000, kEventIds})
    ->Args({99, 10'000, 100'000, kContacts})
    ->MinTime(2)
    ->Unit(benchmark::kMicrosecond);

// Memory per remembered event id: `entries` distinct ids in one index, heap
// in use before and after.
void BM_DedupMemory(benchmark::State& state) {
  const auto entries = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    const size_t before = bench::HeapInUse();
    DedupIndex index(absl::Hours(1), entries);
    for (size_t i = 0; i < entries; ++i) index.Insert("pbx", absl::StrCat("event-", i), kT0);
    state.counters["bytes_per_entry"] =
        static_cast<double>(bench::HeapInUse() - before) / static_cast<double>(entries);
  }
}
BENCHMARK(BM_DedupMemory)->Arg(1'000'000)->Arg(1'500'000)->Arg(5'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);

// A scrape at kKeys keys: the engine snapshot, rendering it into the text
// format's family buffers, and both together, each as the daemon does it
// after its first scrape: into the snapshot and page of the scrape before.
const Engine& ScrapeEngine() {
  static const std::unique_ptr<const Engine> engine = [] {
    auto e = std::make_unique<Engine>(EngineOptions{}, Policies());
    std::vector<ItemResult> results(2);
    for (int k = 0; k < kKeys; ++k) {
      const Event ev[2] = {Make(EventKind::kArrived, k, kT0, k),
                           Make(EventKind::kAnswered, k, kT0 + absl::Seconds(k % 40), k)};
      e->Apply(ViewsOf(ev), {}, kT0 + absl::Minutes(1), results);
    }
    return e;
  }();
  return *engine;
}
const absl::Time kScrapeAt = kT0 + absl::Minutes(1);

void BM_ScrapeSnapshot(benchmark::State& state) {
  const Engine& engine = ScrapeEngine();
  EngineSnapshot snapshot = engine.Snapshot(kScrapeAt);
  for (auto _ : state) {
    engine.Snapshot(kScrapeAt, snapshot);
    benchmark::DoNotOptimize(snapshot);
  }
}
BENCHMARK(BM_ScrapeSnapshot)->Name("Scrape/Snapshot")->Unit(benchmark::kMillisecond);

// A snapshot from nothing, as the first scrape and the Query service take it.
void BM_ScrapeFreshSnapshot(benchmark::State& state) {
  const Engine& engine = ScrapeEngine();
  for (auto _ : state) benchmark::DoNotOptimize(engine.Snapshot(kScrapeAt));
}
BENCHMARK(BM_ScrapeFreshSnapshot)->Name("Scrape/FreshSnapshot")->Unit(benchmark::kMillisecond);

void BM_ScrapeRender(benchmark::State& state) {
  const Engine& engine = ScrapeEngine();
  const EngineSnapshot snapshot = engine.Snapshot(kScrapeAt);
  exporter::Page page;
  size_t series = 0;
  auto render = [&] {
    exporter::Exposition out(snapshot.queues.size(), std::move(page));
    exporter::RenderSnapshot(snapshot, engine.options(), out);
    series = out.series();
    page = std::move(out).TakePage();
  };
  render();
  for (auto _ : state) render();
  state.counters["series"] = static_cast<double>(series);
}
BENCHMARK(BM_ScrapeRender)->Name("Scrape/Render")->Unit(benchmark::kMillisecond);

// A scrape's page, but for the few dozen lines of storage and self metrics
// the daemon adds: snapshot and render. Under callgrind only the timed
// scrapes are counted (bench/count_instructions.sh --scrape).
void BM_ScrapeTotal(benchmark::State& state) {
  const Engine& engine = ScrapeEngine();
  EngineSnapshot snapshot;
  exporter::Page page;
  size_t series = 0;
  auto scrape = [&] {
    engine.Snapshot(kScrapeAt, snapshot);
    exporter::Exposition out(snapshot.queues.size(), std::move(page));
    exporter::RenderSnapshot(snapshot, engine.options(), out);
    series = out.series();
    page = std::move(out).TakePage();
  };
  scrape();
  uint64_t timed_series = 0;
  for (auto _ : state) {
    CALLGRIND_TOGGLE_COLLECT;
    scrape();
    CALLGRIND_TOGGLE_COLLECT;
    timed_series += series;
  }
  CALLGRIND_DUMP_STATS_AT("timed loop");
  size_t bytes = 0;
  for (const exporter::TextBuffer& family : page) bytes += family.size();
  state.counters["keys"] = kKeys;
  state.counters["series"] = static_cast<double>(series);
  state.counters["timed_series"] = static_cast<double>(timed_series);
  state.counters["exposition_MB"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_ScrapeTotal)->Name("Scrape/Total")->Unit(benchmark::kMillisecond);

// The gzip of the rendered page, which a scrape that asks for it (every
// Prometheus scrape) adds to Scrape/Total.
void BM_ScrapeGzip(benchmark::State& state) {
  const Engine& engine = ScrapeEngine();
  const EngineSnapshot snapshot = engine.Snapshot(kScrapeAt);
  exporter::Exposition out(snapshot.queues.size());
  exporter::RenderSnapshot(snapshot, engine.options(), out);
  const exporter::Page page = std::move(out).TakePage();
  exporter::TextBuffer gzip;
  for (auto _ : state) exporter::GzipPage(page, gzip);
  size_t bytes = 0;
  for (const exporter::TextBuffer& family : page) bytes += family.size();
  state.counters["exposition_MB"] = static_cast<double>(bytes) / 1e6;
  state.counters["gzip_MB"] = static_cast<double>(gzip.size()) / 1e6;
}
BENCHMARK(BM_ScrapeGzip)->Name("Scrape/Gzip")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace slamon::engine

// SLAMON_BENCH_ITERATIONS=N adds BM_EngineSteadyState/fixed: 2 shards, 10k
// keys, 100k open contacts, exactly N batches, and Scrape/Total/fixed:
// exactly N scrapes, so that instruction counts (bench/count_instructions.sh)
// compare runs of the same work.
int main(int argc, char** argv) {
  if (const char* n = std::getenv("SLAMON_BENCH_ITERATIONS"); n != nullptr) {
    benchmark::RegisterBenchmark("BM_EngineSteadyState/fixed", slamon::engine::BM_EngineSteadyState)
        ->Args({99, 2, 10'000, 100'000})
        ->Iterations(std::strtoll(n, nullptr, 10))
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("Scrape/Total/fixed", slamon::engine::BM_ScrapeTotal)
        ->Iterations(std::strtoll(n, nullptr, 10))
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
