// Holidays from an iCalendar file (RFC 5545), as public-holiday feeds and
// office calendars export them: each VEVENT closes the business calendar for
// its time - whole days for all-day events (DTSTART;VALUE=DATE), part of a
// day for timed ones. Pure: the caller reads the file.
#ifndef SLAMON_DAEMON_CONFIG_ICS_H_
#define SLAMON_DAEMON_CONFIG_ICS_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "daemon/engine/calendar.h"

namespace slamon::config {

// A closure of one local day: all of it, or [closed.start, closed.end).
struct Closure {
  absl::CivilDay day;
  std::optional<engine::OpenInterval> closed;  // nullopt: the whole day
  bool operator==(const Closure&) const = default;
};

// The closures of every VEVENT, in local days of `zone` (a timed event in UTC
// or another TZID is converted; one spanning midnight closes part of each
// day). A recurring event closes each occurrence (RRULE as recurrence.h
// reads it, RDATE dates, less EXDATEs and the occurrences that events with
// its UID and a RECURRENCE-ID replace). Errors name the line.
absl::StatusOr<std::vector<Closure>> ParseIcsClosures(absl::string_view text, absl::TimeZone zone);

// The open intervals left of `open` once `closed` is taken out.
std::vector<engine::OpenInterval> Subtract(const std::vector<engine::OpenInterval>& open,
                                           const engine::OpenInterval& closed);

}  // namespace slamon::config

#endif  // SLAMON_DAEMON_CONFIG_ICS_H_
