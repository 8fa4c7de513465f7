// Business calendars (sla-semantics §1): open intervals per weekday in an
// IANA time zone, with holidays closed all day or open for part of it.
// Business time counts open time only; every query walks day by day, so it
// costs O(days spanned), never O(seconds).
#ifndef SLAMON_DAEMON_ENGINE_CALENDAR_H_
#define SLAMON_DAEMON_ENGINE_CALENDAR_H_

#include <array>
#include <map>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace slamon::engine {

// [start, end) as offsets from local midnight; end may be 24 h.
struct OpenInterval {
  absl::Duration start;
  absl::Duration end;
  bool operator==(const OpenInterval&) const = default;
};

struct BusinessHours {
  absl::TimeZone zone;
  // Index 0 is Monday. Intervals sorted and disjoint.
  std::array<std::vector<OpenInterval>, 7> weekly;
  // A holiday's hours replace its weekday's; empty means closed all day.
  std::map<absl::CivilDay, std::vector<OpenInterval>> holidays;
  bool operator==(const BusinessHours&) const = default;
};

class BusinessCalendar {
 public:
  explicit BusinessCalendar(BusinessHours hours) : hours_(std::move(hours)) {}

  // Open time within [from, to); zero if to <= from.
  absl::Duration BusinessTimeBetween(absl::Time from, absl::Time to) const;
  // The instant at which `amount` of open time has passed since `from`;
  // InfiniteFuture() if the calendar is not open that much within ten years.
  absl::Time AddBusinessTime(absl::Time from, absl::Duration amount) const;
  // The close of the n-th open day after the local day of `from` (n >= 1):
  // "N business days". InfiniteFuture() as above.
  absl::Time EndOfBusinessDays(absl::Time from, int n) const;

  const BusinessHours& hours() const { return hours_; }

 private:
  struct Span {
    absl::Time open;
    absl::Time close;
  };
  // The open spans of one local day, as instants (DST-correct).
  std::vector<Span> SpansOf(absl::CivilDay day) const;
  absl::CivilDay LocalDay(absl::Time t) const { return absl::CivilDay(hours_.zone.At(t).cs); }

  BusinessHours hours_;
};

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_CALENDAR_H_
