// slamond: the slamon daemon. Parses flags, loads the config and runs.
#include "common/build_info.h"
#include "common/cli.h"
#include "daemon/app/daemon.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  std::string config_path, grpc_listen, metrics_listen, data_dir, log_level = "info";
  slamon::app::DaemonOptions options;
  slamon::CommandLine cli(
      "slamond [flags]\n\nMeasures contact-center service levels live: collectors push contact events over\n"
      "gRPC, Prometheus scrapes the figures. Runs on built-in policies without --config.");
  cli.AddString("config", &config_path, "YAML config file (docs/configuration.md); SIGHUP reloads its policies");
  cli.AddString("grpc-listen", &grpc_listen, "gRPC ingest address, overrides listen.grpc (port 0 picks one)");
  cli.AddString("metrics-listen", &metrics_listen, "Prometheus /metrics address, overrides listen.metrics");
  cli.AddString("data-dir", &data_dir,
                "write-ahead log and snapshots, overrides data_dir (default ./data; 'none': memory only)");
  cli.AddString("log-level", &log_level, "trace, debug, info, warn or error");
  cli.AddString("ports-file", &options.ports_file, "write the bound addresses here as JSON once listening");
  cli.SetVersion(slamon::VersionLine("slamond"));
  bool proceed = false;
  if (int code = slamon::ParseOrExit(cli, argc, argv, &proceed); !proceed) return code;
  if (!slamon::SetUpLogging(log_level)) return 2;

  absl::StatusOr<slamon::config::Config> config =
      config_path.empty() ? slamon::config::DefaultConfig() : slamon::config::LoadConfigFile(config_path);
  if (!config.ok()) return slamon::ExitWithError(config.status());
  if (!grpc_listen.empty()) config->grpc_listen = grpc_listen;
  if (!metrics_listen.empty()) config->metrics_listen = metrics_listen;
  if (!data_dir.empty()) config->data_dir = data_dir;
  options.config_path = config_path;
  auto daemon = slamon::app::Daemon::Start(*std::move(config), options);
  if (!daemon.ok()) return slamon::ExitWithError(daemon.status());
  (*daemon)->Run();
  return 0;
}
