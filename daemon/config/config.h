// slamond's configuration: the YAML shape of sla-semantics §8, every key
// documented in docs/configuration.md. Loading never throws: a bad file gives
// an error naming the file, the line and the key.
#ifndef SLAMON_DAEMON_CONFIG_CONFIG_H_
#define SLAMON_DAEMON_CONFIG_CONFIG_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "daemon/engine/calendar.h"
#include "daemon/engine/engine.h"
#include "daemon/engine/policy.h"

namespace slamon::config {

using Calendars = std::map<std::string, std::shared_ptr<const engine::BusinessCalendar>>;

struct Config {
  std::string source = "built-in defaults";  // the file it came from
  std::string yaml;                           // the text it was parsed from
  std::string grpc_listen = "127.0.0.1:7600";
  std::string metrics_listen = "127.0.0.1:9464";
  // Where the log and snapshots live; "none" keeps state in memory only.
  std::string data_dir = "./data";
  absl::Duration snapshot_every = absl::Minutes(5);
  engine::EngineOptions engine;
  // Shared with the objectives whose basis they are.
  Calendars calendars;
  // Files the config refers to (calendars' holidays_ics), as written in it
  // -> their contents: saved with the policies, so that a restart rebuilds
  // them from what was read, not from what the file says now.
  std::map<std::string, std::string> included_files;
  std::vector<engine::Policy> policies;
};

// The built-in defaults: the phone, email, chat and walk-in policies of
// sla-semantics §8, all in calendar time.
Config DefaultConfig();

// Engine shards when the config does not say: one per hardware thread, at
// most 8 (8 when the count is unknown, 0). More shards than ingest threads
// gain nothing, and every shard keeps its own figures per queue key, which
// each scrape merges and memory holds.
int DefaultShards(unsigned hardware_threads);

// Reads a file the config refers to, by its path as written in the config.
using FileReader = std::function<absl::StatusOr<std::string>(const std::string& path)>;

// `read` defaults to the file system, relative paths from the config file's
// directory.
absl::StatusOr<Config> ParseConfig(absl::string_view yaml, absl::string_view filename,
                                   const FileReader& read = nullptr);
absl::StatusOr<Config> LoadConfigFile(const std::string& path);

}  // namespace slamon::config

#endif  // SLAMON_DAEMON_CONFIG_CONFIG_H_
