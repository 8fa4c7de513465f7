// The deadline index with a million open items: the cost of a tick (what
// fires, not what is open) and the memory an open contact takes. Run:
//   build/bench/items_bench --benchmark_counters_tabular=true
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/heap_in_use.h"
#include "benchmark/benchmark.h"
#include "daemon/engine/engine.h"

namespace slamon::engine {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'772'442'000);

// One resolution objective (a day, or 8 business hours), or with
// `three` also an acknowledgement (1 h) and an answer (4 h): three open
// items per waiting contact.
std::shared_ptr<const PolicySet> Policies(bool business, bool three) {
  Policy p;
  p.name = "cases";
  if (three) {
    Objective ack;
    ack.kind = ObjectiveKind::kAcknowledge;
    ack.threshold = absl::Hours(1);
    Objective answer;
    answer.kind = ObjectiveKind::kAnswer;
    answer.threshold = absl::Hours(4);
    answer.warn.fraction = 0.75;
    p.objectives = {ack, answer};
  }
  Objective resolution;
  resolution.kind = ObjectiveKind::kResolution;
  resolution.threshold = absl::Hours(24);
  resolution.warn.fraction = 0.8;
  resolution.pausable = true;
  if (business) {
    BusinessHours h;
    h.zone = absl::UTCTimeZone();
    for (int d = 0; d < 5; ++d) h.weekly[d] = {{absl::Hours(9), absl::Hours(17)}};
    resolution.basis = "office";
    resolution.calendar = std::make_shared<const BusinessCalendar>(h);
    resolution.threshold = absl::Hours(8);
  }
  p.objectives.push_back(resolution);
  return std::make_shared<PolicySet>(std::vector<Policy>{p});
}

using bench::HeapInUse;

// `contacts` cases arrive one per 86 ms over a day (deadlines spread over the
// next day), in 100 queues; then the clock moves on 250 ms per tick, as the
// daemon's, from the first deadline on.
void BM_TickWithOpenItems(benchmark::State& state) {
  const int64_t contacts = state.range(0);
  const bool business = state.range(1) != 0;
  const int objectives = static_cast<int>(state.range(2));
  EngineOptions options;
  options.shards = 8;
  const size_t heap_before = HeapInUse();
  Engine engine(options, Policies(business, objectives == 3));
  const absl::Duration spacing = absl::Hours(24) / static_cast<double>(contacts);
  for (int64_t i = 0; i < contacts; ++i) {
    Event e;
    e.kind = EventKind::kArrived;
    e.source = "helpdesk";
    e.contact_id = absl::StrCat("case-", i);
    e.event_id = absl::StrCat("a", i);
    e.occurred_at = kT0 + spacing * static_cast<double>(i);
    e.queue = absl::StrCat("q", i % 100);
    e.channel = "email";
    engine.ApplyOne(e, e.occurred_at);
  }
  // Event ids are remembered for an hour: expire them, so that the figure is
  // what an open contact costs.
  absl::Time now = kT0 + absl::Hours(24) + absl::Minutes(1);
  engine.Tick(now - absl::Hours(23));
  const size_t heap_after = HeapInUse();
  std::vector<ItemAlert> alerts;
  int64_t ticks = 0;
  for (auto _ : state) {
    now += absl::Milliseconds(250);
    alerts.clear();
    engine.Tick(now, &alerts);
    benchmark::DoNotOptimize(alerts.data());
    ++ticks;
    state.counters["fired"] += static_cast<double>(alerts.size());
  }
  state.counters["fired"] /= static_cast<double>(ticks);
  state.counters["open_items"] = static_cast<double>(contacts * objectives);
  state.counters["bytes_per_contact"] =
      static_cast<double>(heap_after - heap_before) / static_cast<double>(contacts);
}
BENCHMARK(BM_TickWithOpenItems)
    ->ArgNames({"contacts", "business", "objectives"})
    ->Args({100'000, 0, 1})
    ->Args({1'000'000, 0, 1})
    ->Args({1'000'000, 1, 1})
    ->Args({1'000'000, 0, 3})
    ->Iterations(4000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace slamon::engine

BENCHMARK_MAIN();
