#include "daemon/export/sla_metrics.h"

#include <algorithm>
#include <string>

#include "daemon/engine/status.h"

#ifndef SLAMON_VERSION
#define SLAMON_VERSION "dev"
#endif

namespace slamon::exporter {
namespace {

using engine::AnswerOutcome;
using engine::QueueSnapshot;

// The volume counters always exported for a queue, so that rate() sees the
// series before its first increment; the others appear once non-zero.
constexpr engine::EventKind kCoreVolume[] = {
    engine::EventKind::kArrived, engine::EventKind::kAnswered, engine::EventKind::kAbandoned,
    engine::EventKind::kFlowedOut, engine::EventKind::kTransferred};

constexpr const char* kWaitOutcome[engine::kWaitKindCount] = {"answered", "abandoned", "flowed_out"};

// Families written from two places share their help text.
constexpr const char* kOutcomesHelp = "Stopped objective clocks, by outcome.";
constexpr const char* kStatusHelp = "0 met, 1 at risk, 2 breached, over the window.";

Labels QueueLabels(const engine::QueueKey& k) { return Labels().With("queue", k.queue).With("channel", k.channel); }

// Figures of one (queue, channel) summed over its policies.
void RenderQueue(const QueueSnapshot& q, const engine::EngineOptions& options, Exposition& out) {
  const Labels labels = QueueLabels(q.key);
  const engine::QueueTotals& t = q.totals;
  for (int i = 0; i < engine::kVolumeCount; ++i) {
    const bool core = std::find(std::begin(kCoreVolume), std::end(kCoreVolume),
                                static_cast<engine::EventKind>(i)) != std::end(kCoreVolume) ||
                      i == engine::kTransferredIn;
    if (!core && t.volume[i] == 0) continue;
    out.Add("slamon_contacts_total", "Contact events applied, by kind (transfers split into in and out).",
            MetricType::kCounter, labels, "event", engine::VolumeName(i),
            static_cast<double>(t.volume[i]));
  }
  for (int w = 0; w < engine::kWaitKindCount; ++w) {
    out.AddHistogram("slamon_wait_seconds",
                     "Time waited in the queue until answered, abandoned or flowed out.",
                     labels.With("outcome", kWaitOutcome[w]), t.wait[w], options.wait_buckets);
  }
  out.AddHistogram("slamon_handle_seconds", "Handle time: answered to wrap-up end (talk + hold + wrap).",
                   labels, t.handle, options.handle_buckets);
  out.Add("slamon_contacts_waiting", "Contacts waiting in the queue now.", MetricType::kGauge, labels,
          static_cast<double>(q.waiting));
  out.Add("slamon_oldest_wait_seconds", "How long the longest-waiting contact has waited so far.",
          MetricType::kGauge, labels, absl::ToDoubleSeconds(q.oldest_wait));
  out.Add("slamon_resolved_total", "Contacts resolved.", MetricType::kCounter, labels,
          static_cast<double>(t.resolved));
  out.Add("slamon_resolved_first_contact_total", "Contacts resolved at first contact.",
          MetricType::kCounter, labels, static_cast<double>(t.resolved_first_contact));
  out.AddSummary("slamon_csat_score", "Satisfaction survey scores, normalised to a 5-point scale.", labels,
                 t.surveyed, t.csat_score_sum);
  out.Add("slamon_csat_top_two_total", "Survey answers in the top two points of a 5-point scale.",
          MetricType::kCounter, labels, static_cast<double>(t.csat_top_two));
  for (int l = 0; l < engine::kEscalationLevels; ++l) {
    if (t.escalations[l] == 0) continue;
    out.Add("slamon_escalations_total", "ESCALATED events, by level (an unspecified level counts as 1).",
            MetricType::kCounter, labels, "level", std::to_string(l + 1), static_cast<double>(t.escalations[l]));
  }
}

// Threshold and goal of every objective, and the item figures: breaches,
// warnings and open items for all (answer included), met / missed and
// elapsed time for the item objectives.
void RenderObjectives(const QueueSnapshot& q, const Labels& labels, absl::Time now,
                      const engine::EngineOptions& options, Exposition& out) {
  Labels wl;
  for (const engine::Objective& o : q.objectives) {
    const int k = static_cast<int>(o.kind);
    const Labels objective = labels.With("objective", engine::ObjectiveKindName(o.kind));
    if (o.business_days > 0) {
      out.Add("slamon_objective_threshold_business_days", "The objective's threshold in business days.",
              MetricType::kGauge, objective, o.business_days);
    } else {
      out.Add("slamon_objective_threshold_seconds", "The objective's threshold, in its basis (business seconds "
              "for a business calendar).", MetricType::kGauge, objective, absl::ToDoubleSeconds(o.threshold));
    }
    if (o.goal) {
      out.Add("slamon_objective_goal_ratio", "The share of contacts the objective promises within threshold.",
              MetricType::kGauge, objective, *o.goal);
    }
    const engine::ItemTotals& t = q.totals.items[k];
    out.Add("slamon_objective_breaches_total", "Deadlines passed (after the reorder allowance), counted when "
            "they pass, while the contact is open.", MetricType::kCounter, objective, static_cast<double>(t.breaches));
    out.Add("slamon_objective_warnings_total", "Warning points passed, counted when they pass.",
            MetricType::kCounter, objective, static_cast<double>(t.warnings));
    const engine::ItemGauges& g = q.items[k];
    for (int st = 0; st < engine::kItemStateCount; ++st) {
      out.Add("slamon_objective_open_items", "Open items (running clocks) by state against their deadline.",
              MetricType::kGauge,
              objective, "state", engine::ItemStateName(static_cast<engine::ItemState>(st)),
              static_cast<double>(g.open[st]));
    }
    out.Add("slamon_objective_oldest_open_item_age_seconds",
            "Age of the oldest open item (since its clock started, calendar time); 0 if none.", MetricType::kGauge,
            objective, absl::ToDoubleSeconds(g.OldestAge(now)));
    if (const std::optional<absl::Duration> due = g.ToNearestDeadline(now)) {
      out.Add("slamon_objective_nearest_deadline_seconds",
              "Seconds until the nearest deadline of a running item; negative once it passed. Absent when no "
              "item's clock runs.", MetricType::kGauge, objective, absl::ToDoubleSeconds(*due));
    }
    if (o.kind == engine::ObjectiveKind::kAnswer) continue;  // §3 outcomes: RenderPolicy
    for (const auto& [name, n] : {std::pair{"met", t.met}, std::pair{"missed", t.missed}}) {
      out.Add("slamon_objective_outcomes_total", kOutcomesHelp, MetricType::kCounter,
              objective, "outcome", name, static_cast<double>(n));
    }
    out.AddHistogram("slamon_objective_elapsed_seconds",
                     "Time used by completed objective cycles, in the objective's basis (pauses excluded).",
                     objective, t.elapsed, options.elapsed_buckets);
    for (const engine::WindowFigures& w : q.windows) {
      wl.Assign(objective, "window", w.name);
      if (auto ratio = engine::MetRatio(w.tally, o.kind)) {
        out.Add("slamon_objective_met_ratio", "Share of the item objective's cycles completed within the window "
                "that met the threshold.", MetricType::kGauge, wl, *ratio);
      }
      out.Add("slamon_objective_status", kStatusHelp, MetricType::kGauge, wl,
              static_cast<double>(engine::ItemStatus(o, w.tally, g, options.windows)));
    }
  }
}

void RenderPolicy(const QueueSnapshot& q, const Labels& labels, const engine::EngineOptions& options,
                  Exposition& out) {
  if (!q.answer) return;
  const engine::Objective& answer = *q.answer;
  const Labels objective = labels.With("objective", "answer");
  Labels wl;
  for (int o = 0; o < engine::kAnswerOutcomeCount; ++o) {
    const auto outcome = static_cast<AnswerOutcome>(o);
    out.Add("slamon_objective_outcomes_total", kOutcomesHelp,
            MetricType::kCounter, objective, "outcome", engine::AnswerOutcomeName(outcome),
            static_cast<double>(q.totals.outcomes[outcome]));
  }
  out.Add("slamon_contacts_waiting_past_threshold",
          "Contacts waiting longer than the answer threshold now: certain misses.", MetricType::kGauge,
          labels, static_cast<double>(q.waiting_past_threshold));
  out.Add("slamon_contacts_waiting_past_warning",
          "Contacts waiting past the objective's warning point now.", MetricType::kGauge, labels,
          static_cast<double>(q.waiting_past_warning));
  for (const engine::WindowFigures& w : q.windows) {
    wl.Assign(labels, "window", w.name);
    const engine::OutcomeCounts& c = w.tally.outcomes;
    out.Add("slamon_window_offered_contacts", "Contacts whose answer clock stopped within the window.",
            MetricType::kGauge, wl, static_cast<double>(c.offered()));
    if (auto sl = engine::ServiceLevel(answer.formula, c)) {
      out.Add("slamon_service_level_ratio", "Service level over the window, by the policy's formula.",
              MetricType::kGauge, wl, "formula", engine::FormulaName(answer.formula), *sl);
    }
    if (auto ar = engine::AbandonRatio(c)) {
      out.Add("slamon_abandon_ratio", "(abandoned - short abandons) / (offered - short abandons) over the window.",
              MetricType::kGauge, wl, *ar);
    }
    if (c.answered() > 0) {
      out.Add("slamon_average_speed_of_answer_seconds", "Mean wait of the contacts answered within the window.",
              MetricType::kGauge, wl, w.tally.answered_wait_seconds / static_cast<double>(c.answered()));
    }
    const engine::ObjectiveStatus status =
        engine::AnswerStatus(answer, w.tally, q.waiting_past_warning, options.windows);
    out.Add("slamon_objective_status", kStatusHelp,
            MetricType::kGauge, wl, "objective", "answer", static_cast<double>(status));
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
  out.Add("slamon_build_info", "Build information; always 1.", MetricType::kGauge,
          {}, "version", SLAMON_VERSION, 1);
}

}  // namespace

void RenderSnapshot(const engine::EngineSnapshot& snapshot, const engine::EngineOptions& options,
                    Exposition& out) {
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
      RenderQueue(first, options, out);  // one policy, the common case: no copy
    } else {
      QueueSnapshot merged = first;
      for (size_t k = i + 1; k < j; ++k) {
        const QueueSnapshot& next = snapshot.queues[k];
        merged.totals += next.totals;
        merged.waiting += next.waiting;
        merged.oldest_wait = std::max(merged.oldest_wait, next.oldest_wait);
      }
      RenderQueue(merged, options, out);
    }
    for (; i < j; ++i) {
      const Labels policy = QueueLabels(snapshot.queues[i].key).With("policy", snapshot.queues[i].key.policy);
      RenderPolicy(snapshot.queues[i], policy, options, out);
      RenderObjectives(snapshot.queues[i], policy, snapshot.taken_at, options, out);
    }
  }
  RenderHealth(snapshot.health, out);
}

}  // namespace slamon::exporter
