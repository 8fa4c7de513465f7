#include "daemon/config/recurrence.h"

#include <algorithm>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace slamon::config {
namespace {

using Frequency = RecurrenceRule::Frequency;

constexpr std::pair<absl::string_view, absl::Weekday> kWeekdays[] = {
    {"MO", absl::Weekday::monday}, {"TU", absl::Weekday::tuesday},  {"WE", absl::Weekday::wednesday},
    {"TH", absl::Weekday::thursday}, {"FR", absl::Weekday::friday}, {"SA", absl::Weekday::saturday},
    {"SU", absl::Weekday::sunday}};

// Days from a `from` to the next `to` (0 when they are the same weekday).
int DaysUntil(absl::Weekday from, absl::Weekday to) {
  return (static_cast<int>(to) - static_cast<int>(from) + 7) % 7;  // absl counts monday 0 ... sunday 6
}

std::optional<absl::Weekday> WeekdayCode(absl::string_view code) {
  for (const auto& [name, day] : kWeekdays) {
    if (code == name) return day;
  }
  return std::nullopt;
}

absl::Status PartError(absl::string_view part, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(part, ": ", what));
}

// A comma-separated list of integers within [low, high], 0 excluded.
absl::StatusOr<std::vector<int>> Numbers(absl::string_view part, absl::string_view value, int low, int high) {
  std::vector<int> out;
  for (const absl::string_view item : absl::StrSplit(value, ',')) {
    int n = 0;
    if (!absl::SimpleAtoi(item, &n) || n < low || n > high || n == 0) {
      return PartError(part, absl::StrCat("'", item, "' is not a number from ", low, " to ", high));
    }
    out.push_back(n);
  }
  return out;
}

absl::StatusOr<std::vector<RecurrenceRule::Weekday>> Weekdays(absl::string_view value) {
  std::vector<RecurrenceRule::Weekday> out;
  for (const absl::string_view item : absl::StrSplit(value, ',')) {
    const size_t split = item.size() < 2 ? 0 : item.size() - 2;  // [ordinal][two-letter weekday]
    const std::optional<absl::Weekday> day = item.size() >= 2 ? WeekdayCode(item.substr(split)) : std::nullopt;
    const absl::string_view ordinal = item.substr(0, split);
    int n = 0;
    if (!day || (!ordinal.empty() && (!absl::SimpleAtoi(absl::StripPrefix(ordinal, "+"), &n) || n == 0 ||
                                      n < -53 || n > 53))) {
      return PartError("BYDAY", absl::StrCat("'", item, "' is not a weekday like MO, 4TH or -1FR"));
    }
    out.push_back({*day, n});
  }
  return out;
}

int DaysIn(absl::CivilMonth month) { return static_cast<int>(absl::CivilDay(month + 1) - absl::CivilDay(month)); }

// The days of `month` that BYMONTHDAY and BYDAY select (both: the days in
// both), or `first`'s day of the month when neither is given.
std::vector<absl::CivilDay> MonthDays(const RecurrenceRule& rule, absl::CivilMonth month, absl::CivilDay first) {
  const absl::CivilDay start(month);
  const int length = DaysIn(month);
  if (rule.by_month_day.empty() && rule.by_day.empty()) {
    if (first.day() > length) return {};
    return {start + (first.day() - 1)};
  }
  std::vector<bool> by_month_day(static_cast<size_t>(length), rule.by_month_day.empty());
  for (const int d : rule.by_month_day) {
    const int day = d > 0 ? d : length + 1 + d;
    if (day >= 1 && day <= length) by_month_day[static_cast<size_t>(day - 1)] = true;
  }
  std::vector<bool> by_day(static_cast<size_t>(length), rule.by_day.empty());
  for (const RecurrenceRule::Weekday& w : rule.by_day) {
    const int first_of_kind = DaysUntil(absl::GetWeekday(start), w.day);  // 0-based day
    const int last_of_kind = first_of_kind + (length - 1 - first_of_kind) / 7 * 7;
    if (w.ordinal == 0) {
      for (int d = first_of_kind; d < length; d += 7) by_day[static_cast<size_t>(d)] = true;
      continue;
    }
    const int d = w.ordinal > 0 ? first_of_kind + (w.ordinal - 1) * 7 : last_of_kind + (w.ordinal + 1) * 7;
    if (d >= 0 && d < length) by_day[static_cast<size_t>(d)] = true;
  }
  std::vector<absl::CivilDay> out;
  for (int d = 0; d < length; ++d) {
    if (by_month_day[static_cast<size_t>(d)] && by_day[static_cast<size_t>(d)]) out.push_back(start + d);
  }
  return out;
}

// Whether a day of a daily or weekly rule passes its BY parts, which limit
// there rather than expand.
bool Passes(const RecurrenceRule& rule, absl::CivilDay day) {
  if (!rule.by_month.empty() && !absl::c_linear_search(rule.by_month, day.month())) return false;
  if (!rule.by_month_day.empty()) {
    const int length = DaysIn(absl::CivilMonth(day));
    if (!absl::c_linear_search(rule.by_month_day, day.day()) &&
        !absl::c_linear_search(rule.by_month_day, day.day() - length - 1)) {
      return false;
    }
  }
  if (!rule.by_day.empty() &&
      std::none_of(rule.by_day.begin(), rule.by_day.end(),
                   [&](const RecurrenceRule::Weekday& w) { return w.day == absl::GetWeekday(day); })) {
    return false;
  }
  return true;
}

// The first day of the `n`th period after `first`'s: periods are `interval`
// days, weeks, months or years long.
absl::CivilDay PeriodStart(const RecurrenceRule& rule, absl::CivilDay first, int64_t n) {
  const int64_t step = n * rule.interval;
  switch (rule.frequency) {
    case Frequency::kDaily:
      return first + step;
    case Frequency::kWeekly:
      return first - DaysUntil(rule.week_start, absl::GetWeekday(first)) + step * 7;
    case Frequency::kMonthly:
      return absl::CivilDay(absl::CivilMonth(first) + step);
    case Frequency::kYearly:
      return absl::CivilDay(absl::CivilYear(first.year() + step));
  }
  return first;
}

// The days the rule selects in the `n`th period after `first`'s, in order.
std::vector<absl::CivilDay> Period(const RecurrenceRule& rule, absl::CivilDay first, int64_t n) {
  const absl::CivilDay start = PeriodStart(rule, first, n);
  std::vector<absl::CivilDay> out;
  switch (rule.frequency) {
    case Frequency::kDaily: {
      if (Passes(rule, start)) out.push_back(start);
      break;
    }
    case Frequency::kWeekly: {
      std::vector<absl::Weekday> days;
      for (const RecurrenceRule::Weekday& w : rule.by_day) days.push_back(w.day);
      if (days.empty()) days.push_back(absl::GetWeekday(first));
      for (const absl::Weekday d : days) {
        const absl::CivilDay day = start + DaysUntil(rule.week_start, d);
        if (rule.by_month.empty() || absl::c_linear_search(rule.by_month, day.month())) out.push_back(day);
      }
      break;
    }
    case Frequency::kMonthly: {
      if (rule.by_month.empty() || absl::c_linear_search(rule.by_month, start.month())) {
        out = MonthDays(rule, absl::CivilMonth(start), first);
      }
      break;
    }
    case Frequency::kYearly: {
      std::vector<int> months = rule.by_month;
      if (months.empty() && rule.by_month_day.empty()) months.push_back(first.month());
      if (months.empty()) {
        for (int m = 1; m <= 12; ++m) months.push_back(m);
      }
      for (const int m : months) {
        for (const absl::CivilDay day : MonthDays(rule, absl::CivilMonth(start.year(), m), first)) out.push_back(day);
      }
      break;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

absl::StatusOr<RecurrenceRule> ParseRecurrenceRule(absl::string_view value) {
  RecurrenceRule rule;
  bool has_frequency = false;
  for (const absl::string_view part : absl::StrSplit(absl::StripAsciiWhitespace(value), ';', absl::SkipEmpty())) {
    const size_t eq = part.find('=');
    const std::string name = absl::AsciiStrToUpper(part.substr(0, eq));
    const std::string v = eq == absl::string_view::npos ? "" : absl::AsciiStrToUpper(part.substr(eq + 1));
    if (name == "FREQ") {
      has_frequency = true;
      if (v == "DAILY") {
        rule.frequency = Frequency::kDaily;
      } else if (v == "WEEKLY") {
        rule.frequency = Frequency::kWeekly;
      } else if (v == "MONTHLY") {
        rule.frequency = Frequency::kMonthly;
      } else if (v == "YEARLY") {
        rule.frequency = Frequency::kYearly;
      } else {
        return PartError("FREQ", absl::StrCat("'", v, "' is not supported (DAILY, WEEKLY, MONTHLY or YEARLY)"));
      }
    } else if (name == "INTERVAL" || name == "COUNT") {
      absl::StatusOr<std::vector<int>> n = Numbers(name, v, 1, 1'000'000);
      if (!n.ok()) return n.status();
      if (n->size() != 1) return PartError(name, "one number expected");
      (name == "INTERVAL" ? rule.interval : rule.count.emplace()) = n->front();
    } else if (name == "UNTIL") {
      rule.until = v;
    } else if (name == "BYMONTH") {
      absl::StatusOr<std::vector<int>> months = Numbers(name, v, 1, 12);
      if (!months.ok()) return months.status();
      rule.by_month = *std::move(months);
    } else if (name == "BYMONTHDAY") {
      absl::StatusOr<std::vector<int>> days = Numbers(name, v, -31, 31);
      if (!days.ok()) return days.status();
      rule.by_month_day = *std::move(days);
    } else if (name == "BYDAY") {
      absl::StatusOr<std::vector<RecurrenceRule::Weekday>> days = Weekdays(v);
      if (!days.ok()) return days.status();
      rule.by_day = *std::move(days);
    } else if (name == "WKST") {
      const std::optional<absl::Weekday> day = WeekdayCode(v);
      if (!day) return PartError(name, absl::StrCat("'", v, "' is not a weekday like MO"));
      rule.week_start = *day;
    } else if (name == "BYSETPOS" || name == "BYWEEKNO" || name == "BYYEARDAY" || name == "BYHOUR" ||
               name == "BYMINUTE" || name == "BYSECOND") {
      return PartError(name, "not supported; export each occurrence");
    } else {
      return PartError(name, "not a rule part of RFC 5545");
    }
  }
  if (!has_frequency) return absl::InvalidArgumentError("FREQ is missing");
  if (rule.count && !rule.until.empty()) return absl::InvalidArgumentError("COUNT and UNTIL exclude each other");
  const bool ordinals = std::any_of(rule.by_day.begin(), rule.by_day.end(),
                                    [](const RecurrenceRule::Weekday& w) { return w.ordinal != 0; });
  if (ordinals && (rule.frequency == Frequency::kDaily || rule.frequency == Frequency::kWeekly)) {
    return PartError("BYDAY", "a numbered weekday (4TH) needs FREQ=MONTHLY or YEARLY");
  }
  if (rule.frequency == Frequency::kYearly && !rule.by_day.empty() && rule.by_month.empty()) {
    return PartError("BYDAY", "in a yearly rule, BYDAY needs BYMONTH (weekdays of the whole year are not supported)");
  }
  if (rule.frequency == Frequency::kWeekly && !rule.by_month_day.empty()) {
    return PartError("BYMONTHDAY", "not allowed with FREQ=WEEKLY");
  }
  return rule;
}

std::vector<absl::CivilDay> RecurrenceDays(const RecurrenceRule& rule, absl::CivilDay first,
                                           std::optional<absl::CivilDay> last) {
  std::vector<absl::CivilDay> out = {first};
  const auto done = [&] { return rule.count && static_cast<int>(out.size()) >= *rule.count; };
  // Periods only move forward: the first day past a bound ends the rule. A
  // period can select nothing (the 31st of a short month): the horizon
  // still ends the loop.
  for (int64_t n = 0; !done() && PeriodStart(rule, first, n).year() < kRecurrenceEndYear; ++n) {
    for (const absl::CivilDay day : Period(rule, first, n)) {
      if (day <= first) continue;
      if (day.year() >= kRecurrenceEndYear || (last && day > *last)) return out;
      out.push_back(day);
      if (done()) break;
    }
  }
  return out;
}

}  // namespace slamon::config
