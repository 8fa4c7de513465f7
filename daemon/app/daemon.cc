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
#include "common/build_info.h"
#include "common/check.h"
#include "common/duration.h"
#include "common/status_macros.h"
#include "common/fmt_absl.h"
#include "daemon/admin/admin_service.h"
#include "daemon/app/policy_origin.h"
#include "daemon/app/request_counter.h"
#include "daemon/engine/engine.h"
#include "daemon/export/metrics_page.h"
#include "daemon/export/metrics_server.h"
#include "daemon/ingest/batch_applier.h"
#include "daemon/ingest/ingest_service.h"
#include "daemon/query/query_service.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "spdlog/spdlog.h"

namespace slamon::app {
namespace {

// "any", "a, b" or "a, b, c, d, e and 995 more", for the log line of an
// operator's change.
std::string AnyOr(const std::vector<std::string>& names) {
  constexpr size_t kShown = 5;
  if (names.empty()) return "any";
  if (names.size() <= kShown) return absl::StrJoin(names, ", ");
  return absl::StrCat(absl::StrJoin(names.begin(), names.begin() + kShown, ", "), " and ", names.size() - kShown,
                      " more");
}

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
  std::unique_ptr<storage::Journal> journal;  // null with data_dir "none"
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  storage::RecoveryReport recovery;
  std::unique_ptr<ingest::BatchApplier> applier;
  std::unique_ptr<ingest::IngestService> ingest;
  std::unique_ptr<query::QueryService> query;
  std::unique_ptr<admin::AdminService> admin;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<exporter::MetricsPage> metrics_page;
  std::unique_ptr<exporter::MetricsServer> metrics_server;
  boost::asio::io_context io;
  boost::asio::steady_timer tick_timer{io};
  boost::asio::signal_set signals{io, SIGTERM, SIGINT, SIGHUP};
  absl::Time next_summary;
  engine::HealthSnapshot last_health;
  absl::Status last_snapshot_error;
  bool storage_writable = true;

  absl::Status OpenStorage();
  // Every change to engine state goes through here: logged when durable.
  void Tick();
  void SetPolicies(std::shared_ptr<const engine::PolicySet> policies);
  // An operator's (slamonctl end-waits): on a gRPC thread.
  void EndWaits(const engine::WaitSelection& selection, const std::string& logged, admin::EndWaitsDone done);
  void ScheduleTick();
  void WaitForSignal();
  void Reload();
  void LogSummary(absl::Time now);
  grpc::HealthCheckServiceInterface& Health() const;
};

absl::Status Daemon::State::OpenStorage() {
  if (config.data_dir == "none") {
    spdlog::warn("data_dir is 'none': state lives in memory only; a restart loses every count and open contact, "
                 "and batches are acknowledged without being durable");
    return absl::OkStatus();
  }
  const auto replay = [this](storage::RecordType type, absl::Time at, absl::string_view body) -> absl::Status {
    switch (type) {
      case storage::RecordType::kBatch:
        return applier->Replay(at, body);
      case storage::RecordType::kTick:
        engine->Tick(at);
        return absl::OkStatus();
      case storage::RecordType::kPolicies: {
        absl::StatusOr<std::shared_ptr<const engine::PolicySet>> set = DecodePolicyOrigin(body);
        if (!set.ok()) return set.status();
        engine->SetPolicies(*std::move(set));
        return absl::OkStatus();
      }
      case storage::RecordType::kEndWaits: {
        v1::EndWaitsRequest request;
        if (!request.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
          return absl::DataLossError("an end-waits record does not parse");
        }
        absl::StatusOr<engine::WaitSelection> selection = admin::SelectionOf(request);
        if (!selection.ok()) return selection.status();
        engine->EndWaits(*selection, at);
        return absl::OkStatus();
      }
    }
    return absl::DataLossError(absl::StrCat("record type ", static_cast<int>(type),
                                            " is unknown to this slamond (a newer one wrote it?): skipped"));
  };
  storage::RecoveryReport report;
  absl::StatusOr<std::unique_ptr<storage::Journal>> opened = storage::Journal::Open(
      {.dir = config.data_dir, .snapshot_every = config.snapshot_every}, engine.get(), DecodePolicyOrigin, replay,
      [] { return absl::Now(); }, &report);
  if (!opened.ok()) {
    return absl::Status(opened.status().code(), absl::StrCat("cannot open the data directory (--data-dir, data_dir): ",
                                                             opened.status().message()));
  }
  journal = *std::move(opened);
  for (const std::string& skipped : report.skipped_snapshots) spdlog::error("skipped snapshot {}", skipped);
  if (report.log.damaged) {
    spdlog::error("write-ahead log damaged: {}; cut {} bytes there, state is that of record {}", report.log.damage,
                  report.log.dropped_bytes, report.log.last_seq);
  }
  if (!report.gap.empty()) spdlog::error("recovery: {}", report.gap);
  if (report.replay_errors > 0) {
    spdlog::error("recovery: {} logged records could not be applied; first: {}", report.replay_errors,
                  report.first_replay_error);
  }
  const engine::HealthSnapshot health = engine->Snapshot(absl::Now()).health;
  spdlog::info("state in {} recovered in {}: snapshot of record {} ({} bytes) + {} log records; {} open contacts",
               config.data_dir, absl::FormatDuration(report.took), report.snapshot_seq, report.snapshot_bytes,
               report.log.records, health.open_contacts);
  const bool fresh = report.snapshot_seq == 0 && report.log.last_seq == 0;
  recovery = std::move(report);
  applier->AttachJournal(journal.get());

  // The config's policies become current unless they are what the state
  // already holds; a fresh log starts with them, so that a replay never
  // depends on the file read at the next start.
  std::vector<engine::Policy> policies = config.policies;
  engine::PolicySet::CarryVersions(*engine->policies(), policies);
  config.policies = policies;
  std::shared_ptr<const engine::PolicySet> current = PolicySetOf(config);
  if (fresh || current->origin() != engine->policies()->origin()) SetPolicies(std::move(current));
  return absl::OkStatus();
}

void Daemon::State::Tick() {
  std::vector<engine::ItemAlert> alerts;
  if (journal == nullptr) {
    engine->Tick(absl::Now(), &alerts);
  } else {
    engine::Engine::Turn turn = engine->PrepareTick();
    journal->Record(storage::RecordType::kTick, "", turn, [&](absl::Time now) { engine->Tick(turn, now, &alerts); });
  }
  for (const engine::ItemAlert& a : alerts) {
    if (!spdlog::should_log(spdlog::level::debug)) break;
    SPDLOG_DEBUG("{} {} {}/{} {}/{} {} at {}", a.kind == engine::ItemAlert::Kind::kBreach ? "breach" : "warning",
                 engine::ObjectiveKindName(a.objective), a.key.queue, a.key.channel, a.source, a.contact_id,
                 a.key.policy, FormatRfc3339(a.at));
  }
  query->Publish(alerts);
}

void Daemon::State::SetPolicies(std::shared_ptr<const engine::PolicySet> policies) {
  if (journal == nullptr) return engine->SetPolicies(std::move(policies));
  const std::string origin = policies->origin();
  engine::Engine::Turn turn = engine->PrepareSetPolicies(std::move(policies));
  journal->Record(storage::RecordType::kPolicies, origin, turn, [&](absl::Time) { engine->SetPolicies(turn); });
}

void Daemon::State::EndWaits(const engine::WaitSelection& selection, const std::string& logged,
                             admin::EndWaitsDone done) {
  auto ended = std::make_shared<admin::EndedWaits>();
  const auto log_line = [&selection, ended] {
    spdlog::warn("operator ended {} {} (slamonctl end-waits) begun before {} in queues {}, channels {}, "
                 "contacts {}: counted as given_up",
                 ended->waits.size(), ended->waits.size() == 1 ? "wait" : "waits",
                 FormatRfc3339(selection.started_before), AnyOr(selection.queues), AnyOr(selection.channels),
                 AnyOr(selection.contact_ids));
  };
  if (journal == nullptr) {
    ended->at = absl::Now();
    ended->waits = engine->EndWaits(selection, ended->at);
    log_line();
    return done(std::move(*ended));
  }
  if (const absl::Status writable = journal->writable(); !writable.ok()) {
    return done(absl::UnavailableError(absl::StrCat("nothing ended: the change cannot be logged now: ",
                                                    writable.message())));
  }
  engine::Engine::Turn turn = engine->PrepareEndWaits(selection);
  const uint64_t seq = journal->Record(storage::RecordType::kEndWaits, logged, turn, [&](absl::Time now) {
    ended->at = now;
    ended->waits = engine->EndWaits(turn, now);
  });
  log_line();
  journal->WhenDurable(seq, [ended, done = std::move(done)](const absl::Status& durable) {
    if (!durable.ok()) {
      return done(absl::UnavailableError(absl::StrCat(
          "the waits were ended, but the change could not be logged (a restart before the log is written again "
          "brings them back): ",
          durable.message())));
    }
    done(std::move(*ended));
  });
}

absl::StatusOr<std::unique_ptr<Daemon>> Daemon::Start(config::Config config, DaemonOptions options) {
  // A file size limit (ulimit -f) must fail a log write with EFBIG, which
  // storage handles like a full disk, not kill the daemon.
  std::signal(SIGXFSZ, SIG_IGN);
  auto s = std::make_unique<State>();
  s->options = std::move(options);
  s->config = std::move(config);
  const BuildInfo build = ThisBuild();
  prometheus::BuildGauge()
      .Name("slamon_build_info")
      .Help("The version and source revision slamond was built from; always 1.")
      .Register(*s->registry)
      .Add({{"version", std::string(build.version)}, {"revision", std::string(build.revision)}})
      .Set(1);
  const auto clock = [] { return absl::Now(); };
  s->engine = std::make_unique<engine::Engine>(s->config.engine, PolicySetOf(s->config));
  s->applier = std::make_unique<ingest::BatchApplier>(s->engine.get(), clock, *s->registry);
  SLAMON_RETURN_IF_ERROR(s->OpenStorage());
  s->ingest = std::make_unique<ingest::IngestService>(
      [applier = s->applier.get()](absl::string_view wire, v1::BatchAck* ack, ingest::AckReady& done) {
        return applier->Apply(wire, ack, done);
      },
      *s->registry);
  s->query = std::make_unique<query::QueryService>(s->engine.get(), clock, *s->registry);
  s->admin = std::make_unique<admin::AdminService>(
      s->engine.get(),
      [state = s.get()](const engine::WaitSelection& selection, const std::string& logged,
                        admin::EndWaitsDone done) { state->EndWaits(selection, logged, std::move(done)); });
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  builder.AddListeningPort(s->config.grpc_listen, grpc::InsecureServerCredentials(), &grpc_port);
  builder.RegisterService(s->ingest.get());
  builder.RegisterService(s->query.get());
  builder.RegisterService(s->admin.get());
  // Collectors keep long-lived streams open; let them ping to keep NATs open.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // gRPC sets SO_REUSEPORT by default: a second slamond on the same port
  // would start and silently take half of the collectors' streams.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<RequestCounter>(*s->registry));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  s->server = builder.BuildAndStart();
  if (s->server == nullptr || grpc_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for gRPC on ", s->config.grpc_listen, " (address in use or invalid?)"));
  }
  // Each service's health beside the server's (""), which stays SERVING
  // while the process answers: Ingest reports whether batches can be taken
  // (not while the log cannot be written), for collectors and balancers that
  // check it; every service turns NOT_SERVING when a drain begins.
  for (const char* service : {v1::Ingest::service_full_name(), v1::Query::service_full_name(),
                              v1::Admin::service_full_name()}) {
    s->Health().SetServingStatus(service, true);
  }

  s->metrics_page = std::make_unique<exporter::MetricsPage>(s->engine.get(), clock, s->registry, s->journal.get(),
                                                            s->recovery);
  absl::StatusOr<std::unique_ptr<exporter::MetricsServer>> metrics = exporter::MetricsServer::Start(
      s->config.metrics_listen, [page = s->metrics_page.get()] { return page->Render(); },
      [page = s->metrics_page.get()](exporter::Page sent) { page->Recycle(std::move(sent)); },
      *s->registry);
  if (!metrics.ok()) {
    s->server->Shutdown(std::chrono::system_clock::now());
    return metrics.status();
  }
  s->metrics_server = *std::move(metrics);
  const std::string grpc_address = absl::StrCat(HostOf(s->config.grpc_listen), ":", grpc_port);
  const std::string metrics_address = absl::StrCat(HostOf(s->config.metrics_listen), ":", s->metrics_server->port());

  spdlog::info("{} started with {}; {} engine shards", VersionLine("slamond"), s->config.source,
               s->engine->options().shards);
  spdlog::info("policies: {}", PolicyList(s->config.policies));
  spdlog::info("gRPC ingest, query and admin listening on {}", grpc_address);
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
    Tick();
    const absl::Time now = absl::Now();
    if (journal != nullptr) {
      journal->MaybeSnapshot(now);
      const absl::Status snapshot_error = journal->stats().last_snapshot_error;
      if (!snapshot_error.ok() && snapshot_error != last_snapshot_error) {
        spdlog::error("snapshot failed (the log keeps everything meanwhile): {}", snapshot_error.message());
      }
      last_snapshot_error = snapshot_error;
      if (const absl::Status w = journal->writable(); w.ok() != storage_writable) {
        storage_writable = w.ok();
        Health().SetServingStatus(v1::Ingest::service_full_name(), w.ok());
        if (w.ok()) {
          spdlog::info("write-ahead log writable again: ingest resumes");
        } else {
          spdlog::error("write-ahead log cannot be written, ingest refuses batches until it can: {}", w.message());
        }
      }
    }
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

grpc::HealthCheckServiceInterface& Daemon::State::Health() const {
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  SLAMON_CHECK(health != nullptr);  // enabled before the server was built
  return *health;
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
  engine::PolicySet::CarryVersions(*engine->policies(), next->policies);
  for (double bound : next->engine.wait_buckets) {
    const auto& current = config.engine.wait_buckets;
    if (std::find(current.begin(), current.end(), bound) == current.end()) {
      spdlog::warn("SIGHUP: wait histogram bound {}s is new; histogram buckets change only on restart", bound);
    }
  }
  config.policies = next->policies;
  config.yaml = next->yaml;
  config.source = next->source;
  config.included_files = next->included_files;
  SetPolicies(PolicySetOf(config));
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
    Health().Shutdown();  // watchers (client-side health checking) hear NOT_SERVING
    query->Shutdown();
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
  if (state_->journal != nullptr) {
    // A last snapshot, so that the next start replays almost nothing.
    if (const absl::Status s = state_->journal->SnapshotNow(); !s.ok()) {
      spdlog::error("final snapshot failed (the log still holds everything): {}", s.message());
    }
  }
  spdlog::info("slamond stopped");
}

}  // namespace slamon::app
