#include "daemon/engine/event.h"


namespace slamon::engine {

absl::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kArrived: return "arrived";
    case EventKind::kAcknowledged: return "acknowledged";
    case EventKind::kAnswered: return "answered";
    case EventKind::kAbandoned: return "abandoned";
    case EventKind::kFlowedOut: return "flowed_out";
    case EventKind::kTransferred: return "transferred";
    case EventKind::kCustomerReplied: return "customer_replied";
    case EventKind::kAgentReplied: return "agent_replied";
    case EventKind::kPaused: return "paused";
    case EventKind::kResumed: return "resumed";
    case EventKind::kEscalated: return "escalated";
    case EventKind::kHandleEnded: return "handle_ended";
    case EventKind::kWrapupEnded: return "wrapup_ended";
    case EventKind::kResolved: return "resolved";
    case EventKind::kReopened: return "reopened";
    case EventKind::kClosed: return "closed";
    case EventKind::kSurveyed: return "surveyed";
  }
  return "unknown";
}

}  // namespace slamon::engine
