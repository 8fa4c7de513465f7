// Recurrence rules of iCalendar events (RFC 5545 §3.3.10), the part that
// holiday calendars use: office calendars keep "every 25 December" or "the
// fourth Thursday of November" as one event with an RRULE. Rules that need
// more (BYSETPOS, BYWEEKNO, BYYEARDAY, times within a day) are refused by
// name rather than expanded wrongly.
#ifndef SLAMON_DAEMON_CONFIG_RECURRENCE_H_
#define SLAMON_DAEMON_CONFIG_RECURRENCE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace slamon::config {

// An unbounded rule's occurrences stop before this year: a calendar is read
// without a clock (a restart must read it the same way), so the horizon is
// fixed. Yearly holidays through 2099 are ~75 days a rule.
inline constexpr int kRecurrenceEndYear = 2100;

struct RecurrenceRule {
  enum class Frequency { kDaily, kWeekly, kMonthly, kYearly };
  // A BYDAY entry: a weekday, and for monthly and yearly rules optionally
  // which one of its month (1 the first, -1 the last; 0 every one).
  struct Weekday {
    absl::Weekday day;
    int ordinal = 0;
    bool operator==(const Weekday&) const = default;
  };

  Frequency frequency = Frequency::kYearly;
  int interval = 1;
  std::optional<int> count;
  std::string until;  // the UNTIL value as written (a date or a date-time), empty if none
  std::vector<int> by_month;      // 1-12
  std::vector<int> by_month_day;  // 1-31 or -31..-1 (from the month's end)
  std::vector<Weekday> by_day;
  absl::Weekday week_start = absl::Weekday::monday;  // WKST: where a weekly rule's weeks begin
};

// Parses an RRULE value ("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH"). Errors name the
// part that is wrong or not supported.
absl::StatusOr<RecurrenceRule> ParseRecurrenceRule(absl::string_view value);

// The days on which the rule's occurrences start, in order: `first` (the
// event's own start, always an occurrence), then each day the rule gives
// after it, up to `last` (from UNTIL) when given, `count` days in all when
// given, and before kRecurrenceEndYear.
std::vector<absl::CivilDay> RecurrenceDays(const RecurrenceRule& rule, absl::CivilDay first,
                                           std::optional<absl::CivilDay> last);

}  // namespace slamon::config

#endif  // SLAMON_DAEMON_CONFIG_RECURRENCE_H_
