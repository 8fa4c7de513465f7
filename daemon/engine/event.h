// Engine-level contact events: plain C++ values, independent of the wire API.
// The ingest adapter converts protobuf messages into these outside any lock.
#ifndef SLAMON_DAEMON_ENGINE_EVENT_H_
#define SLAMON_DAEMON_ENGINE_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>

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

// Ingest refills one Event with the next (ingest::ToEngine sets every field):
// a field added here must be set there.
struct Event {
  EventKind kind = EventKind::kArrived;
  std::string source;
  std::string event_id;
  std::string contact_id;
  absl::Time occurred_at;
  // ARRIVED and TRANSFERRED.
  std::string queue;
  // ARRIVED.
  std::string channel;
  int32_t priority = 0;
  std::string category;
  std::string customer_id;
  std::string agent;
  FlowOutReason flow_out_reason = FlowOutReason::kUnspecified;
  bool first_contact_resolution = false;
  double csat_score = 0;
  double csat_scale = 5;
  int32_t escalation_level = 0;
  bool operator==(const Event&) const = default;
};

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
