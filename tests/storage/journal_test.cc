// The journal: an engine rebuilt from the data directory after a stop,
// with or without snapshots, damaged or not, equals the engine that wrote it.
#include "daemon/storage/journal.h"

#include <atomic>
#include <barrier>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/files.h"
#include "gtest/gtest.h"
#include "tests/engine/test_util.h"
#include "tests/temp_dir.h"

namespace slamon::storage {
namespace {

using engine::Engine;
using engine::EngineSnapshot;
using engine::testing::Arrival;
using engine::testing::At;

// A toy log. A batch record's body lists contacts arriving, "contact" (in
// queue "sales") or "contact@queue", joined by ','; each arrival's event id
// is its contact's, so that batches arriving one contact in two queues
// conflict and the one applied first wins. A tick record has no body, a
// policies record names its set ("v1" or "v2").
class JournalTest : public ::testing::Test {
 protected:
  JournalTest() {
    for (const std::string name : {"v1", "v2"}) {
      engine::Policy p;
      p.name = name == "v1" ? "phone" : "phone-2";
      p.objectives.push_back(engine::testing::AnswerObjective(20));
      policy_sets_[name] = std::make_shared<engine::PolicySet>(std::vector<engine::Policy>{p}, name);
    }
  }

  std::unique_ptr<Engine> NewEngine(int shards = engine::EngineOptions{}.shards) {
    return std::make_unique<Engine>(engine::EngineOptions{.shards = shards}, policy_sets_.at("v1"));
  }

  // Opens the journal over `engine`, replaying into it.
  std::unique_ptr<Journal> Open(Engine* engine, RecoveryReport* report, JournalOptions options = {}) {
    options.dir = dir_.path() + "/data";
    auto decode = [this](absl::string_view origin) -> absl::StatusOr<std::shared_ptr<const engine::PolicySet>> {
      auto it = policy_sets_.find(origin);
      if (it == policy_sets_.end()) return absl::NotFoundError("unknown origin");
      return it->second;
    };
    auto replay = [this, engine](RecordType type, absl::Time at, absl::string_view body) {
      switch (type) {
        case RecordType::kTick: engine->Tick(at); break;
        case RecordType::kPolicies: engine->SetPolicies(policy_sets_.at(std::string(body))); break;
        case RecordType::kBatch: {
          const std::vector<engine::Event> events = ArrivalsOf(body);
          std::vector<engine::ItemResult> results(events.size());
          engine->Apply(engine::ViewsOf(events), {}, at, results);
          break;
        }
        case RecordType::kEndWaits: return absl::InternalError("these tests log no end-waits");
        default: return absl::DataLossError("unknown record type");
      }
      return absl::OkStatus();
    };
    // Called under the journal's lock only: Record calls do not race on it.
    auto clock = [this] { return now_ += step_; };
    auto journal = Journal::Open(options, engine, decode, replay, clock, report);
    EXPECT_TRUE(journal.ok()) << journal.status();
    return journal.ok() ? *std::move(journal) : nullptr;
  }

  static std::vector<engine::Event> ArrivalsOf(absl::string_view body) {
    std::vector<engine::Event> events;
    for (absl::string_view item : absl::StrSplit(body, ',')) {
      const std::pair<std::string, std::string> contact_queue = absl::StrSplit(item, absl::MaxSplits('@', 1));
      events.push_back(Arrival(contact_queue.first, 0, contact_queue.second.empty() ? "sales" : contact_queue.second));
    }
    return events;
  }

  // Records and applies a batch of arrivals; the results are checked by
  // `check`.
  uint64_t ArriveBatch(Journal& journal, Engine& engine, const std::string& body,
                       const std::function<void(const engine::ItemResult&)>& check) {
    const std::vector<engine::Event> events = ArrivalsOf(body);
    const std::vector<engine::EventView> views = engine::ViewsOf(events);
    Engine::Turn turn = engine.PrepareApply(views, {});
    return journal.Record(RecordType::kBatch, body, turn, [&](absl::Time now) {
      std::vector<engine::ItemResult> results(events.size());
      engine.Apply(turn, now, results);
      for (const engine::ItemResult& r : results) check(r);
    });
  }
  // One contact arriving a second after the last record.
  uint64_t Arrive(Journal& journal, Engine& engine, const std::string& contact) {
    now_ += absl::Seconds(1);
    return ArriveBatch(journal, engine, contact,
                       [](const engine::ItemResult& r) { EXPECT_TRUE(r.accepted()) << r.detail; });
  }

  void Tick(Journal& journal, Engine& engine) {
    Engine::Turn turn = engine.PrepareTick();
    journal.Record(RecordType::kTick, "", turn, [&](absl::Time now) { engine.Tick(turn, now); });
  }

  void SetPolicies(Journal& journal, Engine& engine, const std::string& name) {
    Engine::Turn turn = engine.PrepareSetPolicies(policy_sets_.at(name));
    journal.Record(RecordType::kPolicies, name, turn, [&](absl::Time) { engine.SetPolicies(turn); });
  }

  std::vector<std::string> Files(absl::string_view prefix, absl::string_view suffix) {
    std::vector<std::string> names;
    absl::StatusOr<std::vector<NumberedFile>> files = ListNumbered(dir_.path() + "/data", prefix, suffix);
    EXPECT_TRUE(files.ok()) << files.status();
    if (files.ok()) {
      for (const NumberedFile& f : *files) names.push_back(f.name);
    }
    return names;
  }

  testing::TempDir dir_;
  absl::flat_hash_map<std::string, std::shared_ptr<const engine::PolicySet>> policy_sets_;
  absl::Time now_ = At(0);
  absl::Duration step_;  // how far the clock moves per record
};

TEST_F(JournalTest, ReplaysTheLogIntoAFreshEngine) {
  auto original = NewEngine();
  RecoveryReport report;
  {
    auto journal = Open(original.get(), &report);
    EXPECT_EQ(report.snapshot_seq, 0u);
    EXPECT_EQ(report.log.records, 0u);
    Arrive(*journal, *original, "c1");
    Arrive(*journal, *original, "c2");
    Tick(*journal, *original);
  }
  auto restored = NewEngine();
  auto journal = Open(restored.get(), &report);
  EXPECT_EQ(report.log.records, 3u);
  EXPECT_EQ(report.log.last_seq, 3u);
  EXPECT_EQ(restored->Snapshot(now_), original->Snapshot(now_));
  EXPECT_EQ(restored->Snapshot(now_).health.open_contacts, 2u);
  // Numbering continues after the recovered records.
  EXPECT_EQ(Arrive(*journal, *restored, "c3"), 4u);
}

TEST_F(JournalTest, SnapshotStandsInForTheLogBehindIt) {
  auto original = NewEngine();
  RecoveryReport report;
  {
    auto journal = Open(original.get(), &report);
    Arrive(*journal, *original, "c1");
    Arrive(*journal, *original, "c2");
    ASSERT_TRUE(journal->SnapshotNow().ok());
    Arrive(*journal, *original, "c3");
    ASSERT_TRUE(journal->SnapshotNow().ok());
    Arrive(*journal, *original, "c4");
    ASSERT_TRUE(journal->SnapshotNow().ok());  // the first snapshot (seq 2) goes
    Arrive(*journal, *original, "c5");
    EXPECT_EQ(journal->stats().snapshots_written, 3u);
  }
  EXPECT_EQ(Files("snapshot-", ".state"),
            (std::vector<std::string>{"snapshot-00000000000000000003.state", "snapshot-00000000000000000004.state"}));
  auto restored = NewEngine();
  auto journal = Open(restored.get(), &report);
  EXPECT_EQ(report.snapshot_seq, 4u);
  EXPECT_EQ(report.log.records, 1u);  // c5
  EXPECT_TRUE(report.skipped_snapshots.empty());
  EXPECT_EQ(restored->Snapshot(now_), original->Snapshot(now_));
}

TEST_F(JournalTest, DamagedNewestSnapshotFallsBackToTheOlderOneAndALongerLog) {
  auto original = NewEngine();
  RecoveryReport report;
  {
    auto journal = Open(original.get(), &report, {.log = {.segment_bytes = 1}});  // a segment per commit
    Arrive(*journal, *original, "c1");
    ASSERT_TRUE(journal->SnapshotNow().ok());
    Arrive(*journal, *original, "c2");
    Arrive(*journal, *original, "c3");
    ASSERT_TRUE(journal->SnapshotNow().ok());
    Arrive(*journal, *original, "c4");
  }
  const std::string newest = dir_.path() + "/data/snapshot-00000000000000000003.state";
  std::string data = *ReadWholeFile(newest);
  data[data.size() - 2] ^= 0x40;
  ASSERT_TRUE(WriteFileAtomically(newest, data).ok());

  auto restored = NewEngine();
  auto journal = Open(restored.get(), &report);
  EXPECT_EQ(report.skipped_snapshots,
            (std::vector<std::string>{"snapshot-00000000000000000003.state: checksum mismatch"}));
  EXPECT_EQ(report.snapshot_seq, 1u);
  EXPECT_EQ(report.log.records, 3u);  // c2, c3, c4
  EXPECT_EQ(restored->Snapshot(now_), original->Snapshot(now_));
}

TEST_F(JournalTest, TornLogTailRecoversTheStateOfTheLastGoodRecord) {
  auto original = NewEngine();
  RecoveryReport report;
  EngineSnapshot before_tear;
  {
    auto journal = Open(original.get(), &report);
    Arrive(*journal, *original, "c1");
    Arrive(*journal, *original, "c2");
  }
  before_tear = original->Snapshot(now_);
  const std::vector<std::string> segments = Files("log-", ".wal");
  ASSERT_EQ(segments.size(), 1u);
  std::ofstream(dir_.path() + "/data/" + segments[0], std::ios::app) << "\x01\x02\x03";

  auto restored = NewEngine();
  auto journal = Open(restored.get(), &report);
  EXPECT_TRUE(report.log.damaged);
  EXPECT_EQ(report.log.dropped_bytes, 3u);
  EXPECT_EQ(report.log.records, 2u);
  EXPECT_EQ(restored->Snapshot(now_), before_tear);
  EXPECT_EQ(Arrive(*journal, *restored, "c3"), 3u);
}

TEST_F(JournalTest, LogCutBeforeTheSnapshotStartsAfreshAfterIt) {
  auto original = NewEngine();
  RecoveryReport report;
  {
    auto journal = Open(original.get(), &report);
    Arrive(*journal, *original, "c1");
    Arrive(*journal, *original, "c2");
    ASSERT_TRUE(journal->SnapshotNow().ok());
  }
  // A flipped bit in the first record cuts the whole log, which the
  // snapshot (record 2) covers.
  const std::string segment = dir_.path() + "/data/" + Files("log-", ".wal")[0];
  std::string data = *ReadWholeFile(segment);
  data[20] ^= 0x01;
  ASSERT_TRUE(WriteFileAtomically(segment, data).ok());
  {
    auto restored = NewEngine();
    auto journal = Open(restored.get(), &report);
    EXPECT_EQ(report.snapshot_seq, 2u);
    EXPECT_TRUE(report.log.damaged);
    EXPECT_EQ(Arrive(*journal, *restored, "c3"), 3u);
  }
  // The next start reads record 3 after the snapshot, with no hole before it.
  auto again = NewEngine();
  auto journal = Open(again.get(), &report);
  EXPECT_FALSE(report.log.damaged) << report.log.damage;
  EXPECT_EQ(report.log.records, 1u);
  EXPECT_EQ(again->Snapshot(now_).health.open_contacts, 3u);
}

// Batches from three threads, ticks, a policy reload and snapshots, all at
// once. Batches apply in parallel, each shard in the log's order, so the
// snapshots and the log must still rebuild the same state, and every
// contact must land in the queue of the batch the log holds first.
TEST_F(JournalTest, ChangesAppliedAtOnceReplayIntoTheSameState) {
  constexpr int kWriters = 3, kBatches = 150, kBatchSize = 20;
  constexpr int kContacts = kBatches * kBatchSize;
  step_ = absl::Milliseconds(10);
  // Two shards: most batches wait for each other in both.
  auto original = NewEngine(2);
  RecoveryReport report;
  std::atomic<int> batches_recorded = 0, accepted = 0, duplicates = 0;
  {
    auto journal = Open(original.get(), &report);
    // Every writer arrives the same contacts in the same order, each in
    // its own queue, a batch at a time in step with the others: the one
    // applied first is accepted, the others are duplicates.
    std::barrier in_step(kWriters);
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        for (int b = 0; b < kBatches; ++b) {
          in_step.arrive_and_wait();
          std::vector<std::string> items;
          for (int i = 0; i < kBatchSize; ++i) items.push_back(absl::StrCat("c", b * kBatchSize + i, "@q", w));
          ArriveBatch(*journal, *original, absl::StrJoin(items, ","), [&](const engine::ItemResult& r) {
            (r.accepted() ? accepted : duplicates) += 1;
          });
          batches_recorded += 1;
        }
      });
    }
    // The reload comes while batches apply (or after them, on a slow
    // machine); contacts that arrive after it match the new set.
    std::thread reloader([&] {
      while (batches_recorded < kWriters * kBatches / 2) std::this_thread::yield();
      SetPolicies(*journal, *original, "v2");
      ArriveBatch(*journal, *original, "late1@q9,late2@q9",
                  [&](const engine::ItemResult& r) { EXPECT_TRUE(r.accepted()) << r.detail; });
    });
    std::atomic<bool> done = false;
    std::thread ticker([&] {
      while (!done) Tick(*journal, *original);
    });
    std::thread snapshotter([&] {
      do {
        EXPECT_TRUE(journal->SnapshotNow().ok());
      } while (!done);
    });
    for (std::thread& t : writers) t.join();
    reloader.join();
    done = true;
    ticker.join();
    snapshotter.join();
    EXPECT_GE(journal->stats().snapshots_written, 1u);
  }
  EXPECT_EQ(accepted, kContacts);
  EXPECT_EQ(duplicates, (kWriters - 1) * kContacts);

  auto restored = NewEngine(2);
  auto journal = Open(restored.get(), &report);
  EXPECT_EQ(report.replay_errors, 0u) << report.first_replay_error;
  const EngineSnapshot want = original->Snapshot(now_);
  EXPECT_EQ(restored->Snapshot(now_), want);
  EXPECT_EQ(want.health.accepted, static_cast<uint64_t>(kContacts + 2));
  EXPECT_EQ(want.health.duplicates, static_cast<uint64_t>((kWriters - 1) * kContacts));
  EXPECT_EQ(want.health.open_contacts, static_cast<uint64_t>(kContacts + 2));
  // Each contact waits in one queue: the writers' under the first set, or
  // theirs and q9 under both.
  int64_t waiting = 0;
  std::set<std::string> policies;
  for (const engine::QueueSnapshot& q : want.queues) {
    waiting += q.waiting;
    policies.insert(q.key.policy);
  }
  EXPECT_EQ(waiting, kContacts + 2);
  EXPECT_EQ(policies.count("phone"), 1u);
  EXPECT_EQ(policies.count("phone-2"), 1u);
}

TEST_F(JournalTest, DataDirThatCannotBeCreatedIsAnErrorNamingIt) {
  const std::string file = dir_.Write("data", "not a directory");
  auto engine = NewEngine();
  RecoveryReport report;
  auto journal = Journal::Open({.dir = file + "/inner"}, engine.get(), nullptr, nullptr, [] { return At(0); }, &report);
  ASSERT_FALSE(journal.ok());
  EXPECT_EQ(journal.status().message(), file + "/inner: cannot create the data directory: Not a directory");
}

}  // namespace
}  // namespace slamon::storage
