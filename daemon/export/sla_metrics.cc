#include "daemon/export/sla_metrics.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "common/check.h"
#include "daemon/engine/status.h"

namespace slamon::exporter {
namespace {

using engine::AnswerOutcome;
using engine::QueueSnapshot;

// The volume counters always exported for a queue, so that rate() and
// increase() see the series before its first increment; the others appear
// once non-zero. given_up is among them: any queue's waits can be ended
// (slamonctl end-waits), and an alert counts its increase.
constexpr std::array<bool, engine::kVolumeCount> kCoreVolume = [] {
  std::array<bool, engine::kVolumeCount> core{};
  for (engine::EventKind kind : {engine::EventKind::kArrived, engine::EventKind::kAnswered,
                                 engine::EventKind::kAbandoned, engine::EventKind::kFlowedOut,
                                 engine::EventKind::kTransferred}) {
    core[static_cast<int>(kind)] = true;
  }
  core[engine::kTransferredIn] = true;
  core[engine::kGivenUp] = true;
  return core;
}();

constexpr const char* kWaitOutcome[engine::kWaitKindCount] = {"answered", "abandoned", "flowed_out"};

// The families of §6, declared once per render, in page order.
struct Families {
  explicit Families(Exposition& out)
      : contacts(out.Declare("slamon_contacts_total",
                             "Contact events applied, by kind (transfers split into in and out).",
                             MetricType::kCounter)),
        wait(out.Declare("slamon_wait_seconds", "Time waited in the queue until answered, abandoned or flowed out.",
                         MetricType::kHistogram)),
        handle(out.Declare("slamon_handle_seconds", "Handle time: answered to wrap-up end (talk + hold + wrap).",
                           MetricType::kHistogram)),
        waiting(out.Declare("slamon_contacts_waiting", "Contacts waiting in the queue now.", MetricType::kGauge)),
        oldest_wait(out.Declare("slamon_oldest_wait_seconds",
                                "How long the longest-waiting contact has waited so far.", MetricType::kGauge)),
        resolved(out.Declare("slamon_resolved_total", "Contacts resolved.", MetricType::kCounter)),
        resolved_first_contact(out.Declare("slamon_resolved_first_contact_total",
                                           "Contacts resolved at first contact.", MetricType::kCounter)),
        csat_score(out.Declare("slamon_csat_score", "Satisfaction survey scores, normalised to a 5-point scale.",
                               MetricType::kSummary)),
        csat_top_two(out.Declare("slamon_csat_top_two_total",
                                 "Survey answers in the top two points of a 5-point scale.", MetricType::kCounter)),
        escalations(out.Declare("slamon_escalations_total",
                                "ESCALATED events, by level (an unspecified level counts as 1).",
                                MetricType::kCounter)),
        outcomes(out.Declare("slamon_objective_outcomes_total", "Stopped objective clocks, by outcome.",
                             MetricType::kCounter)),
        waiting_past_threshold(out.Declare("slamon_contacts_waiting_past_threshold",
                                           "Contacts waiting longer than the answer threshold now: certain misses.",
                                           MetricType::kGauge)),
        waiting_past_warning(out.Declare("slamon_contacts_waiting_past_warning",
                                         "Contacts waiting past the objective's warning point now.",
                                         MetricType::kGauge)),
        window_offered(out.Declare("slamon_window_offered_contacts",
                                   "Contacts whose answer clock stopped within the window.", MetricType::kGauge)),
        service_level(out.Declare("slamon_service_level_ratio",
                                  "Service level over the window, by the policy's formula.", MetricType::kGauge)),
        abandon_ratio(out.Declare("slamon_abandon_ratio",
                                  "(abandoned - short abandons) / (offered - short abandons) over the window.",
                                  MetricType::kGauge)),
        average_speed_of_answer(out.Declare("slamon_average_speed_of_answer_seconds",
                                            "Mean wait of the contacts answered within the window.",
                                            MetricType::kGauge)),
        status(out.Declare("slamon_objective_status", "0 met, 1 at risk, 2 breached, over the window.",
                           MetricType::kGauge)),
        threshold_business_days(out.Declare("slamon_objective_threshold_business_days",
                                            "The objective's threshold in business days.", MetricType::kGauge)),
        threshold_seconds(out.Declare("slamon_objective_threshold_seconds",
                                      "The objective's threshold, in its basis (business seconds for a business "
                                      "calendar).", MetricType::kGauge)),
        goal(out.Declare("slamon_objective_goal_ratio",
                         "The share of contacts the objective promises within threshold.", MetricType::kGauge)),
        breaches(out.Declare("slamon_objective_breaches_total",
                             "Deadlines passed (after the reorder allowance), counted when they pass, while the "
                             "contact is open.", MetricType::kCounter)),
        warnings(out.Declare("slamon_objective_warnings_total", "Warning points passed, counted when they pass.",
                             MetricType::kCounter)),
        open_items(out.Declare("slamon_objective_open_items",
                               "Open items (running clocks) by state against their deadline.", MetricType::kGauge)),
        oldest_open_item_age(out.Declare("slamon_objective_oldest_open_item_age_seconds",
                                         "Age of the oldest open item (since its clock started, calendar time); 0 "
                                         "if none.", MetricType::kGauge)),
        nearest_deadline(out.Declare("slamon_objective_nearest_deadline_seconds",
                                     "Seconds until the nearest deadline of a running item; negative once it "
                                     "passed. Absent when no item's clock runs.", MetricType::kGauge)),
        elapsed(out.Declare("slamon_objective_elapsed_seconds",
                            "Time used by completed objective cycles, in the objective's basis (pauses excluded).",
                            MetricType::kHistogram)),
        met_ratio(out.Declare("slamon_objective_met_ratio",
                              "Share of the item objective's cycles completed within the window that met the "
                              "threshold.", MetricType::kGauge)) {}

  FamilyId contacts, wait, handle, waiting, oldest_wait, resolved, resolved_first_contact, csat_score, csat_top_two,
      escalations;
  FamilyId outcomes, waiting_past_threshold, waiting_past_warning, window_offered, service_level, abandon_ratio,
      average_speed_of_answer, status;
  FamilyId threshold_business_days, threshold_seconds, goal, breaches, warnings, open_items, oldest_open_item_age,
      nearest_deadline, elapsed, met_ratio;
};

// Label pairs that are the same for every queue, made once per render.
struct FixedLabels {
  explicit FixedLabels(const engine::EngineOptions& options) {
    for (int i = 0; i < engine::kVolumeCount; ++i) event[i].Append("event", engine::VolumeName(i));
    for (int w = 0; w < engine::kWaitKindCount; ++w) wait_outcome[w].Append("outcome", kWaitOutcome[w]);
    for (int l = 0; l < engine::kEscalationLevels; ++l) level[l].Append("level", std::to_string(l + 1));
    for (int o = 0; o < engine::kAnswerOutcomeCount; ++o) {
      answer_outcome[o].Append("outcome", engine::AnswerOutcomeName(static_cast<AnswerOutcome>(o)));
    }
    item_outcome[0].Append("outcome", "met");
    item_outcome[1].Append("outcome", "missed");
    for (int st = 0; st < engine::kItemStateCount; ++st) {
      state[st].Append("state", engine::ItemStateName(static_cast<engine::ItemState>(st)));
    }
    for (const std::string& name : engine::WindowNames(options.windows)) {
      const Labels& w = window.emplace_back(Labels().With("window", name));
      window_answer.push_back(w.With("objective", "answer"));
      auto& formulas = window_formula.emplace_back();
      for (int f = 0; f < engine::kFormulaCount; ++f) {
        formulas[f] = w.With("formula", engine::FormulaName(static_cast<engine::Formula>(f)));
      }
    }
  }

  std::array<Labels, engine::kVolumeCount> event;
  std::array<Labels, engine::kWaitKindCount> wait_outcome;
  std::array<Labels, engine::kEscalationLevels> level;
  std::array<Labels, engine::kAnswerOutcomeCount> answer_outcome;
  std::array<Labels, 2> item_outcome;  // met, missed
  std::array<Labels, engine::kItemStateCount> state;
  // By window, in the snapshot's order (engine::WindowNames).
  std::vector<Labels> window;
  std::vector<Labels> window_answer;                                     // with objective="answer"
  std::vector<std::array<Labels, engine::kFormulaCount>> window_formula;  // with formula=...
};

// One render's families, fixed label pairs and the label sets remade per
// queue in the same memory.
struct Renderer {
  Renderer(const engine::EngineOptions& options, Exposition& out)
      : options(options), out(out), family(out), fixed(options) {}

  const engine::EngineOptions& options;
  Exposition& out;
  const Families family;
  const FixedLabels fixed;
  Labels queue, policy, objective;
};

void SetQueueLabels(const engine::QueueKey& k, Labels& out) {
  out.Clear().Append("queue", k.queue).Append("channel", k.channel);
}

// Figures of one (queue, channel) summed over its policies.
void RenderQueue(const QueueSnapshot& q, Renderer& r) {
  const Families& f = r.family;
  Exposition& out = r.out;
  SetQueueLabels(q.key, r.queue);
  const Labels& labels = r.queue;
  const engine::QueueTotals& t = q.totals;
  for (int i = 0; i < engine::kVolumeCount; ++i) {
    if (!kCoreVolume[i] && t.volume[i] == 0) continue;
    out.Add(f.contacts, labels, r.fixed.event[i], static_cast<double>(t.volume[i]));
  }
  for (int w = 0; w < engine::kWaitKindCount; ++w) {
    out.AddHistogram(f.wait, labels, r.fixed.wait_outcome[w], t.wait[w], r.options.wait_buckets);
  }
  out.AddHistogram(f.handle, labels, Labels(), t.handle, r.options.handle_buckets);
  out.Add(f.waiting, labels, static_cast<double>(q.waiting));
  out.Add(f.oldest_wait, labels, absl::ToDoubleSeconds(q.oldest_wait));
  out.Add(f.resolved, labels, static_cast<double>(t.resolved));
  out.Add(f.resolved_first_contact, labels, static_cast<double>(t.resolved_first_contact));
  out.AddSummary(f.csat_score, labels, t.surveyed, t.csat_score_sum);
  out.Add(f.csat_top_two, labels, static_cast<double>(t.csat_top_two));
  for (int l = 0; l < engine::kEscalationLevels; ++l) {
    if (t.escalations[l] == 0) continue;
    out.Add(f.escalations, labels, r.fixed.level[l], static_cast<double>(t.escalations[l]));
  }
}

// Threshold and goal of every objective, and the item figures: breaches,
// warnings and open items for all (answer included), met / missed and
// elapsed time for the item objectives.
void RenderObjectives(const QueueSnapshot& q, absl::Time now, Renderer& r) {
  const Families& f = r.family;
  Exposition& out = r.out;
  for (const engine::Objective& o : q.objectives) {
    const int k = static_cast<int>(o.kind);
    const Labels& objective = r.objective.Assign(r.policy, "objective", engine::ObjectiveKindName(o.kind));
    if (o.business_days > 0) {
      out.Add(f.threshold_business_days, objective, o.business_days);
    } else {
      out.Add(f.threshold_seconds, objective, absl::ToDoubleSeconds(o.threshold));
    }
    if (o.goal) out.Add(f.goal, objective, *o.goal);
    const engine::ItemTotals& t = q.totals.items[k];
    out.Add(f.breaches, objective, static_cast<double>(t.breaches));
    out.Add(f.warnings, objective, static_cast<double>(t.warnings));
    const engine::ItemGauges& g = q.items[k];
    for (int st = 0; st < engine::kItemStateCount; ++st) {
      out.Add(f.open_items, objective, r.fixed.state[st], static_cast<double>(g.open[st]));
    }
    out.Add(f.oldest_open_item_age, objective, absl::ToDoubleSeconds(g.OldestAge(now)));
    if (const std::optional<absl::Duration> due = g.ToNearestDeadline(now)) {
      out.Add(f.nearest_deadline, objective, absl::ToDoubleSeconds(*due));
    }
    if (o.kind == engine::ObjectiveKind::kAnswer) continue;  // §3 outcomes: RenderPolicy
    out.Add(f.outcomes, objective, r.fixed.item_outcome[0], static_cast<double>(t.met));
    out.Add(f.outcomes, objective, r.fixed.item_outcome[1], static_cast<double>(t.missed));
    out.AddHistogram(f.elapsed, objective, Labels(), t.elapsed, r.options.elapsed_buckets);
    for (size_t w = 0; w < q.windows.size(); ++w) {
      const engine::WindowTally& tally = q.windows[w].tally;
      const Labels& window = r.fixed.window[w];
      if (auto ratio = engine::MetRatio(tally, o.kind)) out.Add(f.met_ratio, objective, window, *ratio);
      out.Add(f.status, objective, window, static_cast<double>(engine::ItemStatus(o, tally, g, r.options.windows)));
    }
  }
}

void RenderPolicy(const QueueSnapshot& q, Renderer& r) {
  if (!q.answer) return;
  const Families& f = r.family;
  Exposition& out = r.out;
  const engine::Objective& answer = *q.answer;
  const Labels& labels = r.policy;
  const Labels& objective = r.objective.Assign(labels, "objective", "answer");
  for (int o = 0; o < engine::kAnswerOutcomeCount; ++o) {
    out.Add(f.outcomes, objective, r.fixed.answer_outcome[o],
            static_cast<double>(q.totals.outcomes[static_cast<AnswerOutcome>(o)]));
  }
  out.Add(f.waiting_past_threshold, labels, static_cast<double>(q.waiting_past_threshold));
  out.Add(f.waiting_past_warning, labels, static_cast<double>(q.waiting_past_warning));
  for (size_t w = 0; w < q.windows.size(); ++w) {
    const engine::WindowTally& tally = q.windows[w].tally;
    const Labels& window = r.fixed.window[w];
    const engine::OutcomeCounts& c = tally.outcomes;
    out.Add(f.window_offered, labels, window, static_cast<double>(c.offered()));
    if (auto sl = engine::ServiceLevel(answer.formula, c)) {
      out.Add(f.service_level, labels, r.fixed.window_formula[w][static_cast<int>(answer.formula)], *sl);
    }
    if (auto ar = engine::AbandonRatio(c)) out.Add(f.abandon_ratio, labels, window, *ar);
    if (c.answered() > 0) {
      out.Add(f.average_speed_of_answer, labels, window,
              tally.answered_wait_seconds / static_cast<double>(c.answered()));
    }
    const engine::ObjectiveStatus status =
        engine::AnswerStatus(answer, tally, q.waiting_past_warning, r.options.windows);
    out.Add(f.status, labels, r.fixed.window_answer[w], static_cast<double>(status));
  }
}

void RenderHealth(const engine::HealthSnapshot& h, Exposition& out) {
  out.Add("slamon_events_received_total", "Items received for the engine, by kind.", MetricType::kCounter,
          {}, "kind", "event", static_cast<double>(h.events_received));
  out.Add("slamon_events_received_total", "", MetricType::kCounter, {}, "kind", "record",
          static_cast<double>(h.records_received));
  out.Add("slamon_events_accepted_total", "Events and records applied to the state.",
          MetricType::kCounter, {}, static_cast<double>(h.accepted));
  out.Add("slamon_events_duplicate_total", "Events already seen (same source and event_id), counted once.",
          MetricType::kCounter, {}, static_cast<double>(h.duplicates));
  for (int r = 0; r < engine::kRejectReasonCount; ++r) {
    out.Add("slamon_events_rejected_total", "Events and records rejected, by reason.", MetricType::kCounter,
            {}, "reason", engine::RejectReasonName(static_cast<engine::RejectReason>(r)),
            static_cast<double>(h.rejected[r]));
  }
  out.Add("slamon_open_contacts", "Contacts held in memory.", MetricType::kGauge, {},
          static_cast<double>(h.open_contacts));
  out.Add("slamon_pending_events", "Events waiting for an earlier event of their contact (reorder allowance).",
          MetricType::kGauge, {}, static_cast<double>(h.pending_events));
  out.Add("slamon_dedup_entries", "Event ids remembered for duplicate detection.", MetricType::kGauge, {},
          static_cast<double>(h.dedup_entries));
}

}  // namespace

void RenderSnapshot(const engine::EngineSnapshot& snapshot, const engine::EngineOptions& options,
                    Exposition& out) {
  Renderer r(options, out);
  // Snapshots are sorted by (queue, channel, policy): sum runs of the same
  // (queue, channel) for the families that have no policy label.
  for (size_t i = 0; i < snapshot.queues.size();) {
    const QueueSnapshot& first = snapshot.queues[i];
    size_t j = i + 1;
    while (j < snapshot.queues.size() && snapshot.queues[j].key.queue == first.key.queue &&
           snapshot.queues[j].key.channel == first.key.channel) {
      ++j;
    }
    if (j == i + 1) {
      RenderQueue(first, r);  // one policy, the common case: no copy
    } else {
      QueueSnapshot merged = first;
      for (size_t k = i + 1; k < j; ++k) {
        const QueueSnapshot& next = snapshot.queues[k];
        merged.totals += next.totals;
        merged.waiting += next.waiting;
        merged.oldest_wait = std::max(merged.oldest_wait, next.oldest_wait);
      }
      RenderQueue(merged, r);
    }
    for (; i < j; ++i) {
      const QueueSnapshot& q = snapshot.queues[i];
      // The snapshot's windows are those of the options it was taken with.
      SLAMON_CHECK(q.windows.size() == r.fixed.window.size());
      r.policy.Assign(r.queue, "policy", q.key.policy);
      RenderPolicy(q, r);
      RenderObjectives(q, snapshot.taken_at, r);
    }
  }
  RenderHealth(snapshot.health, out);
}

}  // namespace slamon::exporter
