// libFuzzer target: bytes as saved engine state (a snapshot's body, past its
// checksum). Recovery falls back to an older snapshot when one cannot be
// loaded, so a bad one must come back as an error and leave the engine as it
// was; a good one must tick, render and save to bytes that load again.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/check.h"
#include "daemon/app/policy_origin.h"
#include "daemon/config/config.h"
#include "daemon/engine/engine.h"
#include "daemon/export/metrics_page.h"
#include "prometheus/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slamon;  // NOLINT: a fuzz target's one function
  const config::Config config = config::DefaultConfig();
  engine::Engine engine(config.engine, app::PolicySetOf(config));
  const std::string empty = engine.SaveState();
  const absl::string_view state(reinterpret_cast<const char*>(data), size);
  if (!engine.LoadState(state, app::DecodePolicyOrigin).ok()) {
    SLAMON_CHECK(engine.SaveState() == empty);
    return 0;
  }
  const absl::Time later = absl::FromUnixSeconds(1'800'000'000);  // after the seeds were saved
  std::vector<engine::ItemAlert> alerts;
  engine.Tick(later, &alerts);
  (void)exporter::MetricsPage(&engine, [later] { return later; }, std::make_shared<prometheus::Registry>(),
                              /*journal=*/nullptr, {})
      .Render();
  engine::Engine reloaded(config.engine, app::PolicySetOf(config));
  SLAMON_CHECK(reloaded.LoadState(engine.SaveState(), app::DecodePolicyOrigin).ok());
  return 0;
}
