// Engine-level contact events: plain C++ values, independent of the wire API.
// The ingest adapter converts protobuf messages into these outside any lock.
#ifndef SLAMON_DAEMON_ENGINE_EVENT_H_
#define SLAMON_DAEMON_ENGINE_EVENT_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace slamon::engine {

enum class EventKind : uint8_t {
  kArrived,
  kAcknowledged,
  kAnswered,
  kAbandoned,
  kFlowedOut,
  kTransferred,
  kCustomerReplied,
  kAgentReplied,
  kPaused,
  kResumed,
  kEscalated,
  kHandleEnded,
  kWrapupEnded,
  kResolved,
  kReopened,
  kClosed,
  kSurveyed,
};
inline constexpr int kEventKindCount = 17;

// Lowercase name used as the `event` label of slamon_contacts_total.
absl::string_view EventKindName(EventKind kind);

enum class FlowOutReason : uint8_t {
  kUnspecified,
  kTimeout,
  kTransfer,
  kCallbackRequested,
  kVoicemail,
  kExitKey,
};

// A contact event (sla-semantics §2) over a text type: Event owns its text,
// EventView points into bytes its caller keeps alive while the engine reads
// it (ingest: the wire batch, so that no id is copied before the engine
// needs it). The engine reads views; it keeps an event only by an owning
// copy (As<std::string>()). Ingest sets every field of the views it reads
// (wire_decoder.cc, convert.cc), and As() copies every field: a field added
// here must be set there too.
template <typename Text>
struct BasicEvent {
  EventKind kind = EventKind::kArrived;
  Text source;
  Text event_id;
  Text contact_id;
  absl::Time occurred_at;
  // ARRIVED and TRANSFERRED.
  Text queue;
  // ARRIVED.
  Text channel;
  int32_t priority = 0;
  Text category;
  Text customer_id;
  Text agent;
  FlowOutReason flow_out_reason = FlowOutReason::kUnspecified;
  bool first_contact_resolution = false;
  double csat_score = 0;
  double csat_scale = 5;
  int32_t escalation_level = 0;
  bool operator==(const BasicEvent&) const = default;

  // The same event over `Other`: a view of an owning event (valid while it
  // is), or an owning copy of a view.
  template <typename Other>
  BasicEvent<Other> As() const {
    return {.kind = kind,
            .source = Other(source),
            .event_id = Other(event_id),
            .contact_id = Other(contact_id),
            .occurred_at = occurred_at,
            .queue = Other(queue),
            .channel = Other(channel),
            .priority = priority,
            .category = Other(category),
            .customer_id = Other(customer_id),
            .agent = Other(agent),
            .flow_out_reason = flow_out_reason,
            .first_contact_resolution = first_contact_resolution,
            .csat_score = csat_score,
            .csat_scale = csat_scale,
            .escalation_level = escalation_level};
  }
};
using Event = BasicEvent<std::string>;
using EventView = BasicEvent<absl::string_view>;

// Views of `events`, valid while they live (for callers that own their
// events: tests, benchmarks, tools).
inline std::vector<EventView> ViewsOf(std::span<const Event> events) {
  std::vector<EventView> views;
  views.reserve(events.size());
  for (const Event& e : events) views.push_back(e.As<absl::string_view>());
  return views;
}

// A contact with all its timestamps at once (sla-semantics §9). Unset
// optionals have not happened (yet).
struct ContactRecord {
  std::string source;
  std::string contact_id;
  std::string channel;
  std::string queue;
  int32_t priority = 0;
  std::string category;
  std::string customer_id;
  std::string agent;
  absl::Time arrived_at;
  std::optional<absl::Time> acknowledged_at;
  std::optional<absl::Time> answered_at;
  std::optional<absl::Time> abandoned_at;
  std::optional<absl::Time> flowed_out_at;
  FlowOutReason flow_out_reason = FlowOutReason::kUnspecified;
  std::optional<absl::Time> handle_ended_at;
  std::optional<absl::Time> wrapup_ended_at;
  std::optional<absl::Time> resolved_at;
  std::optional<absl::Time> closed_at;
  bool first_contact_resolution = false;
  std::optional<double> csat;
};

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_EVENT_H_
