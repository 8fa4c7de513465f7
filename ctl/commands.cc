#include "ctl/commands.h"

#include <map>
#include <tuple>

#include <grpcpp/grpcpp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/duration.h"
#include "ctl/table.h"
#include "daemon/config/config.h"
#include "proto/proto_time.h"
#include "slamon/v1/admin.grpc.pb.h"
#include "slamon/v1/query.grpc.pb.h"

namespace slamon::ctl {
namespace {

// A stub of `Service` (v1::Query, v1::Admin) on the daemon's address.
template <typename Service = v1::Query>
std::unique_ptr<typename Service::Stub> Connect(const Connection& c) {
  return Service::NewStub(grpc::CreateChannel(c.daemon, grpc::InsecureChannelCredentials()));
}

void SetDeadline(const Connection& c, grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(c.timeout));
}

int Failed(const Connection& c, const grpc::Status& status) {
  std::fprintf(stderr, "slamonctl: %s: %s\n", c.daemon.c_str(),
               status.error_code() == grpc::StatusCode::UNAVAILABLE
                   ? absl::StrCat("cannot reach slamond (", status.error_message(), ")").c_str()
                   : status.error_message().c_str());
  return kFailed;
}

template <typename Request>
void SetFilter(const Filter& filter, Request* request) {
  for (const std::string& q : filter.queues) request->add_queues(q);
  for (const std::string& ch : filter.channels) request->add_channels(ch);
}

const char* StatusName(v1::ObjectiveStatus s) {
  switch (s) {
    case v1::MET: return "met";
    case v1::AT_RISK: return "AT RISK";
    case v1::BREACHED: return "BREACHED";
    default: return "-";
  }
}

std::string Threshold(const v1::ObjectiveFigures& f) {
  if (f.business_days() > 0) return absl::StrCat(f.business_days(), "bd");
  std::string text = absl::FormatDuration(absl::Seconds(f.threshold_seconds()));
  if (f.basis() != "calendar") absl::StrAppend(&text, " (", f.basis(), ")");
  return text;
}

// Seconds as "1h2m", negative as "-5m" (overdue).
std::string Span(double seconds) {
  const absl::Duration d = absl::Seconds(static_cast<int64_t>(seconds));
  return absl::FormatDuration(d);
}

}  // namespace

int RunStatus(const Connection& connection, const Filter& filter, std::FILE* out) {
  v1::GetStatusRequest request;
  SetFilter(filter, &request);
  v1::GetStatusResponse response;
  grpc::ClientContext context;
  SetDeadline(connection, &context);
  const grpc::Status status = Connect(connection)->GetStatus(&context, request, &response);
  if (!status.ok()) return Failed(connection, status);
  if (response.objectives().empty()) {
    std::fprintf(out, "no queues yet (nothing has arrived since the daemon's state began)\n");
    return kOk;
  }
  // Window columns as the daemon names them, in its order.
  std::vector<std::string> header = {"QUEUE", "CHANNEL", "POLICY", "OBJECTIVE", "THRESHOLD", "GOAL"};
  const auto& first = response.objectives(0).windows();
  for (const v1::WindowStatus& w : first) header.push_back(absl::AsciiStrToUpper(w.window()));
  for (const char* h : {"STATUS", "WAITING", "OPEN", "AT_RISK", "BREACHED", "OLDEST", "NEXT_DUE"}) header.push_back(h);
  Table table(header);
  for (const v1::ObjectiveFigures& f : response.objectives()) {
    std::vector<std::string> row = {f.queue(), f.channel(), f.policy().empty() ? "-" : f.policy(), f.objective(),
                                    Threshold(f), f.has_goal() ? Percent(f.goal()) : "-"};
    v1::ObjectiveStatus worst = v1::MET;
    for (int i = 0; i < first.size(); ++i) {
      if (i >= f.windows_size()) {
        row.push_back("-");
        continue;
      }
      const v1::WindowStatus& w = f.windows(i);
      row.push_back(w.has_ratio() ? absl::StrCat(Percent(w.ratio()), " (", w.volume(), ")") : "-");
      worst = std::max(worst, w.status());
    }
    const v1::OpenItems& open = f.open();
    row.push_back(StatusName(worst));
    row.push_back(f.objective() == "answer" ? absl::StrCat(f.waiting()) : "-");
    row.push_back(absl::StrCat(open.ok() + open.at_risk() + open.breached()));
    row.push_back(absl::StrCat(open.at_risk()));
    row.push_back(absl::StrCat(open.breached()));
    row.push_back(open.oldest_age_seconds() > 0 ? Span(open.oldest_age_seconds()) : "-");
    row.push_back(open.has_nearest_deadline_seconds() ? Span(open.nearest_deadline_seconds()) : "-");
    table.AddRow(std::move(row));
  }
  std::fprintf(out, "slamond %s at %s  (ratio (volume) per window; STATUS is the worst window's)\n",
               connection.daemon.c_str(), FormatRfc3339(ToTime(response.taken_at())).c_str());
  table.PrintAligned(out);
  return kOk;
}

int RunReport(const Connection& connection, const Filter& filter, const ReportOptions& options, std::FILE* out) {
  v1::GetReportRequest request;
  SetFilter(filter, &request);
  SetTimestamp(options.from, request.mutable_from());
  SetTimestamp(options.to, request.mutable_to());
  request.set_period(options.daily ? v1::GetReportRequest::DAY : v1::GetReportRequest::INTERVAL);
  v1::GetReportResponse response;
  grpc::ClientContext context;
  SetDeadline(connection, &context);
  const grpc::Status status = Connect(connection)->GetReport(&context, request, &response);
  if (!status.ok()) return Failed(connection, status);

  static constexpr const char* kOutcomes[] = {"answered_within", "answered_late",     "abandoned_short",
                                              "abandoned_within", "abandoned_late",    "flowed_out_within",
                                              "flowed_out_late",  "met",               "missed"};
  std::vector<std::string> header = {"start", "queue", "channel", "policy", "objective"};
  header.insert(header.end(), std::begin(kOutcomes), std::end(kOutcomes));
  header.push_back("ratio");
  Table table(header);
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<Key, std::map<std::string, uint64_t>> totals;
  std::vector<Key> order;
  for (const v1::ReportRow& r : response.rows()) {
    const Key key{r.queue(), r.channel(), r.policy(), r.objective()};
    if (!totals.contains(key)) order.push_back(key);
    std::vector<std::string> row = {FormatRfc3339(ToTime(r.start())), r.queue(), r.channel(), r.policy(),
                                    r.objective()};
    for (const char* o : kOutcomes) {
      const auto it = r.outcomes().find(o);
      if (it == r.outcomes().end()) {
        row.push_back("");
        continue;
      }
      row.push_back(absl::StrCat(it->second));
      totals[key][o] += it->second;
    }
    row.push_back(r.has_ratio() ? absl::StrFormat("%.4f", r.ratio()) : "");
    table.AddRow(std::move(row));
  }
  if (options.csv) {
    table.PrintCsv(out);
    return kOk;
  }
  for (const Key& key : order) {
    std::vector<std::string> row = {"TOTAL", std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key)};
    const auto& sums = totals[key];
    for (const char* o : kOutcomes) {
      const auto it = sums.find(o);
      row.push_back(it == sums.end() ? "" : absl::StrCat(it->second));
    }
    row.push_back("");
    table.AddRow(std::move(row));
  }
  if (response.rows().empty()) {
    std::fprintf(out, "nothing completed between %s and %s\n", FormatRfc3339(options.from).c_str(),
                 FormatRfc3339(options.to).c_str());
    return kOk;
  }
  table.PrintAligned(out);
  return kOk;
}

int RunWatch(const Connection& connection, const Filter& filter, const WatchOptions& options, std::FILE* out) {
  v1::WatchBreachesRequest request;
  SetFilter(filter, &request);
  request.set_include_warnings(options.warnings);
  request.set_resume_run(options.resume_run);
  request.set_resume_after(options.resume_after);
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::BreachEvent>> reader = Connect(connection)->WatchBreaches(&context, request);
  v1::BreachEvent e;
  int64_t seen = 0;
  while (reader->Read(&e)) {
    if (e.kind() == v1::BreachEvent::GAP) {
      std::fprintf(out, "GAP: events up to %llu:%llu were lost (the daemon restarted, or no longer holds them)\n",
                   static_cast<unsigned long long>(e.run()), static_cast<unsigned long long>(e.sequence()));
      std::fflush(out);
      continue;
    }
    std::fprintf(out, "%s  %-7s  %s  %s/%s  policy=%s  contact=%s/%s  started=%s  resume=%llu:%llu\n",
                 FormatRfc3339(ToTime(e.at())).c_str(), e.kind() == v1::BreachEvent::BREACH ? "BREACH" : "warning",
                 e.objective().c_str(), e.queue().c_str(), e.channel().c_str(), e.policy().c_str(), e.source().c_str(),
                 e.contact_id().c_str(), FormatRfc3339(ToTime(e.started_at())).c_str(),
                 static_cast<unsigned long long>(e.run()), static_cast<unsigned long long>(e.sequence()));
    std::fflush(out);
    if (options.count > 0 && ++seen >= options.count) {
      context.TryCancel();
      reader->Finish();
      return kOk;
    }
  }
  const grpc::Status status = reader->Finish();
  return status.ok() ? kOk : Failed(connection, status);
}

int RunEndWaits(const Connection& connection, const Filter& filter, const EndWaitsOptions& options, std::FILE* out) {
  v1::EndWaitsRequest request;
  SetTimestamp(options.started_before, request.mutable_started_before());
  SetFilter(filter, &request);
  for (const std::string& id : options.contact_ids) request.add_contact_ids(id);
  request.set_dry_run(options.dry_run);
  v1::EndWaitsResponse response;
  grpc::ClientContext context;
  SetDeadline(connection, &context);
  const grpc::Status status = Connect<v1::Admin>(connection)->EndWaits(&context, request, &response);
  if (!status.ok()) return Failed(connection, status);
  Table table({"WAITING SINCE", "QUEUE", "CHANNEL", "POLICY", "SOURCE", "CONTACT"});
  for (const v1::EndedWait& w : response.waits()) {
    const std::string policy = w.policy().empty() ? "-" : w.policy();
    table.AddRow(
        {FormatRfc3339(ToTime(w.waiting_since())), w.queue(), w.channel(), policy, w.source(), w.contact_id()});
  }
  if (table.rows() > 0) table.PrintAligned(out);
  if (response.count() > static_cast<uint64_t>(response.waits_size())) {
    std::fprintf(out, "... and %llu more (the oldest %d are listed)\n",
                 static_cast<unsigned long long>(response.count() - response.waits_size()), response.waits_size());
  }
  const std::string before = FormatRfc3339(options.started_before);
  const char* waits = response.count() == 1 ? "wait" : "waits";
  if (options.dry_run) {
    std::fprintf(out, "%llu %s begun before %s would end (dry run: nothing changed)\n",
                 static_cast<unsigned long long>(response.count()), waits, before.c_str());
  } else {
    std::fprintf(out, "%llu %s begun before %s ended at %s, counted as given_up\n",
                 static_cast<unsigned long long>(response.count()), waits, before.c_str(),
                 FormatRfc3339(ToTime(response.ended_at())).c_str());
  }
  return kOk;
}

int RunCheckConfig(const std::string& path, std::FILE* out) {
  absl::StatusOr<config::Config> config = config::LoadConfigFile(path);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", std::string(config.status().message()).c_str());
    return kFailed;
  }
  std::vector<std::string> policies;
  for (const engine::Policy& p : config->policies) {
    std::vector<std::string> objectives;
    for (const engine::Objective& o : p.objectives) objectives.emplace_back(engine::ObjectiveKindName(o.kind));
    policies.push_back(absl::StrCat(p.name, " (", absl::StrJoin(objectives, ", "), ")"));
  }
  std::fprintf(out, "%s: OK\n  policies, first match wins: %s\n  calendars: %zu\n", path.c_str(),
               absl::StrJoin(policies, "; ").c_str(), config->calendars.size());
  return kOk;
}

}  // namespace slamon::ctl
