// slamonctl's commands. Each prints to `out` (errors to stderr) and returns
// the process exit code: 0 done, 1 failed (daemon unreachable, bad config),
// 2 usage error.
#ifndef SLAMON_CTL_COMMANDS_H_
#define SLAMON_CTL_COMMANDS_H_

#include <cstdio>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace slamon::ctl {

inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;
inline constexpr int kUsage = 2;

struct Connection {
  std::string daemon = "127.0.0.1:7600";
  absl::Duration timeout = absl::Seconds(10);
};

struct Filter {
  std::vector<std::string> queues;
  std::vector<std::string> channels;
};

// A table of every queue x channel x objective: goal, ratio per window,
// status, open items and the nearest deadline.
int RunStatus(const Connection& connection, const Filter& filter, std::FILE* out);

struct ReportOptions {
  absl::Time from;
  absl::Time to;
  bool daily = false;  // --interval 1d
  bool csv = false;
};
// Outcome counts per period from the daemon's interval history; the table
// ends with a total per objective.
int RunReport(const Connection& connection, const Filter& filter, const ReportOptions& options, std::FILE* out);

struct WatchOptions {
  bool warnings = false;
  int64_t count = 0;  // stop after this many events; 0 = until interrupted
  // Resume after this event (the `resume=RUN:SEQUENCE` of a line printed
  // earlier); run 0: live events only.
  uint64_t resume_run = 0;
  uint64_t resume_after = 0;
};
// One line per warning or breach as the daemon finds it, ending with the
// point to resume after; a line for events lost before a resume.
int RunWatch(const Connection& connection, const Filter& filter, const WatchOptions& options, std::FILE* out);

struct EndWaitsOptions {
  absl::Time started_before;
  std::vector<std::string> contact_ids;  // empty: any
  bool dry_run = false;
};
// Ends the waits of the filter's queues and channels begun before a time
// (slamon.v1.Admin/EndWaits) and lists them, oldest first; a dry run lists
// what it would end.
int RunEndWaits(const Connection& connection, const Filter& filter, const EndWaitsOptions& options, std::FILE* out);

// Loads a slamond config file the way the daemon does and summarises it.
int RunCheckConfig(const std::string& path, std::FILE* out);

}  // namespace slamon::ctl

#endif  // SLAMON_CTL_COMMANDS_H_
