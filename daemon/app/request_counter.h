// Counts the calls the daemon's gRPC services answer, by service, method and
// status code (slamon_grpc_requests_total): operators' changes, queries,
// health probes and reflection, refused ones included, so that whatever a
// client causes shows on /metrics. Ingest is left out: it counts its own
// batches (slamon_ingest_*), and a stream is one call however many batches
// it carries.
#ifndef SLAMON_DAEMON_APP_REQUEST_COUNTER_H_
#define SLAMON_DAEMON_APP_REQUEST_COUNTER_H_

#include <grpcpp/support/server_interceptor.h>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace slamon::app {

// Installed with ServerBuilder::experimental().SetInterceptorCreators; the
// registry must outlive the server.
class RequestCounter final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RequestCounter(prometheus::Registry& registry);
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override;

 private:
  prometheus::Family<prometheus::Counter>& requests_;
};

}  // namespace slamon::app

#endif  // SLAMON_DAEMON_APP_REQUEST_COUNTER_H_
