// libFuzzer target: bytes as a collector's EventBatch, through the daemon's
// ingest path (wire decoder or protobuf, conversion, the engine with the
// built-in policies), then a tick two days on and the /metrics page the
// daemon serves. Whatever the bytes, nothing may crash, leak or read out of
// bounds.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "daemon/app/policy_origin.h"
#include "daemon/config/config.h"
#include "daemon/engine/engine.h"
#include "daemon/export/metrics_page.h"
#include "daemon/ingest/batch_applier.h"
#include "prometheus/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slamon;  // NOLINT: a fuzz target's one function
  const absl::Time now = absl::FromUnixSeconds(1'772'000'000);
  const config::Config config = config::DefaultConfig();
  engine::Engine engine(config.engine, app::PolicySetOf(config));
  auto registry = std::make_shared<prometheus::Registry>();
  ingest::BatchApplier applier(&engine, [now] { return now; }, *registry);
  v1::BatchAck ack;
  ingest::AckReady done = [](const grpc::Status&) {};
  (void)applier.Apply(absl::string_view(reinterpret_cast<const char*>(data), size), &ack, done);
  const absl::Time later = now + absl::Hours(48);
  std::vector<engine::ItemAlert> alerts;
  engine.Tick(later, &alerts);
  (void)exporter::MetricsPage(&engine, [later] { return later; }, registry, /*journal=*/nullptr, {}).Render();
  return 0;
}
