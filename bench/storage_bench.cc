// Durability costs: saving and loading engine state with many open contacts
// (what a restart pays), the write-ahead log's group commit, and batches
// applied through the journal from several threads.
//
//   build/bench/storage_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemon/engine/engine.h"
#include "daemon/storage/journal.h"
#include "daemon/storage/log.h"

namespace slamon {
namespace {

const absl::Time kBase = absl::FromUnixSeconds(1'780'000'000);

std::shared_ptr<const engine::PolicySet> Policies() {
  engine::Policy p;
  p.name = "phone";
  engine::Objective answer;
  answer.threshold = absl::Seconds(20);
  answer.goal = 0.8;
  p.objectives.push_back(answer);
  return std::make_shared<engine::PolicySet>(std::vector<engine::Policy>{p}, "bench");
}

// Contact `n` arriving in one of 1,000 queues, with contact and event ids
// shaped like real ones.
engine::Event ArrivalOf(int64_t n) {
  engine::Event ev;
  ev.kind = engine::EventKind::kArrived;
  ev.source = "pbx-madrid-01";
  ev.contact_id = absl::StrCat("1718030000.", n);
  ev.event_id = absl::StrCat(ev.contact_id, "/arrived");
  ev.queue = absl::StrCat("queue-", n % 1000);
  ev.channel = "phone";
  ev.occurred_at = kBase + absl::Milliseconds(n);
  return ev;
}

// `contacts` contacts waiting (arrived, not yet answered).
std::unique_ptr<engine::Engine> EngineWithOpenContacts(int64_t contacts) {
  auto e = std::make_unique<engine::Engine>(engine::EngineOptions{}, Policies());
  std::vector<engine::Event> batch(1000);
  std::vector<engine::ItemResult> results(batch.size());
  for (int64_t i = 0; i < contacts; i += static_cast<int64_t>(batch.size())) {
    for (size_t k = 0; k < batch.size(); ++k) batch[k] = ArrivalOf(i + static_cast<int64_t>(k));
    e->Apply(engine::ViewsOf(batch), {}, kBase + absl::Milliseconds(i), results);
  }
  return e;
}

void BM_SaveState(benchmark::State& state) {
  auto e = EngineWithOpenContacts(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) bytes = e->SaveState().size();
  state.counters["open_contacts"] = static_cast<double>(state.range(0));
  state.counters["bytes_per_contact"] = static_cast<double>(bytes) / static_cast<double>(state.range(0));
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_SaveState)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(3);

// A restart: Journal::Open reading a snapshot of 1M open contacts from disk,
// checking it and loading it into a fresh engine.
void BM_RecoverFromSnapshot(benchmark::State& state) {
  const std::string dir = (std::filesystem::temp_directory_path() / "slamon-storage-bench").string();
  std::filesystem::remove_all(dir);
  {
    auto e = EngineWithOpenContacts(state.range(0));
    storage::RecoveryReport report;
    auto journal = storage::Journal::Open({.dir = dir}, e.get(), nullptr, nullptr, [] { return kBase; }, &report);
    if (!journal.ok() || !(*journal)->SnapshotNow().ok()) return state.SkipWithError("cannot write the snapshot");
  }
  const auto decode = [](absl::string_view) -> absl::StatusOr<std::shared_ptr<const engine::PolicySet>> {
    return Policies();
  };
  storage::RecoveryReport report;
  for (auto _ : state) {
    state.PauseTiming();
    auto fresh = std::make_unique<engine::Engine>(engine::EngineOptions{}, Policies());
    state.ResumeTiming();
    auto journal = storage::Journal::Open({.dir = dir}, fresh.get(), decode, nullptr, [] { return kBase; }, &report);
    if (!journal.ok()) return state.SkipWithError(std::string(journal.status().message()).c_str());
    state.PauseTiming();
    journal->reset();
    fresh.reset();
    state.ResumeTiming();
  }
  state.counters["open_contacts"] = static_cast<double>(state.range(0));
  state.counters["snapshot_MB"] = static_cast<double>(report.snapshot_bytes) / 1e6;
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RecoverFromSnapshot)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(3);

// Appending batch-sized records (100 events of ~110 bytes) from one thread
// and waiting for each group commit with fdatasync: records/s and syncs.
void BM_LogGroupCommit(benchmark::State& state) {
  const std::string dir = (std::filesystem::temp_directory_path() / "slamon-log-bench").string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto writer = storage::LogWriter::Open(dir, 0, {.sync = state.range(0) == 1});
  if (!writer.ok()) return state.SkipWithError("cannot open the log");
  const std::string payload(11'000, 'x');
  for (auto _ : state) {
    for (int i = 0; i < 32; ++i) (*writer)->Append(storage::RecordType::kBatch, payload);
    if (!(*writer)->Sync().ok()) return state.SkipWithError("sync failed");
  }
  state.counters["batches_per_s"] = benchmark::Counter(static_cast<double>(state.iterations() * 32),
                                                       benchmark::Counter::kIsRate);
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(state.iterations() * 3200),
                                                      benchmark::Counter::kIsRate);
  writer->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_LogGroupCommit)->ArgName("fdatasync")->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

// Batches of 100 events (50 contacts arriving and answered) recorded and
// applied through the journal (log without fdatasync, 2 shards) by 1 or 2
// threads at once. serial:1 holds one lock over each Record and its apply,
// as the journal did before each change took its own turn in the shards
// (Engine::Turn): what applying one batch at a time gave.
void BM_JournalRecordBatches(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const bool serial = state.range(1) == 1;
  constexpr int kBatchesPerThread = 400, kContactsPerBatch = 50;
  const std::string dir = (std::filesystem::temp_directory_path() / "slamon-journal-bench").string();
  std::vector<std::vector<std::vector<engine::Event>>> batches(threads);
  for (int t = 0; t < threads; ++t) {
    for (int b = 0; b < kBatchesPerThread; ++b) {
      std::vector<engine::Event>& batch = batches[t].emplace_back();
      for (int c = 0; c < kContactsPerBatch; ++c) {
        const int64_t n = (static_cast<int64_t>(t) * kBatchesPerThread + b) * kContactsPerBatch + c;
        engine::Event arrived = ArrivalOf(n);
        engine::Event answered = arrived;
        answered.kind = engine::EventKind::kAnswered;
        answered.event_id = absl::StrCat(arrived.contact_id, "/answered");
        answered.occurred_at += absl::Seconds(n % 40);
        batch.push_back(std::move(arrived));
        batch.push_back(std::move(answered));
      }
    }
  }
  // What ingest applies: views, here of the events above.
  std::vector<std::vector<std::vector<engine::EventView>>> views(threads);
  for (int t = 0; t < threads; ++t) {
    for (const std::vector<engine::Event>& batch : batches[t]) views[t].push_back(engine::ViewsOf(batch));
  }
  const std::string body(6'000, 'x');  // about a wire batch of 100 events
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    auto e = std::make_unique<engine::Engine>(engine::EngineOptions{.shards = 2}, Policies());
    storage::RecoveryReport report;
    auto journal = storage::Journal::Open({.dir = dir, .log = {.sync = false}}, e.get(), nullptr, nullptr,
                                          [] { return kBase + absl::Hours(1); }, &report);
    if (!journal.ok()) return state.SkipWithError(std::string(journal.status().message()).c_str());
    std::mutex one_at_a_time;
    state.ResumeTiming();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        std::vector<engine::ItemResult> results(2 * kContactsPerBatch);
        for (const std::vector<engine::EventView>& batch : views[t]) {
          std::unique_lock lock(one_at_a_time, std::defer_lock);
          if (serial) lock.lock();
          engine::Engine::Turn turn = e->PrepareApply(batch, {});
          (*journal)->Record(storage::RecordType::kBatch, body, turn,
                             [&](absl::Time now) { e->Apply(turn, now, results); });
        }
      });
    }
    for (std::thread& w : workers) w.join();
    state.PauseTiming();
    journal->reset();
    e.reset();
    state.ResumeTiming();
  }
  state.counters["events_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * threads * kBatchesPerThread * 2 * kContactsPerBatch),
      benchmark::Counter::kIsRate);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_JournalRecordBatches)
    ->ArgNames({"threads", "serial"})
    ->Args({1, 0})
    ->Args({2, 1})
    ->Args({2, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace slamon

BENCHMARK_MAIN();
