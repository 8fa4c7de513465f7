// slamon-simulator: an Erlang-A contact center publishing to slamond.
#include "collectors/simulator/runner.h"
#include "common/build_info.h"
#include "common/cli.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  slamon::collectors::SimulatorOptions options;
  std::string config_path, log_level = "info";
  int64_t seed = 0;
  slamon::CommandLine cli(
      "slamon-simulator [flags]\n\n"
      "Simulates an Erlang-A contact center (Poisson arrivals, exponential handle time and\n"
      "patience, N agents, FCFS) per queue and channel, and publishes its events to slamond.\n"
      "Event times never run ahead of the clock, since slamond judges live waits by its own:\n"
      "--backfill starts the simulation that far in the past and --speed replays that past\n"
      "faster; once caught up, it runs in real time. See docs/simulator.md.");
  cli.AddString("daemon", &options.daemon, "slamond gRPC address");
  cli.AddString("spool", &options.spool_dir,
                "directory for events not yet acknowledged: kept across restarts and sent first (default: memory)");
  cli.AddString("config", &config_path, "YAML list of queues (docs/simulator.md); default: one queue per channel");
  cli.AddDouble("speed", &options.speed, "how many times faster than real time to run the backfill; 0 = at once");
  cli.AddDuration("backfill", &options.backfill, "start the simulation this long ago");
  cli.AddDuration("duration", &options.duration, "stop after this much simulated time (0 = run until SIGTERM)");
  cli.AddInt("seed", &seed, "random seed (0 = from the clock)");
  cli.AddString("log-level", &log_level, "trace, debug, info, warn or error");
  cli.SetVersion(slamon::VersionLine("slamon-simulator"));
  bool proceed = false;
  if (int code = slamon::ParseOrExit(cli, argc, argv, &proceed); !proceed) return code;
  if (!slamon::SetUpLogging(log_level)) return 2;
  absl::StatusOr<slamon::collectors::SimulatorConfig> config =
      config_path.empty() ? slamon::collectors::DefaultSimulatorConfig()
                          : slamon::collectors::LoadSimulatorConfig(config_path);
  if (!config.ok()) return slamon::ExitWithError(config.status());
  options.config = *std::move(config);
  options.seed = static_cast<uint64_t>(seed);
  return slamon::collectors::RunSimulator(options);
}
