// What became of one event or record handed to the engine.
#ifndef SLAMON_DAEMON_ENGINE_RESULT_H_
#define SLAMON_DAEMON_ENGINE_RESULT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace slamon::engine {

// Why an event or record was not applied. The names are the `reason` label
// of slamon_events_rejected_total and the reason in the batch ack.
enum class RejectReason : uint8_t {
  kMissingField,       // a required field is empty
  kInvalidField,       // a field has a value outside its domain
  kUnknownContact,     // no ARRIVED for the contact within the reorder allowance
  kAlreadyOpen,        // ARRIVED for a contact that is open
  kBeforeArrival,      // stamped before the contact arrived
  kFutureTimestamp,    // stamped further ahead of the daemon clock than allowed
  kNotWaiting,         // answer-clock event for a contact not waiting in a queue
  kNotAnswered,        // handle/wrap-up end for a contact never answered
  kBeforeAnswer,       // handle/wrap-up end stamped before the answer
  kAlreadyRecorded,    // a second handle end, wrap-up end, resolution, close or survey
  kNotResolved,        // REOPENED for a contact that is not resolved
  kConflictingRecord,  // a record version that changes a timestamp already known
  kPendingOverflow,    // too many events waiting for the reorder allowance
  kNotPaused,          // RESUMED for a contact that is not paused
};
inline constexpr int kRejectReasonCount = 14;

absl::string_view RejectReasonName(RejectReason reason);

struct ItemResult {
  enum class Status : uint8_t { kAccepted, kDuplicate, kRejected };
  Status status = Status::kAccepted;
  RejectReason reason = RejectReason::kMissingField;
  std::string detail;  // set only for rejections

  static ItemResult Accepted() { return {}; }
  static ItemResult Duplicate() { return {Status::kDuplicate, {}, {}}; }
  static ItemResult Rejected(RejectReason reason, std::string detail) {
    return {Status::kRejected, reason, std::move(detail)};
  }
  bool accepted() const { return status == Status::kAccepted; }
  bool rejected() const { return status == Status::kRejected; }
};

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_RESULT_H_
