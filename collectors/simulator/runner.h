// slamon-simulator's job, separate from main() so that main only parses.
#ifndef SLAMON_COLLECTORS_SIMULATOR_RUNNER_H_
#define SLAMON_COLLECTORS_SIMULATOR_RUNNER_H_

#include <string>

#include "absl/time/time.h"
#include "collectors/simulator/simulation.h"

namespace slamon::collectors {

struct SimulatorOptions {
  std::string daemon = "127.0.0.1:7600";
  SimulatorConfig config;
  double speed = 1;  // 0: catch up at once; N: N times real time until caught up
  absl::Duration backfill = absl::ZeroDuration();
  absl::Duration duration = absl::ZeroDuration();  // 0: until SIGTERM or SIGINT
  uint64_t seed = 0;                               // 0: from the clock
  std::string spool_dir;  // empty: unacknowledged events live in memory only
};

// Runs the simulation, publishing to the daemon, until `duration` of
// simulated time has passed or SIGTERM/SIGINT arrives. Returns the exit code
// (1, after logging why, for a speed between 0 and 1 or below 0).
int RunSimulator(const SimulatorOptions& options);

}  // namespace slamon::collectors

#endif  // SLAMON_COLLECTORS_SIMULATOR_RUNNER_H_
