// slamon-replay's job, separate from main() so that tests can run it.
#ifndef SLAMON_COLLECTORS_REPLAY_REPLAY_H_
#define SLAMON_COLLECTORS_REPLAY_REPLAY_H_

#include <cstdio>
#include <string>

#include "absl/time/time.h"

namespace slamon::collectors {

struct ReplayOptions {
  std::string path;  // "-" for standard input
  std::string daemon = "127.0.0.1:7600";
  std::string source = "replay";
  double speed = 0;  // 0: as fast as possible; N: N times the pace of arrived_at
  int64_t batch_size = 100;
  absl::Duration timeout = absl::Seconds(60);
  bool progress = false;  // draw a progress bar on stderr
};

// Exit codes of slamon-replay.
inline constexpr int kReplayAllAcknowledged = 0;
inline constexpr int kReplayNotAcknowledged = 1;
inline constexpr int kReplayUsageError = 2;

// Publishes every record of the file and prints a summary to `out`.
int RunReplay(const ReplayOptions& options, std::FILE* out);

}  // namespace slamon::collectors

#endif  // SLAMON_COLLECTORS_REPLAY_REPLAY_H_
