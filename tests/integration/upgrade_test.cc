// State written by earlier releases is read and goes on: each directory
// under tests/testdata/state-format-N holds what an slamond that wrote engine
// state format N saved, on its built-in defaults (phone answered within
// 18 s, e-mail within 4 h; since format 2 also e-mail acknowledged within
// 5 min, updated and resolved).
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/files.h"
#include "common/framing.h"
#include "proto/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace slamon {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Daemon;
using testing::PhoneEvent;
using testing::ParseMetrics;
using testing::Sample;

constexpr char kPhone[] = R"(queue="sales",channel="phone",policy="phone",objective="answer")";
constexpr char kEmail[] = R"(queue="support",channel="email",policy="email",objective="answer")";
constexpr char kEmailAck[] = R"(queue="support",channel="email",policy="email",objective="acknowledge")";
constexpr char kEmailWaiting[] = R"(slamon_contacts_waiting{queue="support",channel="email"})";

// A fresh data directory holding the files of tests/testdata/`name`.
void CopyState(const std::string& name, const testing::TempDir& to) {
  for (const auto& entry : std::filesystem::directory_iterator(testing::SourcePath("tests/testdata/" + name))) {
    if (entry.path().extension() == ".wal" || entry.path().extension() == ".state") {
      std::filesystem::copy_file(entry.path(), absl::StrCat(to.path(), "/", entry.path().filename().string()));
    }
  }
}

// The e-mail e2, still waiting in the saved state, answered now.
v1::BatchAck AnswerE2Now(const Daemon& daemon) {
  v1::ContactEvent answered;
  answered.set_kind(v1::ANSWERED);
  answered.set_source("replay");
  answered.set_contact_id("e2");
  answered.set_event_id("e2-answered");
  SetTimestamp(absl::Now(), answered.mutable_occurred_at());
  v1::BatchAck ack;
  EXPECT_TRUE(daemon.PublishBatch({answered}, &ack).ok());
  return ack;
}

double Outcome(const testing::Samples& m, const char* labels, const char* outcome) {
  return Sample(m, absl::StrCat("slamon_objective_outcomes_total{", labels, ",outcome=\"", outcome, "\"}"))
      .value_or(-1);
}

// Format 1 (before item objectives), saved by slamond 83cbd2d after four
// records: phone p1 answered in 10 s (within), p2 abandoned after 60 s
// (late), e-mail e1 answered in 1 h (within), e2 still waiting since
// 2026-11-21 08:10.
TEST(UpgradeTest, StateFormat1IsReadAndContinues) {
  testing::TempDir state;
  CopyState("state-format-1", state);
  Daemon daemon("", state.path());
  testing::Samples m = ParseMetrics(daemon.Scrape());
  EXPECT_EQ(Outcome(m, kPhone, "answered_within"), 1);
  EXPECT_EQ(Outcome(m, kPhone, "abandoned_late"), 1);
  EXPECT_EQ(Outcome(m, kEmail, "answered_within"), 1);
  EXPECT_EQ(Sample(m, kEmailWaiting), 1);
  EXPECT_EQ(Sample(m, R"(slamon_events_rejected_total{reason="not_paused"})"), 0);
  EXPECT_THAT(daemon.Log(), HasSubstr("snapshot of record 29"));
  // e2 goes on: answered now, more than 4 h after it arrived.
  const v1::BatchAck ack = AnswerE2Now(daemon);
  EXPECT_EQ(ack.accepted(), 1u) << (ack.rejected().empty() ? "" : ack.rejected(0).message());
  m = ParseMetrics(daemon.Scrape());
  EXPECT_EQ(Outcome(m, kEmail, "answered_late"), 1);
  EXPECT_EQ(Sample(m, kEmailWaiting), 0);
}

// Format 2 (item objectives; before the given_up volume counter), saved by
// slamond e147a89 after the four records of state-format-2/records.csv,
// replayed on 2026-11-23: phone p1 answered in 10 s, p2 abandoned after 60 s;
// e-mail e1 acknowledged in 3 min and answered in 1 h; e2 waiting since
// 2026-11-22 08:10, its acknowledgement and answer breached by the ticks
// before the snapshot, its periodic update not started and its resolution
// open (as e1's).
TEST(UpgradeTest, StateFormat2IsReadAndContinues) {
  testing::TempDir state;
  CopyState("state-format-2", state);
  Daemon daemon("", state.path());
  testing::Samples m = ParseMetrics(daemon.Scrape());
  EXPECT_THAT(daemon.Log(), HasSubstr("snapshot of record 36"));
  EXPECT_EQ(Outcome(m, kPhone, "answered_within"), 1);
  EXPECT_EQ(Outcome(m, kPhone, "abandoned_late"), 1);
  EXPECT_EQ(Outcome(m, kEmail, "answered_within"), 1);
  EXPECT_EQ(Outcome(m, kEmailAck, "met"), 1);
  EXPECT_EQ(Sample(m, kEmailWaiting), 1);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_objective_breaches_total{", kPhone, "}")), 1);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_objective_breaches_total{", kEmail, "}")), 1);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_objective_breaches_total{", kEmailAck, "}")), 1);
  EXPECT_EQ(Sample(m, R"(slamon_objective_open_items{queue="support",channel="email",policy="email",)"
                      R"(objective="resolution",state="ok"})"), 2);
  EXPECT_EQ(Sample(m, R"(slamon_contacts_total{queue="support",channel="email",event="arrived"})"), 2);
  // Format 2 had no given_up counter: it reads as none given up.
  EXPECT_EQ(Sample(m, R"(slamon_contacts_total{queue="support",channel="email",event="given_up"})"), 0);
  // e2 answered now: late, and its acknowledgement (which an answer gives)
  // missed; both were breaches already, counted once.
  const v1::BatchAck ack = AnswerE2Now(daemon);
  EXPECT_EQ(ack.accepted(), 1u) << (ack.rejected().empty() ? "" : ack.rejected(0).message());
  m = ParseMetrics(daemon.Scrape());
  EXPECT_EQ(Outcome(m, kEmail, "answered_late"), 1);
  EXPECT_EQ(Outcome(m, kEmailAck, "missed"), 1);
  EXPECT_EQ(Sample(m, kEmailWaiting), 0);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_objective_breaches_total{", kEmail, "}")), 1);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_objective_breaches_total{", kEmailAck, "}")), 1);
}

// Rolled back over a newer slamond's data: a log record of a type this one
// does not know is skipped with an error line, not read as damage, so the
// records after it (acknowledged batches) are kept and applied.
TEST(RollbackTest, ALogRecordOfANewerSlamondIsSkippedAndTheRecordsAfterItKept) {
  testing::TempDir state;
  const std::string data = state.path() + "/data";
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  v1::BatchAck ack;
  {
    Daemon daemon("", data);
    ASSERT_TRUE(daemon.PublishBatch({PhoneEvent(v1::ARRIVED, "p1", now, "sales")}, &ack).ok());
    ASSERT_EQ(ack.accepted(), 1u);
  }  // stopped cleanly: the log ends with whole records
  // A newer slamond's record (type 9, its time then a body) after the last.
  const absl::StatusOr<std::vector<NumberedFile>> segments = ListNumbered(data, "log-", ".wal");
  ASSERT_TRUE(segments.ok() && !segments->empty());
  const std::string last_segment = absl::StrCat(data, "/", segments->back().name);
  const absl::StatusOr<std::string> bytes = ReadWholeFile(last_segment);
  ASSERT_TRUE(bytes.ok());
  uint64_t last_seq = 0;
  Frame frame;
  for (absl::string_view rest = *bytes; !rest.empty(); rest.remove_prefix(frame.size)) {
    ASSERT_EQ(ReadFrame(rest, &frame), FrameResult::kOk);
    last_seq = frame.sequence;
  }
  ASSERT_GT(last_seq, 0u);
  std::string foreign;
  AppendFrame(foreign, last_seq + 1, 9, std::string(8, '\0'), "from the future");
  std::ofstream(last_segment, std::ios::app) << foreign;

  auto daemon = std::make_unique<Daemon>("", data);
  const std::string skipped = absl::StrCat(
      "record ", last_seq + 1, ": record type 9 is unknown to this slamond (a newer one wrote it?): skipped");
  EXPECT_THAT(daemon->Log(), HasSubstr("recovery: 1 logged records could not be applied; first: " + skipped));
  EXPECT_EQ(Sample(ParseMetrics(daemon->Scrape()), "slamon_storage_recovery_skipped_records"), 1);
  ASSERT_TRUE(daemon->PublishBatch({PhoneEvent(v1::ARRIVED, "p2", now, "sales")}, &ack).ok());
  ASSERT_EQ(ack.accepted(), 1u);
  // Killed: p2 is only in the log, after the foreign record.
  daemon->process().Signal(SIGKILL);
  EXPECT_EQ(daemon->process().Wait(10), -SIGKILL);
  daemon = std::make_unique<Daemon>("", data);
  EXPECT_THAT(daemon->Log(), HasSubstr(skipped));
  EXPECT_THAT(daemon->Log(), Not(HasSubstr("damage")));
  const testing::Samples m = ParseMetrics(daemon->Scrape());
  EXPECT_EQ(Sample(m, R"(slamon_contacts_total{queue="sales",channel="phone",event="arrived"})"), 2);
  EXPECT_EQ(Sample(m, R"(slamon_contacts_waiting{queue="sales",channel="phone"})"), 2);
  EXPECT_EQ(Sample(m, "slamon_storage_recovery_skipped_records"), 1);
  EXPECT_EQ(Sample(m, "slamon_storage_recovery_dropped_bytes"), 0);
  // And the record is still there, for the newer slamond to read again.
  const absl::StatusOr<std::string> kept = ReadWholeFile(last_segment);
  ASSERT_TRUE(kept.ok());
  EXPECT_THAT(*kept, HasSubstr("from the future"));
}

}  // namespace
}  // namespace slamon
