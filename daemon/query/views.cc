#include "daemon/query/views.h"

#include <algorithm>

#include "daemon/engine/status.h"
#include "proto/proto_time.h"

namespace slamon::query {
namespace {

using engine::ObjectiveKind;

v1::ObjectiveStatus ToProto(engine::ObjectiveStatus status) {
  switch (status) {
    case engine::ObjectiveStatus::kMet: return v1::MET;
    case engine::ObjectiveStatus::kAtRisk: return v1::AT_RISK;
    case engine::ObjectiveStatus::kBreached: return v1::BREACHED;
  }
  return v1::OBJECTIVE_STATUS_UNSPECIFIED;
}

void FillKey(const engine::QueueKey& key, ObjectiveKind kind, v1::ObjectiveFigures* out) {
  out->set_queue(key.queue);
  out->set_channel(key.channel);
  out->set_policy(key.policy);
  out->set_objective(std::string(engine::ObjectiveKindName(kind)));
}

void FillAnswerWindows(const engine::QueueSnapshot& q, const engine::Objective& answer,
                       const engine::WindowOptions& options, v1::ObjectiveFigures* out) {
  for (const engine::WindowFigures& w : q.windows) {
    v1::WindowStatus* ws = out->add_windows();
    ws->set_window(w.name);
    const engine::OutcomeCounts& c = w.tally.outcomes;
    if (auto sl = engine::ServiceLevel(answer.formula, c)) ws->set_ratio(*sl);
    ws->set_volume(engine::FormulaVolume(answer.formula, c));
    ws->set_status(ToProto(engine::AnswerStatus(answer, w.tally, q.waiting_past_warning, options)));
    if (auto ar = engine::AbandonRatio(c)) ws->set_abandon_ratio(*ar);
    if (c.answered() > 0) {
      ws->set_average_speed_of_answer_seconds(w.tally.answered_wait_seconds / static_cast<double>(c.answered()));
    }
  }
}

void FillItemWindows(const engine::QueueSnapshot& q, const engine::Objective& o, const engine::WindowOptions& options,
                     v1::ObjectiveFigures* out) {
  const int k = static_cast<int>(o.kind);
  for (const engine::WindowFigures& w : q.windows) {
    v1::WindowStatus* ws = out->add_windows();
    ws->set_window(w.name);
    if (auto ratio = engine::MetRatio(w.tally, o.kind)) ws->set_ratio(*ratio);
    ws->set_volume(w.tally.items_met[k] + w.tally.items_missed[k]);
    ws->set_status(ToProto(engine::ItemStatus(o, w.tally, q.items[k], options)));
  }
}

}  // namespace

bool Selected(const google::protobuf::RepeatedPtrField<std::string>& queues,
              const google::protobuf::RepeatedPtrField<std::string>& channels, const engine::QueueKey& key) {
  const auto accepts = [](const auto& list, const std::string& value) {
    return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
  };
  return accepts(queues, key.queue) && accepts(channels, key.channel);
}

void FillStatus(const engine::EngineSnapshot& snapshot, const engine::EngineOptions& options,
                const v1::GetStatusRequest& request, v1::GetStatusResponse* response) {
  SetTimestamp(snapshot.taken_at, response->mutable_taken_at());
  for (const engine::QueueSnapshot& q : snapshot.queues) {
    if (!Selected(request.queues(), request.channels(), q.key)) continue;
    // Objectives sorted by name, as the response promises.
    std::vector<const engine::Objective*> objectives;
    for (const engine::Objective& o : q.objectives) objectives.push_back(&o);
    std::sort(objectives.begin(), objectives.end(), [](const engine::Objective* a, const engine::Objective* b) {
      return engine::ObjectiveKindName(a->kind) < engine::ObjectiveKindName(b->kind);
    });
    for (const engine::Objective* o : objectives) {
      const int k = static_cast<int>(o->kind);
      v1::ObjectiveFigures* f = response->add_objectives();
      FillKey(q.key, o->kind, f);
      f->set_threshold_seconds(absl::ToDoubleSeconds(o->threshold));
      f->set_business_days(o->business_days);
      f->set_basis(o->basis);
      if (o->goal) f->set_goal(*o->goal);
      const engine::ItemTotals& t = q.totals.items[k];
      f->set_breaches_total(t.breaches);
      f->set_warnings_total(t.warnings);
      const engine::ItemGauges& g = q.items[k];
      v1::OpenItems* open = f->mutable_open();
      open->set_ok(g.open[static_cast<int>(engine::ItemState::kOk)]);
      open->set_at_risk(g.open[static_cast<int>(engine::ItemState::kAtRisk)]);
      open->set_breached(g.open[static_cast<int>(engine::ItemState::kBreached)]);
      open->set_oldest_age_seconds(absl::ToDoubleSeconds(g.OldestAge(snapshot.taken_at)));
      if (const std::optional<absl::Duration> due = g.ToNearestDeadline(snapshot.taken_at)) {
        open->set_nearest_deadline_seconds(absl::ToDoubleSeconds(*due));
      }
      if (o->kind == ObjectiveKind::kAnswer) {
        f->set_formula(std::string(engine::FormulaName(o->formula)));
        f->set_waiting(q.waiting);
        f->set_oldest_wait_seconds(absl::ToDoubleSeconds(q.oldest_wait));
        FillAnswerWindows(q, *o, options.windows, f);
      } else {
        f->set_met_total(t.met);
        f->set_missed_total(t.missed);
        FillItemWindows(q, *o, options.windows, f);
      }
    }
  }
}

void FillReport(const std::vector<engine::HistoryRow>& history, const engine::PolicySet& policies,
                const v1::GetReportRequest& request, v1::GetReportResponse* response) {
  // Rows come per key then start; the response wants objective before start.
  std::vector<v1::ReportRow> rows;
  for (const engine::HistoryRow& h : history) {
    if (!Selected(request.queues(), request.channels(), h.key)) continue;
    const engine::Objective* answer = nullptr;
    for (const engine::Policy& p : policies.policies()) {
      if (p.name == h.key.policy) answer = p.Find(ObjectiveKind::kAnswer);
    }
    const auto row = [&](ObjectiveKind kind) {
      v1::ReportRow& r = rows.emplace_back();
      SetTimestamp(h.start, r.mutable_start());
      r.set_queue(h.key.queue);
      r.set_channel(h.key.channel);
      r.set_policy(h.key.policy);
      r.set_objective(std::string(engine::ObjectiveKindName(kind)));
      return &r;
    };
    const engine::OutcomeCounts& c = h.tally.outcomes;
    if (c.offered() > 0) {
      v1::ReportRow* r = row(ObjectiveKind::kAnswer);
      for (int o = 0; o < engine::kAnswerOutcomeCount; ++o) {
        const auto outcome = static_cast<engine::AnswerOutcome>(o);
        (*r->mutable_outcomes())[std::string(engine::AnswerOutcomeName(outcome))] = c[outcome];
      }
      if (answer != nullptr) {
        if (auto sl = engine::ServiceLevel(answer->formula, c)) r->set_ratio(*sl);
      }
      r->set_answered_wait_seconds(h.tally.answered_wait_seconds);
    }
    for (int k = 0; k < engine::kObjectiveKindCount; ++k) {
      const auto kind = static_cast<ObjectiveKind>(k);
      if (kind == ObjectiveKind::kAnswer || h.tally.items_met[k] + h.tally.items_missed[k] == 0) continue;
      v1::ReportRow* r = row(kind);
      (*r->mutable_outcomes())["met"] = h.tally.items_met[k];
      (*r->mutable_outcomes())["missed"] = h.tally.items_missed[k];
      if (auto ratio = engine::MetRatio(h.tally, kind)) r->set_ratio(*ratio);
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const v1::ReportRow& a, const v1::ReportRow& b) {
    return std::tie(a.queue(), a.channel(), a.policy(), a.objective()) <
           std::tie(b.queue(), b.channel(), b.policy(), b.objective());
  });
  for (v1::ReportRow& r : rows) *response->add_rows() = std::move(r);
}

v1::BreachEvent ToBreachEvent(const engine::ItemAlert& alert) {
  v1::BreachEvent e;
  e.set_kind(alert.kind == engine::ItemAlert::Kind::kBreach ? v1::BreachEvent::BREACH : v1::BreachEvent::WARNING);
  e.set_queue(alert.key.queue);
  e.set_channel(alert.key.channel);
  e.set_policy(alert.key.policy);
  e.set_objective(std::string(engine::ObjectiveKindName(alert.objective)));
  e.set_source(alert.source);
  e.set_contact_id(alert.contact_id);
  SetTimestamp(alert.started, e.mutable_started_at());
  SetTimestamp(alert.at, e.mutable_at());
  return e;
}

}  // namespace slamon::query
