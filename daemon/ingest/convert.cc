#include "daemon/ingest/convert.h"

#include "absl/strings/str_cat.h"

namespace slamon::ingest {
namespace {

using engine::EventKind;
using engine::FlowOutReason;
using engine::RejectReason;

// Seconds within the range RFC 3339 can write (years 0001..9999).
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;
// Within these, seconds and nanoseconds fit one int64 count of nanoseconds
// (years 1677..2262).
constexpr int64_t kMinNanosSeconds = -9'000'000'000;
constexpr int64_t kMaxNanosSeconds = 9'000'000'000;

std::optional<absl::Time> ToTime(int64_t seconds, int32_t nanos) {
  if (seconds < kMinSeconds || seconds > kMaxSeconds || nanos < 0 || nanos > 999'999'999) {
    return std::nullopt;
  }
  // absl::FromUnixNanos is inline; adding a Duration to a Time is a library
  // call (~25 instructions per event).
  if (seconds >= kMinNanosSeconds && seconds <= kMaxNanosSeconds) {
    return absl::FromUnixNanos(seconds * 1'000'000'000 + nanos);
  }
  return absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
}
std::optional<absl::Time> ToTime(const google::protobuf::Timestamp& ts) { return ToTime(ts.seconds(), ts.nanos()); }

// proto3 enums are open: any int32 may arrive.
std::optional<FlowOutReason> ToReason(int32_t r) {
  switch (r) {
    case v1::FLOW_OUT_REASON_UNSPECIFIED: return FlowOutReason::kUnspecified;
    case v1::TIMEOUT: return FlowOutReason::kTimeout;
    case v1::TRANSFER: return FlowOutReason::kTransfer;
    case v1::CALLBACK_REQUESTED: return FlowOutReason::kCallbackRequested;
    case v1::VOICEMAIL: return FlowOutReason::kVoicemail;
    case v1::EXIT_KEY: return FlowOutReason::kExitKey;
    default: return std::nullopt;
  }
}

// Enum values line up one to one, offset by UNSPECIFIED = 0.
static_assert(v1::ARRIVED == 1 && v1::SURVEYED == engine::kEventKindCount);

ConversionError Missing(absl::string_view what) {
  return {RejectReason::kMissingField, absl::StrCat(what, " is required")};
}

// An optional record timestamp: unset means "has not happened".
std::optional<ConversionError> OptionalTime(bool has, const google::protobuf::Timestamp& ts,
                                            absl::string_view name,
                                            std::optional<absl::Time>* out) {
  if (!has) return std::nullopt;
  std::optional<absl::Time> t = ToTime(ts);
  if (!t) return ConversionError{RejectReason::kInvalidField, absl::StrCat(name, " is out of range")};
  *out = *t;
  return std::nullopt;
}

}  // namespace

std::optional<ConversionError> SetScalars(const EventScalars& in, engine::EventView* out) {
  if (in.kind < v1::ARRIVED || in.kind > v1::SURVEYED) {
    return ConversionError{RejectReason::kInvalidField, absl::StrCat("unknown event kind ", in.kind)};
  }
  if (!in.has_occurred_at) return Missing("occurred_at");
  std::optional<absl::Time> at = ToTime(in.occurred_seconds, in.occurred_nanos);
  if (!at) return ConversionError{RejectReason::kInvalidField, "occurred_at is out of range"};
  std::optional<FlowOutReason> reason = ToReason(in.flow_out_reason);
  if (!reason) return ConversionError{RejectReason::kInvalidField, "unknown flow_out_reason"};
  out->kind = static_cast<EventKind>(in.kind - 1);
  out->occurred_at = *at;
  out->priority = in.priority;
  out->flow_out_reason = *reason;
  out->first_contact_resolution = in.first_contact_resolution;
  out->csat_score = in.csat_score;
  out->csat_scale = in.csat_scale == 0 ? 5 : in.csat_scale;
  out->escalation_level = in.escalation_level;
  return std::nullopt;
}

std::optional<ConversionError> ToEngine(const v1::ContactEvent& in, engine::EventView* out) {
  out->source = in.source();
  out->event_id = in.event_id();
  out->contact_id = in.contact_id();
  out->queue = in.queue();
  out->channel = in.channel();
  out->category = in.category();
  out->customer_id = in.customer_id();
  out->agent = in.agent();
  return SetScalars({.kind = in.kind(),
                     .has_occurred_at = in.has_occurred_at(),
                     .occurred_seconds = in.occurred_at().seconds(),
                     .occurred_nanos = in.occurred_at().nanos(),
                     .priority = in.priority(),
                     .flow_out_reason = in.flow_out_reason(),
                     .first_contact_resolution = in.first_contact_resolution(),
                     .csat_score = in.csat_score(),
                     .csat_scale = in.csat_scale(),
                     .escalation_level = in.escalation_level()},
                    out);
}

std::optional<ConversionError> ToEngine(v1::ContactRecord& in, engine::ContactRecord* out) {
  if (!in.has_arrived_at()) return Missing("arrived_at");
  std::optional<absl::Time> arrived = ToTime(in.arrived_at());
  if (!arrived) return ConversionError{RejectReason::kInvalidField, "arrived_at is out of range"};
  std::optional<FlowOutReason> reason = ToReason(in.flow_out_reason());
  if (!reason) return ConversionError{RejectReason::kInvalidField, "unknown flow_out_reason"};
  out->source = std::move(*in.mutable_source());
  out->contact_id = std::move(*in.mutable_contact_id());
  out->channel = std::move(*in.mutable_channel());
  out->queue = std::move(*in.mutable_queue());
  out->priority = in.priority();
  out->category = std::move(*in.mutable_category());
  out->customer_id = std::move(*in.mutable_customer_id());
  out->agent = std::move(*in.mutable_agent());
  out->arrived_at = *arrived;
  out->flow_out_reason = *reason;
  out->first_contact_resolution = in.first_contact_resolution();
  if (in.csat() != 0) out->csat = in.csat();
  for (auto [has, ts, name, slot] : {
           std::tuple{in.has_acknowledged_at(), &in.acknowledged_at(), "acknowledged_at", &out->acknowledged_at},
           std::tuple{in.has_answered_at(), &in.answered_at(), "answered_at", &out->answered_at},
           std::tuple{in.has_abandoned_at(), &in.abandoned_at(), "abandoned_at", &out->abandoned_at},
           std::tuple{in.has_flowed_out_at(), &in.flowed_out_at(), "flowed_out_at", &out->flowed_out_at},
           std::tuple{in.has_handle_ended_at(), &in.handle_ended_at(), "handle_ended_at", &out->handle_ended_at},
           std::tuple{in.has_wrapup_ended_at(), &in.wrapup_ended_at(), "wrapup_ended_at", &out->wrapup_ended_at},
           std::tuple{in.has_resolved_at(), &in.resolved_at(), "resolved_at", &out->resolved_at},
           std::tuple{in.has_closed_at(), &in.closed_at(), "closed_at", &out->closed_at},
       }) {
    if (auto err = OptionalTime(has, *ts, name, slot)) return err;
  }
  return std::nullopt;
}

}  // namespace slamon::ingest
