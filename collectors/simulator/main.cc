// slamon-simulator: an Erlang-A contact center publishing to slamond.
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "collectors/common/publisher.h"
#include "collectors/simulator/simulation.h"
#include "common/cli.h"
#include "common/logging.h"
#include "spdlog/spdlog.h"

namespace {

// Sleeps up to `d`; true if SIGTERM or SIGINT arrived (they are blocked and
// taken here, so no handler or global flag is needed).
bool WaitForStopSignal(const sigset_t& signals, absl::Duration d) {
  const timespec timeout = absl::ToTimespec(d);
  return sigtimedwait(&signals, nullptr, &timeout) > 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string daemon = "127.0.0.1:7600", config_path, log_level = "info";
  double speed = 1;
  absl::Duration backfill = absl::ZeroDuration(), duration = absl::ZeroDuration();
  int64_t seed = 0;
  slamon::CommandLine cli(
      "slamon-simulator [flags]\n\n"
      "Simulates an Erlang-A contact center (Poisson arrivals, exponential handle time and\n"
      "patience, N agents, FCFS) per queue and channel, and publishes its events to slamond.\n"
      "Event times never run ahead of the clock, since slamond judges live waits by its own:\n"
      "--backfill starts the simulation that far in the past and --speed replays that past\n"
      "faster; once caught up, it runs in real time.");
  cli.AddString("daemon", &daemon, "slamond gRPC address");
  cli.AddString("config", &config_path, "YAML list of queues (docs/simulator.md); default: one queue per channel");
  cli.AddDouble("speed", &speed, "how many times faster than real time to run the backfill; 0 = at once");
  cli.AddDuration("backfill", &backfill, "start the simulation this long ago");
  cli.AddDuration("duration", &duration, "stop after this much simulated time (0 = run until SIGTERM)");
  cli.AddInt("seed", &seed, "random seed (0 = from the clock)");
  cli.AddString("log-level", &log_level, "trace, debug, info, warn or error");
  bool proceed = false;
  if (int code = slamon::ParseOrExit(cli, argc, argv, &proceed); !proceed) return code;
  if (!slamon::SetUpLogging(log_level)) return 2;
  if (speed < 0 || (speed > 0 && speed < 1)) {
    spdlog::critical("--speed must be 0 (at once) or at least 1");
    return 2;
  }
  absl::StatusOr<slamon::collectors::SimulatorConfig> config =
      config_path.empty() ? slamon::collectors::DefaultSimulatorConfig()
                          : slamon::collectors::LoadSimulatorConfig(config_path);
  if (!config.ok()) return slamon::ExitWithError(config.status());

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before any thread starts

  const absl::Time real_start = absl::Now();
  const absl::Time sim_start = real_start - backfill;
  const uint64_t seed_used = seed != 0 ? static_cast<uint64_t>(seed) : static_cast<uint64_t>(absl::ToUnixNanos(real_start));
  slamon::collectors::Simulation sim(*config, sim_start, seed_used);
  slamon::collectors::PublisherOptions options;
  options.target = daemon;
  uint64_t rejected = 0;
  slamon::collectors::Publisher publisher(options, [&rejected](const slamon::collectors::PublishRejection& r) {
    if (rejected++ < 10) spdlog::warn("event rejected: {}: {}", r.reason, r.message);
  });
  for (const auto& q : config->queues) {
    spdlog::info("simulating {}/{}: {}/h, {} agents, handle {}, patience {}", q.queue, q.channel,
                 q.arrivals_per_hour, q.agents, absl::FormatDuration(q.handle),
                 q.patience == absl::ZeroDuration() ? "unlimited" : absl::FormatDuration(q.patience));
  }
  uint64_t published = 0;
  absl::Time next_report = real_start + absl::Seconds(10);
  while (true) {
    const absl::Time real_now = absl::Now();
    absl::Time target = speed == 0 ? real_now : std::min(real_now, sim_start + (real_now - real_start) * speed);
    const bool finished = duration > absl::ZeroDuration() && target >= sim_start + duration;
    if (finished) target = sim_start + duration;
    sim.RunUntil(target, [&](slamon::v1::ContactEvent e) {
      publisher.Publish(std::move(e));
      ++published;
    });
    if (real_now >= next_report) {
      const auto s = publisher.stats();
      spdlog::info("simulated up to {}: {} events published, {} acknowledged, {} rejected",
                   absl::FormatTime("%H:%M:%S", target, absl::UTCTimeZone()), published, s.acknowledged, s.rejected);
      next_report = real_now + absl::Seconds(10);
    }
    if (finished || WaitForStopSignal(stop, absl::Milliseconds(100))) break;
  }
  const absl::Status flushed = publisher.Flush(absl::Seconds(30));
  const auto s = publisher.stats();
  spdlog::info("stopping: {} events published, {} acknowledged ({} accepted, {} duplicates, {} rejected)", published,
               s.acknowledged, s.accepted, s.duplicates, s.rejected);
  if (!flushed.ok()) return slamon::ExitWithError(flushed);
  return 0;
}
