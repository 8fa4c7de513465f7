// The gRPC health service as probes and client-side health checking see it:
// the server and each service, a full disk (daemon_test.cc), a drain.
#include <signal.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/integration/phone_policy.h"

namespace slamon {
namespace {

using testing::CheckHealth;
using testing::Daemon;
using testing::kNotServing;
using testing::kServing;

// Health.Watch of one service: the responses as they come.
class HealthWatch final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  HealthWatch(grpc::GenericStub& stub, const std::string& service)
      : request_(testing::ByteBufferOf(testing::HealthRequest(service))) {
    stub.PrepareBidiStreamingCall(&context_, "/grpc.health.v1.Health/Watch", grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }
  ~HealthWatch() override {
    context_.TryCancel();
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return done_; });
  }
  // The next response, or "" if none came within 10 s or the call ended.
  std::string Next() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [this] { return !received_.empty() || done_; });
    if (received_.empty()) return "";
    std::string next = received_.front();
    received_.erase(received_.begin());
    return next;
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    {
      std::lock_guard lock(mu_);
      received_.push_back(testing::ByteBufferText(response_));
    }
    cv_.notify_all();
    StartRead(&response_);
  }
  void OnDone(const grpc::Status&) override {
    std::lock_guard lock(mu_);
    done_ = true;
    cv_.notify_all();
  }

 private:
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> received_;
  bool done_ = false;
};

TEST(HealthTest, AnswersHealthChecksForTheServerAndEachService) {
  Daemon daemon(kPhoneConfig);
  EXPECT_EQ(CheckHealth(daemon.grpc_address(), ""), kServing);
  EXPECT_EQ(CheckHealth(daemon.grpc_address(), "slamon.v1.Ingest"), kServing);
  EXPECT_EQ(CheckHealth(daemon.grpc_address(), "slamon.v1.Query"), kServing);
  EXPECT_EQ(CheckHealth(daemon.grpc_address(), "slamon.v1.Admin"), kServing);
  EXPECT_EQ(CheckHealth(daemon.grpc_address(), "slamon.v1.Nothing"), absl::StrCat("error ", grpc::NOT_FOUND));
}

TEST(HealthTest, HealthWatchersHearNotServingWhenADrainBegins) {
  Daemon daemon(kPhoneConfig);
  grpc::GenericStub stub(grpc::CreateChannel(daemon.grpc_address(), grpc::InsecureChannelCredentials()));
  {
    HealthWatch server(stub, ""), ingest(stub, "slamon.v1.Ingest");
    EXPECT_EQ(server.Next(), kServing);
    EXPECT_EQ(ingest.Next(), kServing);
    daemon.process().Signal(SIGTERM);
    EXPECT_EQ(server.Next(), kNotServing);
    EXPECT_EQ(ingest.Next(), kNotServing);
  }  // the watches end: nothing holds the drain
  EXPECT_EQ(daemon.process().Wait(10), 0);
}

}  // namespace
}  // namespace slamon
