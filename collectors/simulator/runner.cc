#include "collectors/simulator/runner.h"

#include <signal.h>

#include <deque>

#include "absl/status/status.h"
#include "collectors/common/publisher.h"
#include "common/logging.h"
#include "spdlog/spdlog.h"

namespace slamon::collectors {
namespace {

// Sleeps up to `d`; true if SIGTERM or SIGINT arrived (they are blocked and
// taken here, so no handler or global flag is needed).
bool WaitForStopSignal(const sigset_t& signals, absl::Duration d) {
  const timespec timeout = absl::ToTimespec(d);
  return sigtimedwait(&signals, nullptr, &timeout) > 0;
}

}  // namespace

int RunSimulator(const SimulatorOptions& options) {
  if (options.speed < 0 || (options.speed > 0 && options.speed < 1)) {
    return ExitWithError(absl::InvalidArgumentError("--speed must be 0 (at once) or at least 1"));
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before the publisher's threads start

  const absl::Time real_start = absl::Now();
  const absl::Time sim_start = real_start - options.backfill;
  const uint64_t seed = options.seed != 0 ? options.seed : static_cast<uint64_t>(absl::ToUnixNanos(real_start));
  Simulation sim(options.config, sim_start, seed);
  PublisherOptions publisher_options;
  publisher_options.target = options.daemon;
  publisher_options.spool_dir = options.spool_dir;
  uint64_t rejected = 0;
  absl::StatusOr<std::unique_ptr<Publisher>> opened =
      Publisher::Open(publisher_options, [&rejected](const PublishRejection& r) {
        if (rejected++ < 10) spdlog::warn("event rejected: {}: {}", r.reason, r.message);
      });
  if (!opened.ok()) return ExitWithError(opened.status());
  Publisher& publisher = **opened;
  for (const QueueModel& q : options.config.queues) {
    spdlog::info("simulating {}/{}: {}/h, {} agents, handle {}, patience {}", q.queue, q.channel,
                 q.arrivals_per_hour, q.agents, absl::FormatDuration(q.handle),
                 q.patience == absl::ZeroDuration() ? "unlimited" : absl::FormatDuration(q.patience));
  }
  // Events wait here while the daemon is slow or away, so that the loop never
  // blocks and SIGTERM is always heard; simulated time pauses meanwhile.
  constexpr size_t kMaxBacklog = 100'000;
  std::deque<v1::ContactEvent> backlog;
  uint64_t published = 0;
  absl::Time next_report = real_start + absl::Seconds(10);
  bool finished = false;
  while (true) {
    // Simulated time never runs ahead of the clock: the backfill is replayed
    // at `speed`, then the simulation follows real time.
    const absl::Time real_now = absl::Now();
    absl::Time target = options.speed == 0
                            ? real_now
                            : std::min(real_now, sim_start + (real_now - real_start) * options.speed);
    if (options.duration > absl::ZeroDuration() && target >= sim_start + options.duration) {
      target = sim_start + options.duration;
      finished = true;
    }
    if (backlog.size() < kMaxBacklog) {
      sim.RunUntil(target, [&backlog](v1::ContactEvent e) { backlog.push_back(std::move(e)); });
    } else {
      finished = false;  // not done until the simulation has reached the end
    }
    while (!backlog.empty() && publisher.TryPublish(backlog.front())) {
      backlog.pop_front();
      ++published;
    }
    if (real_now >= next_report) {
      const PublisherStats s = publisher.stats();
      spdlog::info("simulated up to {}: {} events published, {} acknowledged, {} rejected",
                   absl::FormatTime("%H:%M:%S", target, absl::UTCTimeZone()), published, s.acknowledged, s.rejected);
      next_report = real_now + absl::Seconds(10);
    }
    if ((finished && backlog.empty()) || WaitForStopSignal(stop, absl::Milliseconds(100))) break;
  }
  // Waiting for acks is worth it only while connected.
  const absl::Status flushed = publisher.Flush(publisher.connected() ? absl::Seconds(30) : absl::Seconds(2));
  const PublisherStats s = publisher.stats();
  spdlog::info("stopping: {} events published, {} acknowledged ({} accepted, {} duplicates, {} rejected), {} not sent",
               published, s.acknowledged, s.accepted, s.duplicates, s.rejected, backlog.size());
  return flushed.ok() ? 0 : ExitWithError(flushed);
}

}  // namespace slamon::collectors
