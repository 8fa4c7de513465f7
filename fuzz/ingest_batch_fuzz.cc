// libFuzzer target: bytes as a collector's EventBatch, through the daemon's
// ingest path (wire decoder or protobuf, conversion, the engine with the
// built-in policies), then a tick two days on and a /metrics page. Whatever
// the bytes, nothing may crash, leak or read out of bounds.
#include <cstddef>
#include <cstdint>

#include "absl/time/time.h"
#include "daemon/app/policy_origin.h"
#include "daemon/config/config.h"
#include "daemon/engine/engine.h"
#include "daemon/export/exposition.h"
#include "daemon/export/sla_metrics.h"
#include "daemon/ingest/batch_applier.h"
#include "prometheus/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slamon;  // NOLINT: a fuzz target's one function
  const absl::Time now = absl::FromUnixSeconds(1'772'000'000);
  const config::Config config = config::DefaultConfig();
  engine::Engine engine(config.engine, app::PolicySetOf(config));
  prometheus::Registry registry;
  ingest::BatchApplier applier(&engine, [now] { return now; }, registry);
  v1::BatchAck ack;
  ingest::AckReady done = [](const grpc::Status&) {};
  (void)applier.Apply(absl::string_view(reinterpret_cast<const char*>(data), size), &ack, done);
  std::vector<engine::ItemAlert> alerts;
  engine.Tick(now + absl::Hours(48), &alerts);
  const engine::EngineSnapshot snapshot = engine.Snapshot(now + absl::Hours(48));
  exporter::Exposition page(snapshot.queues.size(), {});
  exporter::RenderSnapshot(snapshot, engine.options(), page);
  return 0;
}
