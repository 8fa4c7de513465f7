// The journal: an engine rebuilt from the data directory after a stop,
// with or without snapshots, damaged or not, equals the engine that wrote it.
#include "daemon/storage/journal.h"

#include <fstream>

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

// A toy log body: a batch record is the id of one contact arriving in queue
// "sales" at the record's time; a tick record has no body.
class JournalTest : public ::testing::Test {
 protected:
  JournalTest() {
    engine::Policy p;
    p.name = "phone";
    p.objectives.push_back(engine::testing::AnswerObjective(20));
    policies_ = std::make_shared<engine::PolicySet>(std::vector<engine::Policy>{p}, "v1");
  }

  std::unique_ptr<Engine> NewEngine() { return std::make_unique<Engine>(engine::EngineOptions{}, policies_); }

  // Opens the journal over `engine`, replaying into it.
  std::unique_ptr<Journal> Open(Engine* engine, RecoveryReport* report, JournalOptions options = {}) {
    options.dir = dir_.path() + "/data";
    auto decode = [this](absl::string_view origin) -> absl::StatusOr<std::shared_ptr<const engine::PolicySet>> {
      if (origin != "v1") return absl::NotFoundError("unknown origin");
      return policies_;
    };
    auto replay = [engine](RecordType type, absl::Time at, absl::string_view body) {
      Apply(*engine, type, at, body);
      return absl::OkStatus();
    };
    auto journal = Journal::Open(options, engine, decode, replay, [this] { return now_; }, report);
    EXPECT_TRUE(journal.ok()) << journal.status();
    return journal.ok() ? *std::move(journal) : nullptr;
  }

  static void Apply(Engine& engine, RecordType type, absl::Time at, absl::string_view body) {
    if (type == RecordType::kTick) return engine.Tick(at);
    engine.ApplyOne(Arrival(std::string(body), absl::ToDoubleSeconds(at - At(0))), at);
  }

  uint64_t Arrive(Journal& journal, Engine& engine, const std::string& contact) {
    now_ += absl::Seconds(1);
    return journal.Record(RecordType::kBatch, contact,
                          [&](absl::Time now) { Apply(engine, RecordType::kBatch, now, contact); });
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
  std::shared_ptr<const engine::PolicySet> policies_;
  absl::Time now_ = At(0);
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
    journal->Record(RecordType::kTick, "", [&](absl::Time now) { original->Tick(now); });
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
