// slamon-replay: publishes contact-record files (CSV or JSON Lines) to slamond.
#include <unistd.h>

#include "collectors/replay/replay.h"
#include "common/build_info.h"
#include "common/cli.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  slamon::collectors::ReplayOptions options;
  slamon::CommandLine cli(
      "slamon-replay [flags] FILE\n\n"
      "Publishes contact records (sla-semantics §9; CSV with a header, or .jsonl) to slamond.\n"
      "FILE '-' reads CSV from standard input. Exit status: 0 when every record was\n"
      "acknowledged by the daemon (rejected rows are listed with their line numbers),\n"
      "1 when some were not (daemon unreachable, timeout, unreadable rows), 2 on usage errors.");
  cli.AddString("daemon", &options.daemon, "slamond gRPC address");
  cli.AddString("source", &options.source, "source name for records that have none");
  cli.AddDouble("speed", &options.speed, "0 = as fast as possible; N = N times the pace of arrived_at");
  cli.AddInt("batch-size", &options.batch_size, "records per batch");
  cli.AddDuration("timeout", &options.timeout, "how long to wait for the last acknowledgements");
  cli.SetVersion(slamon::VersionLine("slamon-replay"));
  bool proceed = false;
  if (int code = slamon::ParseOrExit(cli, argc, argv, &proceed); !proceed) return code;
  if (cli.positional().size() != 1) {
    std::fprintf(stderr, "slamon-replay: expected exactly one FILE (see --help)\n");
    return slamon::collectors::kReplayUsageError;
  }
  if (!slamon::SetUpLogging("warn")) return slamon::collectors::kReplayUsageError;
  options.path = cli.positional()[0];
  options.progress = isatty(STDERR_FILENO) != 0;
  return slamon::collectors::RunReplay(options, stdout);
}
