// Wire messages (slamon.v1) -> engine values. Runs on the gRPC threads before
// any engine lock is taken.
#ifndef SLAMON_DAEMON_INGEST_CONVERT_H_
#define SLAMON_DAEMON_INGEST_CONVERT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "daemon/engine/event.h"
#include "daemon/engine/result.h"
#include "slamon/v1/event.pb.h"

namespace slamon::ingest {

// Why a message could not be converted; nullopt when it converted.
struct ConversionError {
  engine::RejectReason reason;
  std::string detail;
};

// Sets every field of `out` (which may hold an earlier event) to a view of
// `in`'s: `in` must outlive `out`'s use.
std::optional<ConversionError> ToEngine(const v1::ContactEvent& in, engine::EventView* out);

// A ContactEvent's fields other than its strings, as the wire has them (proto3
// defaults when absent), for the checks both readers of a batch share: the
// one above and the decoder of wire bytes (wire_decoder.h).
struct EventScalars {
  int32_t kind = 0;
  bool has_occurred_at = false;
  int64_t occurred_seconds = 0;
  int32_t occurred_nanos = 0;
  int32_t priority = 0;
  int32_t flow_out_reason = 0;
  bool first_contact_resolution = false;
  double csat_score = 0;
  double csat_scale = 0;
  int32_t escalation_level = 0;
};
// Checks `in` and sets the fields of `out` other than its strings.
std::optional<ConversionError> SetScalars(const EventScalars& in, engine::EventView* out);
// Strings are moved out of `in`, which is left valid but unspecified.
std::optional<ConversionError> ToEngine(v1::ContactRecord& in, engine::ContactRecord* out);

}  // namespace slamon::ingest

#endif  // SLAMON_DAEMON_INGEST_CONVERT_H_
