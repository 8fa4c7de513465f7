// slamond end to end: gRPC in, /metrics out, exact values worked by hand.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "proto/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/integration/phone_policy.h"

namespace slamon {
namespace {

using ::testing::HasSubstr;
using testing::Daemon;
using testing::ParseMetrics;
using testing::Sample;

v1::ContactEvent Event(v1::EventKind kind, const std::string& contact, absl::Time at,
                       const std::string& id_suffix = "") {
  v1::ContactEvent e;
  e.set_kind(kind);
  e.set_source("it");
  e.set_contact_id(contact);
  e.set_event_id(absl::StrCat(contact, "/", v1::EventKind_Name(kind), id_suffix));
  SetTimestamp(at, e.mutable_occurred_at());
  if (kind == v1::ARRIVED) {
    e.set_queue("sales");
    e.set_channel("phone");
  }
  return e;
}

// The sla-semantics §3 vector (T = 20 s, S = 5 s), 100 contacts ten minutes ago.
std::vector<v1::EventBatch> SemanticsVectorBatches() {
  const absl::Time base = absl::Now() - absl::Minutes(10);
  std::vector<v1::ContactEvent> events;
  int n = 0;
  auto many = [&](int count, double wait, v1::EventKind end) {
    for (int i = 0; i < count; ++i, ++n) {
      const std::string id = absl::StrCat("v", n);
      const absl::Time arrived = base + absl::Seconds(n);
      events.push_back(Event(v1::ARRIVED, id, arrived));
      events.push_back(Event(end, id, arrived + absl::Seconds(wait)));
    }
  };
  many(69, 12, v1::ANSWERED);
  many(1, 20, v1::ANSWERED);  // exactly T
  many(10, 45, v1::ANSWERED);
  many(5, 5, v1::ABANDONED);  // at or under S
  many(5, 15, v1::ABANDONED);
  many(8, 30, v1::ABANDONED);
  many(2, 40, v1::FLOWED_OUT);
  std::vector<v1::EventBatch> batches;
  for (size_t i = 0; i < events.size(); i += 50) {
    v1::EventBatch& b = batches.emplace_back();
    b.set_sequence(batches.size());
    for (size_t j = i; j < std::min(events.size(), i + 50); ++j) *b.add_events() = events[j];
  }
  return batches;
}

// Publishes over one Publish stream and returns the acks.
std::vector<v1::BatchAck> Stream(v1::Ingest::Stub& stub, const std::vector<v1::EventBatch>& batches) {
  grpc::ClientContext context;
  auto stream = stub.Publish(&context);
  for (const v1::EventBatch& b : batches) EXPECT_TRUE(stream->Write(b));
  stream->WritesDone();
  std::vector<v1::BatchAck> acks;
  v1::BatchAck ack;
  while (stream->Read(&ack)) acks.push_back(ack);
  EXPECT_TRUE(stream->Finish().ok());
  return acks;
}

TEST(DaemonTest, SemanticsVectorOverGrpcScrapedExactly) {
  Daemon daemon(kPhoneConfig);
  ASSERT_FALSE(daemon.grpc_address().empty()) << daemon.Log();
  auto stub = daemon.Stub();
  std::vector<v1::EventBatch> batches = SemanticsVectorBatches();
  ASSERT_EQ(batches.size(), 4u);
  // Half through the unary call, half through the stream.
  for (size_t i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    v1::BatchAck ack;
    ASSERT_TRUE(stub->PublishBatch(&context, batches[i], &ack).ok());
    EXPECT_EQ(ack.sequence(), batches[i].sequence());
    EXPECT_EQ(ack.accepted(), 50u);
  }
  const std::vector<v1::BatchAck> acks = Stream(*stub, {batches[2], batches[3]});
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[0].sequence(), 3u);
  EXPECT_EQ(acks[1].sequence(), 4u);
  EXPECT_EQ(acks[0].accepted() + acks[1].accepted(), 100u);

  const testing::Samples m = ParseMetrics(daemon.Scrape());
  auto outcome = [&](const char* o) {
    return Sample(m, absl::StrCat("slamon_objective_outcomes_total{", kSalesPolicy,
                                  R"(,objective="answer",outcome=")", o, "\"}"));
  };
  EXPECT_EQ(outcome("answered_within"), 70);
  EXPECT_EQ(outcome("answered_late"), 10);
  EXPECT_EQ(outcome("abandoned_short"), 5);
  EXPECT_EQ(outcome("abandoned_within"), 5);
  EXPECT_EQ(outcome("abandoned_late"), 8);
  EXPECT_EQ(outcome("flowed_out_within"), 0);
  EXPECT_EQ(outcome("flowed_out_late"), 2);
  const auto sl = Sample(m, absl::StrCat("slamon_service_level_ratio{", kSalesPolicy,
                                         R"(,window="15m",formula="short_abandons_excluded"})"));
  ASSERT_TRUE(sl.has_value());
  EXPECT_NEAR(*sl, 70.0 / 93, 1e-12);  // 75.27 %
  EXPECT_NEAR(*Sample(m, absl::StrCat("slamon_abandon_ratio{", kSalesPolicy, R"(,window="15m"})")), 13.0 / 95, 1e-12);
  EXPECT_NEAR(*Sample(m, absl::StrCat("slamon_average_speed_of_answer_seconds{", kSalesPolicy, R"(,window="15m"})")),
              (69 * 12 + 20 + 10 * 45) / 80.0, 1e-9);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_objective_status{", kSalesPolicy, R"(,window="15m",objective="answer"})")), 2);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_contacts_total{", kSales, R"(,event="arrived"})")), 100);
  // The wait histogram has a bucket at T: 69 waits of 12 s plus the one of exactly 20 s.
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_wait_seconds_bucket{", kSales, R"(,outcome="answered",le="20"})")), 70);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_wait_seconds_count{", kSales, R"(,outcome="answered"})")), 80);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_objective_threshold_seconds{", kSalesPolicy, R"(,objective="answer"})")), 20);
  EXPECT_EQ(Sample(m, "slamon_events_accepted_total"), 200);
}

TEST(DaemonTest, RejectionsAreListedByIndexAndCounted) {
  Daemon daemon(kPhoneConfig);
  auto stub = daemon.Stub();
  const absl::Time now = absl::Now();
  v1::EventBatch batch;
  batch.set_sequence(7);
  *batch.add_events() = Event(v1::ARRIVED, "x", now - absl::Seconds(30));
  *batch.add_events() = Event(v1::ARRIVED, "x", now - absl::Seconds(20), "-again");  // already_open
  *batch.add_events() = Event(v1::ANSWERED, "x", now - absl::Seconds(40));           // before_arrival
  v1::ContactEvent no_kind = Event(v1::ANSWERED, "x", now, "-nokind");
  no_kind.set_kind(v1::EVENT_KIND_UNSPECIFIED);
  *batch.add_events() = no_kind;                                                      // invalid_field
  v1::ContactEvent no_time = Event(v1::ANSWERED, "x", now, "-notime");
  no_time.clear_occurred_at();
  *batch.add_events() = no_time;                                                      // missing_field
  v1::ContactRecord record;
  record.set_contact_id("r1");
  record.set_queue("sales");
  *batch.add_records() = record;                                                      // missing_field (record)
  const std::vector<v1::BatchAck> acks = Stream(*stub, {batch});
  ASSERT_EQ(acks.size(), 1u);
  const v1::BatchAck& ack = acks[0];
  EXPECT_EQ(ack.sequence(), 7u);
  EXPECT_EQ(ack.accepted(), 1u);
  ASSERT_EQ(ack.rejected_size(), 5);
  const std::vector<std::pair<uint32_t, std::string>> expected = {
      {1, "already_open"}, {2, "before_arrival"}, {3, "invalid_field"}, {4, "missing_field"}, {0, "missing_field"}};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(ack.rejected(i).index(), expected[i].first) << i;
    EXPECT_EQ(ack.rejected(i).reason(), expected[i].second) << i;
    EXPECT_FALSE(ack.rejected(i).message().empty());
  }
  EXPECT_EQ(ack.rejected(4).item(), v1::RECORD);
  const testing::Samples m = ParseMetrics(daemon.Scrape());
  EXPECT_EQ(Sample(m, R"(slamon_events_rejected_total{reason="already_open"})"), 1);
  EXPECT_EQ(Sample(m, R"(slamon_events_rejected_total{reason="before_arrival"})"), 1);
  EXPECT_EQ(Sample(m, R"(slamon_events_rejected_total{reason="invalid_field"})"), 1);
  EXPECT_EQ(Sample(m, R"(slamon_events_rejected_total{reason="missing_field"})"), 2);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_contacts_waiting{", kSales, "}")), 1);
}

TEST(DaemonTest, ResentBatchCountsOnce) {
  Daemon daemon(kPhoneConfig);
  auto stub = daemon.Stub();
  std::vector<v1::EventBatch> batches = SemanticsVectorBatches();
  const std::vector<v1::BatchAck> first = Stream(*stub, {batches[0]});
  const std::vector<v1::BatchAck> again = Stream(*stub, {batches[0]});
  EXPECT_EQ(first[0].accepted(), 50u);
  EXPECT_EQ(again[0].accepted(), 0u);
  EXPECT_EQ(again[0].duplicates(), 50u);
  const testing::Samples m = ParseMetrics(daemon.Scrape());
  EXPECT_EQ(Sample(m, "slamon_events_duplicate_total"), 50);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_contacts_total{", kSales, R"(,event="arrived"})")), 25);
}

TEST(DaemonTest, IngestLagIsObservedPerEvent) {
  Daemon daemon(kPhoneConfig);
  auto stub = daemon.Stub();
  const absl::Time now = absl::Now();
  v1::EventBatch batch;
  batch.set_sequence(1);
  int n = 0;
  auto add = [&](int count, absl::Duration ago) {
    for (int i = 0; i < count; ++i) *batch.add_events() = Event(v1::ARRIVED, absl::StrCat("lag", n++), now - ago);
  };
  add(2, -absl::Hours(1));  // stamped ahead of the daemon: a negative lag
  add(3, absl::Seconds(45));
  add(4, absl::Hours(2));
  add(1, absl::Hours(72));
  const std::vector<v1::BatchAck> acks = Stream(*stub, {batch});
  ASSERT_EQ(acks.size(), 1u);
  const testing::Samples m = ParseMetrics(daemon.Scrape());
  // Cumulative buckets; the 45 s lags take less than 15 s more to arrive.
  for (const auto& [le, expected] : {std::pair{"0.01", 2}, {"30", 2}, {"60", 5}, {"3600", 5}, {"86400", 9},
                                     {"+Inf", 10}}) {
    EXPECT_EQ(Sample(m, absl::StrCat(R"(slamon_ingest_lag_seconds_bucket{le=")", le, R"("})")), expected) << le;
  }
  EXPECT_EQ(Sample(m, "slamon_ingest_lag_seconds_count"), 10);
  // -2 h + 135 s + 8 h + 72 h, plus up to 15 s in transit for each of the 10.
  const double sum = Sample(m, "slamon_ingest_lag_seconds_sum").value_or(0);
  EXPECT_GE(sum, 280935);
  EXPECT_LE(sum, 280935 + 10 * 15);
}

// Lags are taken in int64 nanoseconds, which end in 1677 and 2262: a time
// beyond them still counts its whole lag.
TEST(DaemonTest, IngestLagOfTimesBeyondInt64NanosecondsIsWhole) {
  Daemon daemon(kPhoneConfig);
  auto stub = daemon.Stub();
  const absl::Time now = absl::Now();
  const absl::Time in_1200 = absl::FromCivil(absl::CivilSecond(1200, 1, 1), absl::UTCTimeZone());
  const absl::Time in_2300 = absl::FromCivil(absl::CivilSecond(2300, 1, 1), absl::UTCTimeZone());
  v1::EventBatch batch;
  batch.set_sequence(1);
  *batch.add_events() = Event(v1::ARRIVED, "old", in_1200);
  *batch.add_events() = Event(v1::ARRIVED, "new", in_2300);
  ASSERT_EQ(Stream(*stub, {batch}).size(), 1u);
  const testing::Samples m = ParseMetrics(daemon.Scrape());
  EXPECT_EQ(Sample(m, "slamon_ingest_lag_seconds_count"), 2);
  // Both lags (the second negative), plus up to 15 s in transit for each.
  const double expected = absl::ToDoubleSeconds(now - in_1200) + absl::ToDoubleSeconds(now - in_2300);
  const double sum = Sample(m, "slamon_ingest_lag_seconds_sum").value_or(0);
  EXPECT_GE(sum, expected - 1);  // the page's float text
  EXPECT_LE(sum, expected + 2 * 15);
}

TEST(DaemonTest, SighupReloadsPoliciesForNewContacts) {
  Daemon daemon(kPhoneConfig);
  std::string next = kPhoneConfig;
  next.replace(next.find("threshold: 20s"), 14, "threshold: 30s");
  std::ofstream(daemon.config_path()) << next;
  daemon.process().Signal(SIGHUP);
  // The reload shows in the log; the threshold gauge needs a queue to exist.
  for (int i = 0; i < 200 && daemon.Log().find("policies reloaded") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_THAT(daemon.Log(), HasSubstr("SIGHUP: policies reloaded from"));
  EXPECT_THAT(daemon.Log(), HasSubstr("phone v2"));
  auto stub = daemon.Stub();
  Stream(*stub, {SemanticsVectorBatches()[0]});
  const testing::Samples m = ParseMetrics(daemon.Scrape());
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_objective_threshold_seconds{", kSalesPolicy, R"(,objective="answer"})")), 30);
  // A broken file keeps the running policies.
  std::ofstream(daemon.config_path()) << "policies: [\n";
  daemon.process().Signal(SIGHUP);
  for (int i = 0; i < 200 && daemon.Log().find("keeping the current policies") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_THAT(daemon.Log(), HasSubstr("SIGHUP: keeping the current policies: " + daemon.config_path() + ":2: invalid YAML"));
}

TEST(DaemonTest, MetricsPassPromtoolLint) {
  Daemon daemon(kPhoneConfig);
  auto stub = daemon.Stub();
  Stream(*stub, SemanticsVectorBatches());
  // A queue name with what the text format must escape, and UTF-8.
  v1::EventBatch odd;
  v1::ContactEvent arrival = Event(v1::ARRIVED, "odd", absl::Now() - absl::Seconds(5));
  arrival.set_queue("say \"hi\" \\ Z\xc3\xbcrich\nline 2");
  *odd.add_events() = arrival;
  const std::vector<v1::BatchAck> acks = Stream(*stub, {odd});
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].rejected_size(), 0);
  const std::string metrics = daemon.Scrape();
  EXPECT_THAT(metrics, HasSubstr("slamon_contacts_waiting{queue=\"say \\\"hi\\\" \\\\ Z\xc3\xbcrich\\nline 2\",channel=\"phone\"} 1\n"));
  testing::TempDir dir;
  const std::string path = dir.Write("metrics.txt", metrics);
  const testing::RunResult r = testing::Run({"/bin/sh", "-c", "promtool check metrics < " + path});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(DaemonTest, SigtermStopsCleanly) {
  auto daemon = std::make_unique<Daemon>(kPhoneConfig);
  daemon->process().Signal(SIGTERM);
  EXPECT_EQ(daemon->process().Wait(10), 0);
  EXPECT_THAT(daemon->Log(), HasSubstr("slamond stopped"));
}

TEST(DaemonTest, UnparsableBatchIsRefusedAndCounted) {
  Daemon daemon(kPhoneConfig);
  // Field 1, length-delimited, 5 bytes long, of which 2 came.
  std::string response;
  const grpc::Status status = testing::UnaryCallBytes(daemon.grpc_address(), "/slamon.v1.Ingest/PublishBatch",
                                                      std::string("\x0a\x05" "ab", 4), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "the batch does not parse as slamon.v1.EventBatch");
  // The daemon goes on taking batches.
  std::vector<v1::EventBatch> batches = SemanticsVectorBatches();
  const std::vector<v1::BatchAck> acks = Stream(*daemon.Stub(), {batches[0]});
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].accepted(), 50u);
  const testing::Samples m = ParseMetrics(daemon.Scrape());
  EXPECT_EQ(Sample(m, "slamon_ingest_batches_unparsable_total"), 1);
  EXPECT_EQ(Sample(m, "slamon_ingest_batches_total"), 2);
  EXPECT_THAT(daemon.Log(), HasSubstr("refused a batch of 4 bytes from ipv4:127.0.0.1:"));
}

TEST(DaemonTest, ListsItsServicesThroughReflection) {
  Daemon daemon(kPhoneConfig);
  grpc::GenericStub stub(grpc::CreateChannel(daemon.grpc_address(), grpc::InsecureChannelCredentials()));
  class OneExchange : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    OneExchange(grpc::GenericStub& stub, const std::string& request) : request_(testing::ByteBufferOf(request)) {
      stub.PrepareBidiStreamingCall(&context_, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                    grpc::StubOptions(), this);
      StartWrite(&request_);
      StartRead(&response_);
      StartCall();
    }
    void OnWriteDone(bool) override { StartWritesDone(); }
    void OnReadDone(bool ok) override { if (ok) read_ = testing::ByteBufferText(response_); }
    void OnDone(const grpc::Status& s) override { done_.set_value(s); }
    std::string Get() { return done_.get_future().get().ok() ? read_ : "failed"; }

   private:
    grpc::ClientContext context_;
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
    std::string read_;
    std::promise<grpc::Status> done_;
  };
  OneExchange exchange(stub, std::string("\x3a\x00", 2));  // list_services: ""
  const std::string reply = exchange.Get();
  EXPECT_THAT(reply, HasSubstr("slamon.v1.Ingest"));
  EXPECT_THAT(reply, HasSubstr("grpc.health.v1.Health"));
}

TEST(DaemonTest, CountersAndOpenContactsSurviveARestart) {
  testing::TempDir state;
  std::vector<v1::EventBatch> batches = SemanticsVectorBatches();
  const v1::ContactEvent waiting = Event(v1::ARRIVED, "still-waiting", absl::Now() - absl::Minutes(1));
  *batches.back().add_events() = waiting;
  {
    Daemon daemon(kPhoneConfig, state.path());
    Stream(*daemon.Stub(), batches);
  }  // SIGTERM: a clean stop with a final snapshot
  Daemon again(kPhoneConfig, state.path());
  const testing::Samples m = ParseMetrics(again.Scrape());
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_contacts_total{", kSales, R"(,event="arrived"})")), 101);
  EXPECT_EQ(Sample(m, absl::StrCat(R"(slamon_objective_outcomes_total{)", kSalesPolicy,
                                   R"(,objective="answer",outcome="answered_within"})")), 70);
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_contacts_waiting{", kSales, "}")), 1);
  EXPECT_EQ(Sample(m, "slamon_storage_recovery_dropped_bytes"), 0);
  EXPECT_THAT(again.Log(), HasSubstr("open contacts"));
  // The same batches again are all duplicates: event ids were remembered.
  const std::vector<v1::BatchAck> acks = Stream(*again.Stub(), {batches[0]});
  EXPECT_EQ(acks[0].duplicates(), 50u);
}

// The first 50 contacts of the semantics vector, all answered within 20 s.
void ExpectFirstFiftyContacts(const testing::Samples& m) {
  EXPECT_EQ(Sample(m, absl::StrCat("slamon_contacts_total{", kSales, R"(,event="arrived"})")), 50);
  EXPECT_EQ(Sample(m, absl::StrCat(R"(slamon_objective_outcomes_total{)", kSalesPolicy,
                                   R"(,objective="answer",outcome="answered_within"})")), 50);
}

TEST(DaemonTest, DamagedLogTailAndSnapshotAreReportedAndTheStateIsTheLastGoodOne) {
  testing::TempDir state;
  const std::vector<v1::EventBatch> batches = SemanticsVectorBatches();
  {
    Daemon daemon(kPhoneConfig, state.path());
    Stream(*daemon.Stub(), {batches[0], batches[1]});
    daemon.process().Signal(SIGKILL);  // no final snapshot: the log alone holds the state
    daemon.process().Wait(10);
  }
  std::vector<std::string> logs;
  for (const auto& entry : std::filesystem::directory_iterator(state.path())) {
    if (entry.path().extension() == ".wal") logs.push_back(entry.path().string());
  }
  ASSERT_EQ(logs.size(), 1u);
  std::ofstream(logs[0], std::ios::app) << "torn!!";  // a record cut short by the crash
  {
    Daemon daemon(kPhoneConfig, state.path());
    const testing::Samples m = ParseMetrics(daemon.Scrape());
    ExpectFirstFiftyContacts(m);
    EXPECT_EQ(Sample(m, "slamon_storage_recovery_dropped_bytes"), 6);
    EXPECT_THAT(daemon.Log(), HasSubstr("write-ahead log damaged: torn record header at byte"));
    EXPECT_THAT(daemon.Log(), HasSubstr("cut 6 bytes there"));
  }  // SIGTERM: writes a snapshot
  std::string snapshot;
  for (const auto& entry : std::filesystem::directory_iterator(state.path())) {
    if (entry.path().extension() == ".state") snapshot = entry.path().string();
  }
  ASSERT_FALSE(snapshot.empty());
  {
    std::fstream f(snapshot, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a');
  }
  Daemon daemon(kPhoneConfig, state.path());
  const testing::Samples m = ParseMetrics(daemon.Scrape());
  ExpectFirstFiftyContacts(m);  // rebuilt from the log, which the snapshot did not replace
  EXPECT_EQ(Sample(m, "slamon_storage_recovery_skipped_snapshots"), 1);
  EXPECT_THAT(daemon.Log(), HasSubstr(absl::StrCat("skipped snapshot ", std::filesystem::path(snapshot).filename().string(),
                                                   ": checksum mismatch")));
}

// 100 distinct arrivals per batch, about 6 kB each.
std::vector<v1::EventBatch> ArrivalBatches(int count, const std::string& prefix) {
  std::vector<v1::EventBatch> batches(static_cast<size_t>(count));
  for (int b = 0; b < count; ++b) {
    batches[static_cast<size_t>(b)].set_sequence(static_cast<uint64_t>(b + 1));
    for (int i = 0; i < 100; ++i) {
      *batches[static_cast<size_t>(b)].add_events() =
          Event(v1::ARRIVED, absl::StrCat(prefix, b, "-", i), absl::Now() - absl::Minutes(1));
    }
  }
  return batches;
}

TEST(DaemonTest, FullDiskStopsAcknowledgingAndRecoversWhenSpaceReturns) {
  // A 200 kB file size limit stands in for a full disk: the log's first
  // segment fills after about 30 batches.
  Daemon daemon(kPhoneConfig, "", "127.0.0.1:0", {"prlimit", "--fsize=200000:unlimited"});
  auto stub = daemon.Stub();
  grpc::ClientContext context;
  auto stream = stub->Publish(&context);
  const std::vector<v1::EventBatch> batches = ArrivalBatches(60, "full-");
  // The first three one at a time, so that acknowledged batches are on disk
  // when it fills: on a busy machine the writer can find every batch sent
  // at once pending, and a first group of them all fails whole.
  uint64_t acked_events = 0;
  v1::BatchAck ack;
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(stream->Write(batches[i]));
    ASSERT_TRUE(stream->Read(&ack));
    acked_events += ack.accepted();
  }
  ASSERT_EQ(acked_events, 300u);
  for (size_t i = 3; i < batches.size(); ++i) {
    if (!stream->Write(batches[i])) break;
  }
  stream->WritesDone();
  while (stream->Read(&ack)) acked_events += ack.accepted();
  const grpc::Status ended = stream->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << ended.error_message();
  EXPECT_THAT(ended.error_message(), HasSubstr("/log-00000000000000000001.wal: cannot write: File too large"));
  EXPECT_LT(acked_events, 6000u);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // a tick notices and logs it
  testing::Samples m = ParseMetrics(daemon.Scrape());
  EXPECT_EQ(Sample(m, "slamon_storage_writable"), 0);
  EXPECT_THAT(daemon.Log(), HasSubstr("write-ahead log cannot be written, ingest refuses batches until it can"));
  // Balancers and collectors that check Ingest's health see it; the
  // server as a whole still answers (queries, /metrics).
  EXPECT_EQ(testing::CheckHealth(daemon.grpc_address(), "slamon.v1.Ingest"), testing::kNotServing);
  EXPECT_EQ(testing::CheckHealth(daemon.grpc_address(), "slamon.v1.Query"), testing::kServing);
  EXPECT_EQ(testing::CheckHealth(daemon.grpc_address(), ""), testing::kServing);
  // The stream may have had batches in flight behind the failed one: they
  // were refused too.
  const double refused_before =
      Sample(m, R"(slamon_ingest_batches_refused_total{code="resource_exhausted"})").value_or(0);
  // New batches are refused before they are applied.
  grpc::ClientContext refused_context;
  v1::BatchAck refused_ack;
  const grpc::Status refused = stub->PublishBatch(&refused_context, ArrivalBatches(1, "refused-")[0], &refused_ack);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  m = ParseMetrics(daemon.Scrape());
  EXPECT_EQ(Sample(m, R"(slamon_ingest_batches_refused_total{code="resource_exhausted"})"), refused_before + 1);

  // Space returns: the writer's retry succeeds and ingest resumes.
  ASSERT_EQ(testing::Run({"prlimit", "--pid", std::to_string(daemon.process().pid()), "--fsize=unlimited"}).exit_code, 0);
  for (int i = 0; i < 40 && Sample(ParseMetrics(daemon.Scrape()), "slamon_storage_writable") != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  grpc::ClientContext again_context;
  v1::BatchAck again;
  ASSERT_TRUE(stub->PublishBatch(&again_context, ArrivalBatches(1, "again-")[0], &again).ok());
  EXPECT_EQ(again.accepted(), 100u);
  for (int i = 0; i < 20 && !absl::StrContains(daemon.Log(), "writable again"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // logged by the next tick
  }
  EXPECT_THAT(daemon.Log(), HasSubstr("write-ahead log writable again: ingest resumes"));
  EXPECT_EQ(testing::CheckHealth(daemon.grpc_address(), "slamon.v1.Ingest"), testing::kServing);
}

}  // namespace
}  // namespace slamon
