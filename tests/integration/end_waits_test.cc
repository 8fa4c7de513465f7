// slamonctl end-waits against a real slamond: waits whose end event will
// never come end as given up, a dry run changes nothing, and a daemon
// killed afterwards comes back without them (the change was logged).
#include <signal.h>

#include <memory>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/duration.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/proto_time.h"
#include "slamon/v1/admin.grpc.pb.h"
#include "tests/integration/harness.h"

namespace slamon {
namespace {

using ::testing::HasSubstr;
using testing::Daemon;
using testing::PhoneEvent;
using testing::ParseMetrics;
using testing::Sample;

constexpr char kConfig[] = R"(
policies:
  - name: phone
    match: { channel: phone }
    objectives:
      answer: { threshold: 20s }
)";
constexpr char kWaiting[] = R"(slamon_contacts_waiting{queue="sales",channel="phone"})";
constexpr char kGivenUp[] = R"(slamon_contacts_total{queue="sales",channel="phone",event="given_up"})";
constexpr char kArrived[] = R"(slamon_contacts_total{queue="sales",channel="phone",event="arrived"})";

// Three calls waited in sales since 2 h, 1 h and now ago (a PBX restart
// lost the ends of the first two), one in support since 2 h. Ending the
// sales waits begun before 30 minutes ago ends the first two only.
TEST(EndWaitsTest, SlamonctlEndsStuckWaitsAndARestartKeepsThemEnded) {
  const testing::TempDir state;
  const std::string address = absl::StrCat("127.0.0.1:", testing::FreePort());
  auto daemon = std::make_unique<Daemon>(kConfig, state.path() + "/data", address);
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  v1::BatchAck ack;
  ASSERT_TRUE(daemon
                  ->PublishBatch({PhoneEvent(v1::ARRIVED, "c-2h", now - absl::Hours(2), "sales"),
                                  PhoneEvent(v1::ARRIVED, "c-1h", now - absl::Hours(1), "sales"),
                                  PhoneEvent(v1::ARRIVED, "c-now", now, "sales"),
                                  PhoneEvent(v1::ARRIVED, "s-2h", now - absl::Hours(2), "support")},
                                 &ack)
                  .ok());
  ASSERT_EQ(ack.accepted(), 4u);

  const std::string ctl = testing::BinaryPath("ctl/slamonctl");
  const std::string before = FormatRfc3339(now - absl::Minutes(30));
  const std::string rows = absl::StrCat(
      "WAITING SINCE         QUEUE  CHANNEL  POLICY  SOURCE  CONTACT\n",
      FormatRfc3339(now - absl::Hours(2)), "  sales  phone    phone   pbx     c-2h\n",
      FormatRfc3339(now - absl::Hours(1)), "  sales  phone    phone   pbx     c-1h\n");
  testing::RunResult r = testing::Run(
      {ctl, "end-waits", "--daemon", address, "--queue", "sales", "--started-before", before, "--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, absl::StrCat(rows, "2 waits begun before ", before, " would end (dry run: nothing changed)\n"));
  EXPECT_EQ(Sample(ParseMetrics(daemon->Scrape()), kWaiting), 3);
  // By age, in every queue: the two calls of 2 h ago, sales before support.
  r = testing::Run({ctl, "end-waits", "--daemon", address, "--longer-than", "90m", "--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string two_hours = FormatRfc3339(now - absl::Hours(2));
  EXPECT_THAT(r.output, HasSubstr(absl::StrCat("\n", two_hours, "  sales    phone    phone   pbx     c-2h\n",
                                               two_hours, "  support  phone    phone   pbx     s-2h\n",
                                               "2 waits begun before ")));

  const absl::Time asked = absl::Now();
  r = testing::Run({ctl, "end-waits", "--daemon", address, "--queue", "sales", "--started-before", before});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string ended = absl::StrCat(rows, "2 waits begun before ", before, " ended at ");
  ASSERT_EQ(r.output.substr(0, ended.size()), ended) << r.output;
  const std::string at = r.output.substr(ended.size(), r.output.find(',', ended.size()) - ended.size());
  const absl::StatusOr<absl::Time> ended_at = ParseRfc3339(at);
  ASSERT_TRUE(ended_at.ok()) << at;
  EXPECT_GE(*ended_at, asked);
  EXPECT_LE(*ended_at, absl::Now());
  EXPECT_EQ(r.output.substr(ended.size() + at.size()), ", counted as given_up\n");
  EXPECT_THAT(daemon->Log(), HasSubstr("operator ended 2 waits (slamonctl end-waits) begun before " + before +
                                       " in queues sales, channels any, contacts any: counted as given_up"));

  const auto check = [&](const Daemon& d) {
    const testing::Samples m = ParseMetrics(d.Scrape());
    EXPECT_EQ(Sample(m, kWaiting), 1);  // c-now
    EXPECT_EQ(Sample(m, kGivenUp), 2);
    EXPECT_EQ(Sample(m, kArrived), 3);
    EXPECT_EQ(Sample(m, R"(slamon_contacts_waiting{queue="support",channel="phone"})"), 1);
  };
  check(*daemon);
  // Killed: no final snapshot, so the restart replays the logged change.
  daemon->process().Signal(SIGKILL);
  EXPECT_EQ(daemon->process().Wait(10), -SIGKILL);
  daemon = std::make_unique<Daemon>(kConfig, state.path() + "/data", address);
  check(*daemon);
  // The call's end, should it come after all, is refused with why.
  ASSERT_TRUE(daemon->PublishBatch({PhoneEvent(v1::ABANDONED, "c-2h", now - absl::Minutes(90), "sales")}, &ack).ok());
  ASSERT_EQ(ack.rejected_size(), 1);
  EXPECT_EQ(ack.rejected(0).reason(), "not_waiting");
  EXPECT_THAT(ack.rejected(0).message(), HasSubstr("or an operator's slamonctl end-waits"));
  // Nothing left to end there.
  r = testing::Run({ctl, "end-waits", "--daemon", address, "--queue", "sales", "--started-before", before});
  EXPECT_THAT(r.output, HasSubstr("0 waits begun before"));
}

TEST(EndWaitsTest, ARequestWithoutAStartOrWithTooManyNamesIsRefused) {
  const Daemon daemon(kConfig);
  const std::string ctl = testing::BinaryPath("ctl/slamonctl");
  testing::RunResult r = testing::Run({ctl, "end-waits", "--daemon", daemon.grpc_address()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output, "slamonctl: end-waits takes one of --started-before and --longer-than (see --help)\n");
  r = testing::Run({ctl, "end-waits", "--daemon", daemon.grpc_address(), "--started-before", "yesterday"});
  EXPECT_EQ(r.exit_code, 2);

  auto stub = v1::Admin::NewStub(grpc::CreateChannel(daemon.grpc_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  v1::EndWaitsRequest request;
  request.add_queues("sales");
  v1::EndWaitsResponse response;
  grpc::Status status = stub->EndWaits(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "started_before is required: the waits that began before it are ended");

  // The daemon's log line names the first five of a list.
  const absl::Time before = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  SetTimestamp(before, request.mutable_started_before());
  for (int i = 1; i <= 7; ++i) request.add_channels(absl::StrCat("c", i));
  grpc::ClientContext seven;
  EXPECT_TRUE(stub->EndWaits(&seven, request, &response).ok());
  EXPECT_EQ(response.count(), 0u);
  EXPECT_THAT(daemon.Log(), HasSubstr(absl::StrCat("operator ended 0 waits (slamonctl end-waits) begun before ",
                                                   FormatRfc3339(before), " in queues sales, channels c1, c2, c3, "
                                                   "c4, c5 and 2 more, contacts any")));

  request.set_dry_run(true);
  for (int i = 8; i <= 1000; ++i) request.add_channels(absl::StrCat("c", i));  // 1,000: the most taken
  grpc::ClientContext taken;
  EXPECT_TRUE(stub->EndWaits(&taken, request, &response).ok());
  request.add_channels("one too many");
  grpc::ClientContext refused;
  status = stub->EndWaits(&refused, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "channels names 1001: at most 1000 per request");
}

}  // namespace
}  // namespace slamon
