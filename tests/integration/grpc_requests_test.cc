// slamon_grpc_requests_total on a real daemon: every call a client makes of
// Query, Admin or the health service is counted by its status code, refused
// ones included; Ingest's batches are counted by Ingest's own metrics.
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/proto_time.h"
#include "slamon/v1/admin.grpc.pb.h"
#include "slamon/v1/query.grpc.pb.h"
#include "tests/integration/harness.h"
#include "tests/integration/phone_policy.h"

namespace slamon {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Daemon;
using testing::ParseMetrics;
using testing::Sample;

TEST(GrpcRequestsTest, CallsAreCountedByServiceMethodAndCodeButIngestIsNot) {
  Daemon daemon(kPhoneConfig);
  const auto channel = grpc::CreateChannel(daemon.grpc_address(), grpc::InsecureChannelCredentials());
  auto query = v1::Query::NewStub(channel);
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    v1::GetStatusResponse status;
    ASSERT_TRUE(query->GetStatus(&context, v1::GetStatusRequest(), &status).ok());
  }
  {
    grpc::ClientContext context;
    v1::GetReportRequest backwards;  // from after to
    SetTimestamp(absl::FromUnixSeconds(2000), backwards.mutable_from());
    SetTimestamp(absl::FromUnixSeconds(1000), backwards.mutable_to());
    v1::GetReportResponse report;
    EXPECT_EQ(query->GetReport(&context, backwards, &report).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    auto admin = v1::Admin::NewStub(channel);
    grpc::ClientContext context;
    v1::EndWaitsResponse ended;
    EXPECT_EQ(admin->EndWaits(&context, v1::EndWaitsRequest(), &ended).error_code(),  // no started_before
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  v1::BatchAck ack;
  ASSERT_TRUE(daemon.PublishBatch({}, &ack).ok());

  const std::string page = daemon.Scrape();
  const testing::Samples m = ParseMetrics(page);
  EXPECT_EQ(Sample(m, R"(slamon_grpc_requests_total{code="ok",method="GetStatus",service="slamon.v1.Query"})"), 2);
  EXPECT_EQ(
      Sample(m, R"(slamon_grpc_requests_total{code="invalid_argument",method="GetReport",service="slamon.v1.Query"})"),
      1);
  EXPECT_EQ(
      Sample(m, R"(slamon_grpc_requests_total{code="invalid_argument",method="EndWaits",service="slamon.v1.Admin"})"),
      1);
  EXPECT_EQ(Sample(m, R"(slamon_grpc_requests_total{code="ok",method="GetReport",service="slamon.v1.Query"})"),
            std::nullopt);
  EXPECT_THAT(page, Not(HasSubstr("slamon.v1.Ingest")));
  EXPECT_EQ(Sample(m, "slamon_ingest_batches_total"), 1);
}

}  // namespace
}  // namespace slamon
