#include "ctl/cli.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "common/build_info.h"
#include "common/cli.h"
#include "common/duration.h"
#include "ctl/commands.h"

namespace slamon::ctl {
namespace {

// A command's flags: --help shows its usage, --version the binary's line, as
// `slamonctl --version` does.
CommandLine CommandFlags(std::string usage) {
  CommandLine cli(std::move(usage));
  cli.SetVersion(VersionLine("slamonctl"));
  return cli;
}

void AddConnection(CommandLine& cli, Connection& c) {
  cli.AddString("daemon", &c.daemon, "slamond gRPC address");
  cli.AddDuration("timeout", &c.timeout, "how long to wait for the daemon's answer");
}

void AddFilter(CommandLine& cli, std::string& queues, std::string& channels) {
  cli.AddString("queue", &queues, "only these queues (comma-separated)");
  cli.AddString("channel", &channels, "only these channels (comma-separated)");
}

Filter ToFilter(const std::string& queues, const std::string& channels) {
  Filter f;
  for (absl::string_view q : absl::StrSplit(queues, ',', absl::SkipEmpty())) f.queues.emplace_back(q);
  for (absl::string_view c : absl::StrSplit(channels, ',', absl::SkipEmpty())) f.channels.emplace_back(c);
  return f;
}

// RFC 3339, or a date (midnight UTC).
bool ParseInstant(const std::string& text, absl::Time* out) {
  if (absl::StatusOr<absl::Time> t = ParseRfc3339(text); t.ok()) {
    *out = *t;
    return true;
  }
  std::string err;
  return absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), out, &err);
}

int Usage(const char* message) {
  std::fprintf(stderr, "slamonctl: %s (see --help)\n", message);
  return kUsage;
}

// Each command parses its own flags (argv[0] is the command's name), then runs.
int Status(int argc, const char* const* argv) {
  Connection connection;
  std::string queues, channels;
  CommandLine cli = CommandFlags(
      "slamonctl status [flags]\n\nA table of live SLA figures: per queue, channel, policy and objective, "
      "the ratio and volume of each window,\nthe worst window's status, open items by state and the "
      "nearest deadline.");
  AddConnection(cli, connection);
  AddFilter(cli, queues, channels);
  bool proceed = false;
  if (int code = ParseOrExit(cli, argc, argv, &proceed); !proceed) return code;
  return RunStatus(connection, ToFilter(queues, channels), stdout);
}

int Report(int argc, const char* const* argv) {
  Connection connection;
  std::string queues, channels, from, to, interval = "30m", format = "table";
  CommandLine cli = CommandFlags(
      "slamonctl report --from TIME --to TIME [flags]\n\nOutcome counts of every objective per period "
      "starting in [from, to), from the daemon's interval\nhistory (windows.history): exact, not "
      "extrapolated. TIME is RFC 3339 or YYYY-MM-DD (midnight UTC).\nDays are local days of each "
      "policy's time zone.");
  AddConnection(cli, connection);
  AddFilter(cli, queues, channels);
  cli.AddString("from", &from, "start of the report (inclusive)");
  cli.AddString("to", &to, "end of the report (exclusive)");
  cli.AddString("interval", &interval, "30m (the daemon's interval) or 1d");
  cli.AddString("format", &format, "table or csv");
  bool proceed = false;
  if (int code = ParseOrExit(cli, argc, argv, &proceed); !proceed) return code;
  ReportOptions options;
  if (!ParseInstant(from, &options.from)) return Usage("--from must be RFC 3339 or YYYY-MM-DD");
  if (!ParseInstant(to, &options.to)) return Usage("--to must be RFC 3339 or YYYY-MM-DD");
  if (options.from >= options.to) return Usage("--from must be before --to");
  if (interval != "30m" && interval != "1d") return Usage("--interval must be 30m or 1d");
  if (format != "table" && format != "csv") return Usage("--format must be table or csv");
  options.daily = interval == "1d";
  options.csv = format == "csv";
  return RunReport(connection, ToFilter(queues, channels), options, stdout);
}

int Watch(int argc, const char* const* argv) {
  Connection connection;
  std::string queues, channels;
  WatchOptions options;
  CommandLine cli = CommandFlags(
      "slamonctl watch [flags]\n\nPrints each breach (and with --warnings each warning) as the daemon "
      "finds it, until interrupted.");
  AddConnection(cli, connection);
  AddFilter(cli, queues, channels);
  cli.AddBool("warnings", &options.warnings, "also print items reaching their warning point");
  cli.AddInt("count", &options.count, "exit after this many events (0: never)");
  std::string resume;
  cli.AddString("resume", &resume, "RUN:SEQUENCE: first the events after this one (a line's resume=) still held");
  bool proceed = false;
  if (int code = ParseOrExit(cli, argc, argv, &proceed); !proceed) return code;
  if (!resume.empty()) {
    const std::pair<std::string, std::string> parts = absl::StrSplit(resume, absl::MaxSplits(':', 1));
    if (!absl::SimpleAtoi(parts.first, &options.resume_run) || !absl::SimpleAtoi(parts.second, &options.resume_after) ||
        options.resume_run == 0) {
      return Usage("--resume must be RUN:SEQUENCE, as a printed line's resume= gives them");
    }
  }
  return RunWatch(connection, ToFilter(queues, channels), options, stdout);
}

int EndWaits(int argc, const char* const* argv) {
  Connection connection;
  std::string queues, channels, contacts, started_before;
  absl::Duration longer_than = absl::ZeroDuration();
  EndWaitsOptions options;
  CommandLine cli = CommandFlags(
      "slamonctl end-waits (--started-before TIME | --longer-than DURATION) [flags]\n\nEnds waits whose "
      "end event will never come (a PBX restart, a lost event) as give_up_after would have:\nthey leave "
      "the live figures and count as given_up, in no outcome. Try --dry-run first.");
  AddConnection(cli, connection);
  AddFilter(cli, queues, channels);
  cli.AddString("started-before", &started_before, "the waits begun before this time (RFC 3339 or YYYY-MM-DD)");
  cli.AddDuration("longer-than", &longer_than, "the waits begun longer ago than this (by this machine's clock)");
  cli.AddString("contact", &contacts, "only these contact ids (comma-separated)");
  cli.AddBool("dry-run", &options.dry_run, "list the waits that would end; change nothing");
  bool proceed = false;
  if (int code = ParseOrExit(cli, argc, argv, &proceed); !proceed) return code;
  if (started_before.empty() == (longer_than == absl::ZeroDuration())) {
    return Usage("end-waits takes one of --started-before and --longer-than");
  }
  if (!started_before.empty() && !ParseInstant(started_before, &options.started_before)) {
    return Usage("--started-before must be RFC 3339 or YYYY-MM-DD");
  }
  if (started_before.empty()) {
    // Whole seconds: the cut-off is printed back, and read by people.
    options.started_before = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() - longer_than));
  }
  for (absl::string_view c : absl::StrSplit(contacts, ',', absl::SkipEmpty())) options.contact_ids.emplace_back(c);
  return RunEndWaits(connection, ToFilter(queues, channels), options, stdout);
}

int CheckConfig(int argc, const char* const* argv) {
  CommandLine cli = CommandFlags(
      "slamonctl check-config FILE\n\nLoads a slamond config file as the daemon would; an error names "
      "the file, line and key.");
  bool proceed = false;
  if (int code = ParseOrExit(cli, argc, argv, &proceed); !proceed) return code;
  if (cli.positional().size() != 1) return Usage("check-config takes exactly one FILE");
  return RunCheckConfig(cli.positional()[0], stdout);
}

struct Command {
  const char* name;
  const char* operands;  // shown after the name in the overview
  const char* summary;
  int (*run)(int argc, const char* const* argv);
};
constexpr Command kCommands[] = {
    {"status", "", "live SLA per queue, channel and objective", Status},
    {"report", "--from --to", "outcome counts per 30-minute interval or day (exact, from the daemon's history)",
     Report},
    {"watch", "", "warnings and breaches as they happen", Watch},
    {"end-waits", "--started-before", "end waits whose end event will never come (counted as given_up)", EndWaits},
    {"check-config", "FILE", "validate a slamond config file", CheckConfig},
};

void PrintOverview(std::FILE* out) {
  std::fputs("slamonctl COMMAND [flags]\n\nCommands:\n", out);
  for (const Command& c : kCommands) {
    const std::string synopsis = *c.operands == '\0' ? c.name : std::string(c.name) + " " + c.operands;
    std::fprintf(out, "  %-27s %s\n", synopsis.c_str(), c.summary);
  }
  std::fputs("\nRun 'slamonctl COMMAND --help' for a command's flags, 'slamonctl --version' for the version. "
             "Exit status: 0 done, 1 failed, 2 usage error.\n",
             out);
}

}  // namespace

int RunCommandLine(int argc, const char* const* argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    PrintOverview(argc < 2 ? stderr : stdout);
    return argc < 2 ? kUsage : kOk;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("%s\n", VersionLine("slamonctl").c_str());
    return kOk;
  }
  for (const Command& c : kCommands) {
    if (std::strcmp(argv[1], c.name) == 0) return c.run(argc - 1, argv + 1);
  }
  return Usage((std::string("unknown command '") + argv[1] + "'").c_str());
}

}  // namespace slamon::ctl
