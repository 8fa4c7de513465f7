#include "daemon/engine/result.h"

namespace slamon::engine {

absl::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kMissingField: return "missing_field";
    case RejectReason::kInvalidField: return "invalid_field";
    case RejectReason::kUnknownContact: return "unknown_contact";
    case RejectReason::kAlreadyOpen: return "already_open";
    case RejectReason::kBeforeArrival: return "before_arrival";
    case RejectReason::kFutureTimestamp: return "future_timestamp";
    case RejectReason::kNotWaiting: return "not_waiting";
    case RejectReason::kNotAnswered: return "not_answered";
    case RejectReason::kBeforeAnswer: return "before_answer";
    case RejectReason::kAlreadyRecorded: return "already_recorded";
    case RejectReason::kNotResolved: return "not_resolved";
    case RejectReason::kConflictingRecord: return "conflicting_record";
    case RejectReason::kPendingOverflow: return "pending_overflow";
    case RejectReason::kNotPaused: return "not_paused";
  }
  return "unknown";
}

}  // namespace slamon::engine
