#include "daemon/engine/calendar.h"

#include <algorithm>

namespace slamon::engine {
namespace {

// How far a query walks before deciding the calendar is (nearly) never open.
constexpr int kMaxDays = 3660;

}  // namespace

std::vector<BusinessCalendar::Span> BusinessCalendar::SpansOf(absl::CivilDay day) const {
  auto holiday = hours_.holidays.find(day);
  const std::vector<OpenInterval>& intervals =
      holiday != hours_.holidays.end() ? holiday->second
                                       : hours_.weekly[static_cast<size_t>(absl::GetWeekday(day))];
  std::vector<Span> spans;
  spans.reserve(intervals.size());
  const absl::CivilSecond midnight(day);
  for (const OpenInterval& iv : intervals) {
    // Civil arithmetic, then the zone: an interval keeps its local clock times
    // across DST changes (a 00:00-24:00 day is 23 or 25 hours long then).
    spans.push_back({absl::FromCivil(midnight + absl::ToInt64Seconds(iv.start), hours_.zone),
                     absl::FromCivil(midnight + absl::ToInt64Seconds(iv.end), hours_.zone)});
  }
  return spans;
}

absl::Duration BusinessCalendar::BusinessTimeBetween(absl::Time from, absl::Time to) const {
  absl::Duration total = absl::ZeroDuration();
  if (to <= from) return total;
  const absl::CivilDay last = LocalDay(to);
  for (absl::CivilDay day = LocalDay(from); day <= last; ++day) {
    for (const Span& s : SpansOf(day)) {
      const absl::Time a = std::max(s.open, from), b = std::min(s.close, to);
      if (a < b) total += b - a;
    }
  }
  return total;
}

absl::Time BusinessCalendar::AddBusinessTime(absl::Time from, absl::Duration amount) const {
  if (amount <= absl::ZeroDuration()) return from;
  absl::CivilDay day = LocalDay(from);
  for (int i = 0; i < kMaxDays; ++i, ++day) {
    for (const Span& s : SpansOf(day)) {
      const absl::Time start = std::max(s.open, from);
      if (start >= s.close) continue;
      if (amount <= s.close - start) return start + amount;
      amount -= s.close - start;
    }
  }
  return absl::InfiniteFuture();
}

absl::Time BusinessCalendar::EndOfBusinessDays(absl::Time from, int n) const {
  absl::CivilDay day = LocalDay(from);
  for (int i = 0; i < kMaxDays; ++i) {
    ++day;
    const std::vector<Span> spans = SpansOf(day);
    if (!spans.empty() && --n <= 0) return spans.back().close;
  }
  return absl::InfiniteFuture();
}

}  // namespace slamon::engine
