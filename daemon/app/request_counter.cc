#include "daemon/app/request_counter.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "proto/grpc_status.h"
#include "slamon/v1/ingest.grpc.pb.h"

namespace slamon::app {
namespace {

// Counts one call when its status is sent.
class Counting final : public grpc::experimental::Interceptor {
 public:
  Counting(prometheus::Family<prometheus::Counter>& requests, std::string service, std::string method)
      : requests_(requests), service_(std::move(service)), method_(std::move(method)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const auto code = static_cast<absl::StatusCode>(methods->GetSendStatus().error_code());
      requests_.Add({{"service", service_}, {"method", method_}, {"code", CodeLabel(code)}}).Increment();
    }
    methods->Proceed();
  }

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  const std::string service_;
  const std::string method_;
};

}  // namespace

RequestCounter::RequestCounter(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("slamon_grpc_requests_total")
                    .Help("gRPC calls answered, by service, method and status code (not Ingest's: see "
                          "slamon_ingest_batches_total).")
                    .Register(registry)) {}

grpc::experimental::Interceptor* RequestCounter::CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) {
  // "/slamon.v1.Query/GetStatus": the service, then the method.
  const absl::string_view full(info->method());
  const size_t slash = full.rfind('/');
  if (!absl::StartsWith(full, "/") || slash == 0 || slash == absl::string_view::npos) return nullptr;
  const absl::string_view service = full.substr(1, slash - 1);
  if (service == v1::Ingest::service_full_name()) return nullptr;  // no interceptor on the hot path
  // gRPC owns the interceptor and deletes it with the call.
  return new Counting(requests_, std::string(service), std::string(full.substr(slash + 1)));
}

}  // namespace slamon::app
