// slamond's runtime: wires the engine to its adapters (gRPC ingest,
// Prometheus export) and runs the event loop that ticks the engine and
// handles signals (SIGTERM/SIGINT stop, SIGHUP reloads policies).
#ifndef SLAMON_DAEMON_APP_DAEMON_H_
#define SLAMON_DAEMON_APP_DAEMON_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/config/config.h"

namespace slamon::app {

struct DaemonOptions {
  // The file SIGHUP reloads; empty when running on built-in defaults.
  std::string config_path;
  // Where to write {"grpc": "host:port", "metrics": "host:port"} once
  // listening (useful with port 0); empty for none.
  std::string ports_file;
  absl::Duration tick = absl::Milliseconds(250);
  absl::Duration log_summary_every = absl::Seconds(60);
};

class Daemon {
 public:
  // Binds the listeners; fails with a message naming the address.
  static absl::StatusOr<std::unique_ptr<Daemon>> Start(config::Config config, DaemonOptions options);
  ~Daemon();

  // Runs until SIGTERM or SIGINT, then drains and stops.
  void Run();

 private:
  struct State;
  explicit Daemon(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace slamon::app

#endif  // SLAMON_DAEMON_APP_DAEMON_H_
