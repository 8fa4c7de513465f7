#include "daemon/export/sla_collectable.h"

#include <chrono>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "daemon/engine/status.h"
#include "daemon/export/families.h"
#include "prometheus/client_metric.h"

#ifndef SLAMON_VERSION
#define SLAMON_VERSION "dev"
#endif

namespace slamon::exporter {
namespace {

using engine::AnswerOutcome;
using engine::QueueSnapshot;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// The volume counters always exported for a queue, so that rate() sees the
// series before its first increment; the others appear once non-zero.
constexpr engine::EventKind kCoreVolume[] = {
    engine::EventKind::kArrived, engine::EventKind::kAnswered, engine::EventKind::kAbandoned,
    engine::EventKind::kFlowedOut, engine::EventKind::kTransferred};

constexpr const char* kWaitOutcome[engine::kWaitKindCount] = {"answered", "abandoned", "flowed_out"};


Labels QueueLabels(const engine::QueueKey& k) {
  return {{"queue", k.queue}, {"channel", k.channel}};
}
Labels PolicyLabels(const engine::QueueKey& k) {
  return {{"queue", k.queue}, {"channel", k.channel}, {"policy", k.policy}};
}
Labels With(Labels labels, std::string name, std::string value) {
  labels.push_back({std::move(name), std::move(value)});
  return labels;
}

// Figures of one (queue, channel) summed over its policies.
void RenderQueue(const QueueSnapshot& q, const engine::EngineOptions& options, Families& out) {
  const Labels labels = QueueLabels(q.key);
  const engine::QueueTotals& t = q.totals;
  for (int i = 0; i < engine::kVolumeCount; ++i) {
    const bool core = std::find(std::begin(kCoreVolume), std::end(kCoreVolume),
                                static_cast<engine::EventKind>(i)) != std::end(kCoreVolume) ||
                      i == engine::kTransferredIn;
    if (!core && t.volume[i] == 0) continue;
    out.Add("slamon_contacts_total", "Contact events applied, by kind (transfers split into in and out).",
            MetricType::Counter, With(labels, "event", std::string(engine::VolumeName(i))),
            static_cast<double>(t.volume[i]));
  }
  for (int w = 0; w < engine::kWaitKindCount; ++w) {
    out.AddHistogram("slamon_wait_seconds",
                     "Time waited in the queue until answered, abandoned or flowed out.",
                     With(labels, "outcome", kWaitOutcome[w]), t.wait[w], options.wait_buckets);
  }
  out.AddHistogram("slamon_handle_seconds", "Handle time: answered to wrap-up end (talk + hold + wrap).",
                   labels, t.handle, options.handle_buckets);
  out.Add("slamon_contacts_waiting", "Contacts waiting in the queue now.", MetricType::Gauge, labels,
          static_cast<double>(q.waiting));
  out.Add("slamon_oldest_wait_seconds", "How long the longest-waiting contact has waited so far.",
          MetricType::Gauge, labels, absl::ToDoubleSeconds(q.oldest_wait));
  out.Add("slamon_resolved_total", "Contacts resolved.", MetricType::Counter, labels,
          static_cast<double>(t.resolved));
  out.Add("slamon_resolved_first_contact_total", "Contacts resolved at first contact.",
          MetricType::Counter, labels, static_cast<double>(t.resolved_first_contact));
  out.AddSummary("slamon_csat_score", "Satisfaction survey scores, normalised to a 5-point scale.", labels,
                 t.surveyed, t.csat_score_sum);
  out.Add("slamon_csat_top_two_total", "Survey answers in the top two points of a 5-point scale.",
          MetricType::Counter, labels, static_cast<double>(t.csat_top_two));
}

void RenderPolicy(const QueueSnapshot& q, const engine::EngineOptions& options, Families& out) {
  if (!q.answer) return;
  const engine::Objective& answer = *q.answer;
  const Labels labels = PolicyLabels(q.key);
  const Labels objective = With(labels, "objective", "answer");
  for (int o = 0; o < engine::kAnswerOutcomeCount; ++o) {
    const auto outcome = static_cast<AnswerOutcome>(o);
    out.Add("slamon_objective_outcomes_total", "Stopped objective clocks, by outcome.",
            MetricType::Counter, With(objective, "outcome", std::string(engine::AnswerOutcomeName(outcome))),
            static_cast<double>(q.totals.outcomes[outcome]));
  }
  if (answer.business_days > 0) {
    out.Add("slamon_objective_threshold_business_days", "The objective's threshold in business days.",
            MetricType::Gauge, objective, answer.business_days);
  } else {
    out.Add("slamon_objective_threshold_seconds", "The objective's threshold, in its basis (business seconds "
            "for a business calendar).", MetricType::Gauge, objective, absl::ToDoubleSeconds(answer.threshold));
  }
  if (answer.goal) {
    out.Add("slamon_objective_goal_ratio", "The share of contacts the objective promises within threshold.",
            MetricType::Gauge, objective, *answer.goal);
  }
  out.Add("slamon_contacts_waiting_past_threshold",
          "Contacts waiting longer than the answer threshold now: certain misses.", MetricType::Gauge,
          labels, static_cast<double>(q.waiting_past_threshold));
  out.Add("slamon_contacts_waiting_past_warning",
          "Contacts waiting past the objective's warning point now.", MetricType::Gauge, labels,
          static_cast<double>(q.waiting_past_warning));
  for (const engine::WindowFigures& w : q.windows) {
    const Labels wl = With(labels, "window", w.name);
    const engine::OutcomeCounts& c = w.tally.outcomes;
    out.Add("slamon_window_offered_contacts", "Contacts whose answer clock stopped within the window.",
            MetricType::Gauge, wl, static_cast<double>(c.offered()));
    if (auto sl = engine::ServiceLevel(answer.formula, c)) {
      out.Add("slamon_service_level_ratio", "Service level over the window, by the policy's formula.",
              MetricType::Gauge, With(wl, "formula", std::string(engine::FormulaName(answer.formula))), *sl);
    }
    if (auto ar = engine::AbandonRatio(c)) {
      out.Add("slamon_abandon_ratio", "(abandoned - short abandons) / (offered - short abandons) over the window.",
              MetricType::Gauge, wl, *ar);
    }
    if (c.answered() > 0) {
      out.Add("slamon_average_speed_of_answer_seconds", "Mean wait of the contacts answered within the window.",
              MetricType::Gauge, wl, w.tally.answered_wait_seconds / static_cast<double>(c.answered()));
    }
    const engine::ObjectiveStatus status =
        engine::AnswerStatus(answer, w.tally, q.waiting_past_warning, options.windows);
    out.Add("slamon_objective_status", "0 met, 1 at risk, 2 breached, over the window.",
            MetricType::Gauge, With(wl, "objective", "answer"), static_cast<double>(status));
  }
}

void RenderHealth(const engine::HealthSnapshot& h, Families& out) {
  out.Add("slamon_events_received_total", "Items received for the engine, by kind.", MetricType::Counter,
          {{"kind", "event"}}, static_cast<double>(h.events_received));
  out.Add("slamon_events_received_total", "", MetricType::Counter, {{"kind", "record"}},
          static_cast<double>(h.records_received));
  out.Add("slamon_events_accepted_total", "Events and records applied to the state.",
          MetricType::Counter, {}, static_cast<double>(h.accepted));
  out.Add("slamon_events_duplicate_total", "Events already seen (same source and event_id), counted once.",
          MetricType::Counter, {}, static_cast<double>(h.duplicates));
  for (int r = 0; r < engine::kRejectReasonCount; ++r) {
    out.Add("slamon_events_rejected_total", "Events and records rejected, by reason.", MetricType::Counter,
            {{"reason", std::string(engine::RejectReasonName(static_cast<engine::RejectReason>(r)))}},
            static_cast<double>(h.rejected[r]));
  }
  out.Add("slamon_open_contacts", "Contacts held in memory.", MetricType::Gauge, {},
          static_cast<double>(h.open_contacts));
  out.Add("slamon_pending_events", "Events waiting for an earlier event of their contact (reorder allowance).",
          MetricType::Gauge, {}, static_cast<double>(h.pending_events));
  out.Add("slamon_dedup_entries", "Event ids remembered for duplicate detection.", MetricType::Gauge, {},
          static_cast<double>(h.dedup_entries));
  out.Add("slamon_build_info", "Build information; always 1.", MetricType::Gauge,
          {{"version", SLAMON_VERSION}}, 1);
}

}  // namespace

std::vector<MetricFamily> RenderSnapshot(const engine::EngineSnapshot& snapshot,
                                         const engine::EngineOptions& options) {
  Families out;
  // Snapshots are sorted by (queue, channel, policy): sum runs of the same
  // (queue, channel) for the families that have no policy label.
  for (size_t i = 0; i < snapshot.queues.size();) {
    QueueSnapshot merged = snapshot.queues[i];
    size_t j = i + 1;
    for (; j < snapshot.queues.size() && snapshot.queues[j].key.queue == merged.key.queue &&
           snapshot.queues[j].key.channel == merged.key.channel;
         ++j) {
      const QueueSnapshot& next = snapshot.queues[j];
      merged.totals += next.totals;
      merged.waiting += next.waiting;
      merged.oldest_wait = std::max(merged.oldest_wait, next.oldest_wait);
    }
    RenderQueue(merged, options, out);
    for (; i < j; ++i) RenderPolicy(snapshot.queues[i], options, out);
  }
  RenderHealth(snapshot.health, out);
  return out.Take();
}

std::vector<MetricFamily> SlaCollectable::Collect() const {
  const auto start = std::chrono::steady_clock::now();
  std::vector<MetricFamily> families = RenderSnapshot(engine_->Snapshot(clock_()), engine_->options());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ClientMetric m;
  m.gauge.value = seconds;
  families.push_back({"slamon_scrape_render_seconds", "Time to snapshot the engine and render this scrape.",
                      MetricType::Gauge, {m}});
  return families;
}

}  // namespace slamon::exporter
