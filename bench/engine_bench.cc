// Engine throughput and scrape cost at scale. Run:
//   build/bench/engine_bench --benchmark_counters_tabular=true
// Under callgrind (bench/count_instructions.sh) only the timed loop of the
// steady state is counted: instructions per event do not vary with the
// machine's load, seconds do.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_DUMP_STATS_AT(name)
#endif

#include "absl/strings/str_cat.h"
#include "bench/heap_in_use.h"
#include "benchmark/benchmark.h"
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

// Steady state: every contact arrives, waits while `open_contacts` others
// arrive, then is answered and wrapped up, across `keys` queues. Each batch is
// built just before it is applied (outside the timing), as ingest converts a
// batch just before applying it.
void BM_EngineSteadyState(benchmark::State& state) {
  const int keys = static_cast<int>(state.range(2));
  const uint64_t open_contacts = static_cast<uint64_t>(state.range(3));
  EngineOptions options;
  options.contact_retention = absl::Seconds(1);
  options.shards = static_cast<int>(state.range(1));
  Engine engine(options, Policies());
  const size_t batch_size = static_cast<size_t>(state.range(0));
  uint64_t contact = 0;
  std::vector<Event> batch;
  std::vector<EventView> views;  // of `batch`, as ingest's point into a wire batch
  auto fill = [&] {
    batch.clear();
    while (batch.size() + 3 <= batch_size) {
      const absl::Time t = kT0 + absl::Milliseconds(10) * static_cast<double>(contact);
      batch.push_back(Make(EventKind::kArrived, contact, t, static_cast<int>(contact % keys)));
      if (contact >= open_contacts) {
        const uint64_t old = contact - open_contacts;
        batch.push_back(Make(EventKind::kAnswered, old, t, 0));
        batch.push_back(Make(EventKind::kWrapupEnded, old, t + absl::Seconds(1), 0));
      }
      ++contact;
    }
    views = ViewsOf(batch);
    return batch.back().occurred_at;  // the daemon clock follows the events
  };
  std::vector<ItemResult> results;
  uint64_t batches = 0;
  // Warm up to the steady state: every queue has answered contacts in every
  // shard (histograms and window buckets allocated), as in a daemon that has
  // run for a while; otherwise the timed loop pays first-use costs at 10k keys.
  while (contact < open_contacts + 8 * static_cast<uint64_t>(keys)) {
    const absl::Time now = fill();
    results.resize(batch.size());
    engine.Apply(views, {}, now, results);
    if (++batches % 100 == 0) engine.Tick(now);
  }
  uint64_t processed = 0;
  absl::Time now;
  for (auto _ : state) {
    state.PauseTiming();
    now = fill();
    results.resize(batch.size());
    state.ResumeTiming();
    CALLGRIND_TOGGLE_COLLECT;  // on: the engine's work only, not building batches
    engine.Apply(views, {}, now, results);
    if (++batches % 100 == 0) {  // a 250 ms tick at ~40k events/s
      std::vector<ItemAlert> alerts;  // taken as the daemon does, each tick
      engine.Tick(now, &alerts);
    }
    CALLGRIND_TOGGLE_COLLECT;
    processed += batch.size();
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
