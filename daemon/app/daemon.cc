#include "daemon/app/daemon.h"

#include <csignal>
#include <fstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/duration.h"
#include "common/fmt_absl.h"
#include "daemon/engine/engine.h"
#include "daemon/export/sla_collectable.h"
#include "daemon/ingest/batch_applier.h"
#include "daemon/ingest/ingest_service.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"
#include "spdlog/spdlog.h"

namespace slamon::app {
namespace {

std::string PolicyList(const std::vector<engine::Policy>& policies) {
  return absl::StrJoin(policies, ", ", [](std::string* out, const engine::Policy& p) {
    absl::StrAppend(out, p.name, " v", p.version);
  });
}

absl::Status WritePortsFile(const std::string& path, const std::string& grpc, const std::string& metrics) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << "{\"grpc\": \"" << grpc << "\", \"metrics\": \"" << metrics << "\"}\n";
    if (!out.flush()) return absl::UnavailableError(absl::StrCat(tmp, ": cannot write the ports file"));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat(path, ": cannot write the ports file"));
  }
  return absl::OkStatus();
}

// "127.0.0.1:7600" -> "127.0.0.1", for printing the address actually bound.
std::string HostOf(const std::string& address) {
  const size_t colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

}  // namespace

struct Daemon::State {
  config::Config config;
  DaemonOptions options;
  std::unique_ptr<engine::Engine> engine;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::shared_ptr<exporter::SlaCollectable> collectable;
  std::unique_ptr<ingest::BatchApplier> applier;
  std::unique_ptr<ingest::IngestService> ingest;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<prometheus::Exposer> exposer;
  boost::asio::io_context io;
  boost::asio::steady_timer tick_timer{io};
  boost::asio::signal_set signals{io, SIGTERM, SIGINT, SIGHUP};
  absl::Time next_summary;
  engine::HealthSnapshot last_health;

  void ScheduleTick();
  void WaitForSignal();
  void Reload();
  void LogSummary(absl::Time now);
};

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(config::Config config, DaemonOptions options) {
  auto s = std::make_unique<State>();
  s->options = std::move(options);
  s->config = std::move(config);
  const auto clock = [] { return absl::Now(); };
  s->engine = std::make_unique<engine::Engine>(
      s->config.engine, std::make_shared<engine::PolicySet>(s->config.policies));

  s->applier = std::make_unique<ingest::BatchApplier>(s->engine.get(), clock, *s->registry);
  s->ingest = std::make_unique<ingest::IngestService>(
      [applier = s->applier.get()](v1::EventBatch& batch, v1::BatchAck* ack) { applier->Apply(batch, ack); },
      *s->registry);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  builder.AddListeningPort(s->config.grpc_listen, grpc::InsecureServerCredentials(), &grpc_port);
  builder.RegisterService(s->ingest.get());
  // Collectors keep long-lived streams open; let them ping to keep NATs open.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // gRPC sets SO_REUSEPORT by default: a second slamond on the same port
  // would start and silently take half of the collectors' streams.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  s->server = builder.BuildAndStart();
  if (s->server == nullptr || grpc_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for gRPC on ", s->config.grpc_listen, " (address in use or invalid?)"));
  }

  s->collectable = std::make_shared<exporter::SlaCollectable>(s->engine.get(), clock);
  try {
    s->exposer = std::make_unique<prometheus::Exposer>(s->config.metrics_listen);
  } catch (const std::exception& e) {
    s->server->Shutdown(std::chrono::system_clock::now());
    return absl::UnavailableError(
        absl::StrCat("cannot listen for /metrics on ", s->config.metrics_listen, ": ", e.what()));
  }
  s->exposer->RegisterCollectable(s->collectable);
  s->exposer->RegisterCollectable(s->registry);
  const std::vector<int> metrics_ports = s->exposer->GetListeningPorts();
  const std::string grpc_address = absl::StrCat(HostOf(s->config.grpc_listen), ":", grpc_port);
  const std::string metrics_address =
      absl::StrCat(HostOf(s->config.metrics_listen), ":", metrics_ports.empty() ? 0 : metrics_ports[0]);

  spdlog::info("slamond {} started with {}", SLAMON_VERSION_STRING, s->config.source);
  spdlog::info("policies: {}", PolicyList(s->config.policies));
  spdlog::info("gRPC ingest listening on {}", grpc_address);
  spdlog::info("metrics at http://{}/metrics", metrics_address);
  if (!s->options.ports_file.empty()) {
    if (absl::Status st = WritePortsFile(s->options.ports_file, grpc_address, metrics_address); !st.ok()) {
      s->server->Shutdown(std::chrono::system_clock::now());
      return st;
    }
  }
  s->next_summary = absl::Now() + s->options.log_summary_every;
  return std::unique_ptr<Daemon>(new Daemon(std::move(s)));
}

Daemon::Daemon(std::unique_ptr<State> state) : state_(std::move(state)) {}
Daemon::~Daemon() = default;

void Daemon::State::ScheduleTick() {
  tick_timer.expires_after(absl::ToChronoMilliseconds(options.tick));
  tick_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled at shutdown
    const absl::Time now = absl::Now();
    engine->Tick(now);
    if (now >= next_summary) LogSummary(now);
    ScheduleTick();
  });
}

void Daemon::State::LogSummary(absl::Time now) {
  next_summary = now + options.log_summary_every;
  const engine::HealthSnapshot h = engine->Snapshot(now).health;
  std::vector<std::string> reasons;
  uint64_t rejected = 0;
  for (int r = 0; r < engine::kRejectReasonCount; ++r) {
    const uint64_t delta = h.rejected[r] - last_health.rejected[r];
    rejected += delta;
    if (delta > 0) {
      reasons.push_back(absl::StrCat(engine::RejectReasonName(static_cast<engine::RejectReason>(r)), "=", delta));
    }
  }
  const uint64_t received = h.events_received + h.records_received - last_health.events_received -
                            last_health.records_received;
  if (received > 0 || rejected > 0) {
    spdlog::info("since the last report: received {}, rejected {}{}, duplicates {}; open contacts {}, pending {}",
                 received, rejected,
                 reasons.empty() ? "" : absl::StrCat(" (", absl::StrJoin(reasons, ", "), ")"),
                 h.duplicates - last_health.duplicates, h.open_contacts, h.pending_events);
  }
  last_health = h;
}

void Daemon::State::Reload() {
  if (options.config_path.empty()) {
    spdlog::warn("SIGHUP: running on built-in defaults, nothing to reload (start with --config FILE)");
    return;
  }
  absl::StatusOr<config::Config> next = config::LoadConfigFile(options.config_path);
  if (!next.ok()) {
    spdlog::error("SIGHUP: keeping the current policies: {}", next.status().message());
    return;
  }
  engine::PolicySet::CarryVersions(engine::PolicySet(config.policies), next->policies);
  for (double bound : next->engine.wait_buckets) {
    const auto& current = config.engine.wait_buckets;
    if (std::find(current.begin(), current.end(), bound) == current.end()) {
      spdlog::warn("SIGHUP: wait histogram bound {}s is new; histogram buckets change only on restart", bound);
    }
  }
  config.policies = next->policies;
  engine->SetPolicies(std::make_shared<engine::PolicySet>(next->policies));
  spdlog::info("SIGHUP: policies reloaded from {}: {} (open contacts keep their version; "
               "listen addresses and windows change only on restart)",
               options.config_path, PolicyList(config.policies));
}

void Daemon::State::WaitForSignal() {
  signals.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      Reload();
      WaitForSignal();
      return;
    }
    spdlog::info("received {}, draining ingest streams", signal == SIGTERM ? "SIGTERM" : "SIGINT");
    tick_timer.cancel();
    // Streams still open at the deadline are cancelled; their unacknowledged
    // batches are resent by the collectors and deduplicated.
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    LogSummary(absl::Now());
    io.stop();
  });
}

void Daemon::Run() {
  state_->ScheduleTick();
  state_->WaitForSignal();
  state_->io.run();
  state_->server->Wait();
  spdlog::info("slamond stopped");
}

}  // namespace slamon::app
