#include "daemon/config/ics.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "daemon/config/ics_zone.h"
#include "daemon/config/recurrence.h"

namespace slamon::config {
namespace {

struct Property {
  int line = 0;
  std::string name;   // upper case
  std::string value;
  std::string value_type;  // the VALUE parameter, upper case
  std::string tzid;
};

// Unfolds continuation lines (RFC 5545 §3.1) and splits "NAME;P=V:VALUE".
std::vector<Property> Properties(absl::string_view text) {
  std::vector<Property> out;
  int line_number = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (!raw.empty() && (raw[0] == ' ' || raw[0] == '\t') && !out.empty()) {
      absl::StrAppend(&out.back().value, raw.substr(1));
      continue;
    }
    if (raw.empty()) continue;
    const size_t colon = raw.find(':');
    Property p;
    p.line = line_number;
    const absl::string_view head = colon == absl::string_view::npos ? raw : raw.substr(0, colon);
    if (colon != absl::string_view::npos) p.value = std::string(raw.substr(colon + 1));
    std::vector<absl::string_view> parts = absl::StrSplit(head, ';');
    p.name = absl::AsciiStrToUpper(parts[0]);
    for (size_t i = 1; i < parts.size(); ++i) {
      const size_t eq = parts[i].find('=');
      if (eq == absl::string_view::npos) continue;
      const std::string key = absl::AsciiStrToUpper(parts[i].substr(0, eq));
      std::string value(parts[i].substr(eq + 1));
      if (key == "VALUE") p.value_type = absl::AsciiStrToUpper(value);
      if (key == "TZID") p.tzid = std::string(absl::StripAsciiWhitespace(absl::StripPrefix(value, "/")));
    }
    out.push_back(std::move(p));
  }
  return out;
}

// The first property named `name` (upper case), or null.
const Property* Find(const std::vector<Property>& properties, absl::string_view name) {
  for (const Property& p : properties) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// A property value that is a keyword (VEVENT, CANCELLED...): case and
// surrounding blanks do not matter.
std::string Keyword(const Property& p) { return absl::AsciiStrToUpper(absl::StripAsciiWhitespace(p.value)); }

absl::Status LineError(int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", what));
}

bool ParseDay(absl::string_view s, absl::CivilDay* day) {
  int y, m, d;
  if (s.size() != 8 || !absl::SimpleAtoi(s.substr(0, 4), &y) || !absl::SimpleAtoi(s.substr(4, 2), &m) ||
      !absl::SimpleAtoi(s.substr(6, 2), &d)) {
    return false;
  }
  *day = absl::CivilDay(y, m, d);
  return day->year() == y && day->month() == m && day->day() == d;
}

// A DTSTART / DTEND (or EXDATE, RDATE, UNTIL...) value: a date, or an
// instant with the zone and local time it was written in.
struct When {
  int line = 0;  // of the property it was read from
  bool all_day = false;
  absl::CivilDay day;  // the date, or the instant's local day in `zone`
  absl::Time instant;
  IcsZone zone;
  absl::CivilSecond local;
};

// The zones date-times are read in: the calendar's own (for floating times)
// and those the file's VTIMEZONEs define, by TZID.
struct Zones {
  absl::TimeZone calendar;
  absl::flat_hash_map<std::string, IcsZone> defined;
};

absl::StatusOr<When> ParseWhen(const Property& p, absl::string_view value, const Zones& zones) {
  When w;
  w.line = p.line;
  absl::string_view v = absl::StripAsciiWhitespace(value);
  if (p.value_type == "DATE" || v.size() == 8) {
    if (!ParseDay(v, &w.day)) return LineError(p.line, absl::StrCat(p.name, ": '", v, "' is not a date like 20261225"));
    w.all_day = true;
    return w;
  }
  const bool utc = absl::ConsumeSuffix(&v, "Z");
  int h, mi, s;
  if (v.size() != 15 || v[8] != 'T' || !ParseDay(v.substr(0, 8), &w.day) || !absl::SimpleAtoi(v.substr(9, 2), &h) ||
      !absl::SimpleAtoi(v.substr(11, 2), &mi) || !absl::SimpleAtoi(v.substr(13, 2), &s) || h > 23 || mi > 59 ||
      s > 60) {
    return LineError(p.line, absl::StrCat(p.name, ": '", value, "' is not a date-time like 20261224T130000"));
  }
  absl::TimeZone iana = zones.calendar;
  if (utc) {
    w.zone = IcsZone(absl::UTCTimeZone());
  } else if (p.tzid.empty()) {
    w.zone = IcsZone(zones.calendar);
  } else if (absl::LoadTimeZone(p.tzid, &iana)) {
    w.zone = IcsZone(iana);
  } else if (const auto defined = zones.defined.find(p.tzid); defined != zones.defined.end()) {
    w.zone = defined->second;
  } else {
    return LineError(p.line, absl::StrCat(p.name, ": unknown TZID '", p.tzid,
                                          "' (neither an IANA name nor a VTIMEZONE of this file)"));
  }
  w.local = absl::CivilSecond(w.day.year(), w.day.month(), w.day.day(), h, mi, s);
  w.instant = w.zone.FromLocal(w.local);
  return w;
}
absl::StatusOr<When> ParseWhen(const Property& p, const Zones& zones) {
  return ParseWhen(p, p.value, zones);
}

// A DURATION value (RFC 5545 §3.3.6): nominal days (a week is 7; a day
// keeps the local time across a change of daylight saving time) and an
// exact time.
struct Length {
  int64_t days = 0;
  absl::Duration time;
};

absl::StatusOr<Length> ParseLength(const Property& p) {
  const auto bad = [&] {
    return LineError(p.line, absl::StrCat("DURATION: '", p.value, "' is not a duration like PT1H30M, P1D or P1W"));
  };
  absl::string_view v = absl::StripAsciiWhitespace(p.value);
  absl::ConsumePrefix(&v, "+");
  if (!absl::ConsumePrefix(&v, "P") || v.empty()) return bad();
  Length length;
  bool in_time = false;
  while (!v.empty()) {
    if (!in_time && absl::ConsumePrefix(&v, "T")) {
      in_time = true;
      if (v.empty()) return bad();
      continue;
    }
    size_t digits = 0;
    while (digits < v.size() && absl::ascii_isdigit(static_cast<unsigned char>(v[digits]))) ++digits;
    int64_t n = 0;
    if (digits == 0 || digits == v.size() || !absl::SimpleAtoi(v.substr(0, digits), &n) || n > 1'000'000) {
      return bad();
    }
    const char unit = v[digits];
    v.remove_prefix(digits + 1);
    if (!in_time && unit == 'W') {
      length.days += 7 * n;
    } else if (!in_time && unit == 'D') {
      length.days += n;
    } else if (in_time && unit == 'H') {
      length.time += absl::Hours(n);
    } else if (in_time && unit == 'M') {
      length.time += absl::Minutes(n);
    } else if (in_time && unit == 'S') {
      length.time += absl::Seconds(n);
    } else {
      return bad();
    }
  }
  return length;
}

// Every value of a list property (EXDATE, RDATE: commas, and the property
// may repeat), parsed.
absl::Status AppendWhens(const Property& p, const Zones& zones, std::vector<When>& out) {
  if (p.value_type == "PERIOD") return LineError(p.line, absl::StrCat(p.name, ": periods are not supported"));
  for (const absl::string_view value : absl::StrSplit(p.value, ',')) {
    absl::StatusOr<When> w = ParseWhen(p, value, zones);
    if (!w.ok()) return w.status();
    out.push_back(*w);
  }
  return absl::OkStatus();
}

// Occurrences of a recurring event left out: its EXDATEs, and the
// RECURRENCE-IDs of the events that replace single occurrences.
struct Exclusions {
  std::vector<absl::CivilDay> dates;
  std::vector<absl::Time> instants;
  std::vector<absl::CivilDay> instant_days;  // the instants' days in the calendar's zone

  void Add(const When& w, absl::TimeZone calendar_zone) {
    if (w.all_day) {
      dates.push_back(w.day);
    } else {
      instants.push_back(w.instant);
      instant_days.push_back(absl::CivilDay(calendar_zone.At(w.instant).cs));
    }
  }
  // An all-day occurrence starting on `day`.
  bool ExcludesDay(absl::CivilDay day) const {
    return absl::c_linear_search(dates, day) || absl::c_linear_search(instant_days, day);
  }
  // A timed occurrence starting at `start`, on `local_day` in its zone.
  bool ExcludesStart(absl::Time start, absl::CivilDay local_day) const {
    return absl::c_linear_search(instants, start) || absl::c_linear_search(dates, local_day);
  }
};

// What one file may close, in days or parts of days (~50 MB): a holiday file
// closes a few thousand, a daily closure until 2100 some 27,000. An event that
// lasts for years and recurs daily would close billions.
constexpr size_t kMaxClosures = 1'000'000;

// Appends a closure of the event whose DTSTART is at `line`, unless the file
// has closed kMaxClosures already.
absl::Status Close(const Closure& closure, int line, std::vector<Closure>& out) {
  if (out.size() >= kMaxClosures) {
    return LineError(line, absl::StrCat("the calendar closes more than ", kMaxClosures,
                                        " days or parts of days (an event that lasts long and recurs often?)"));
  }
  out.push_back(closure);
  return absl::OkStatus();
}

// Closes [from, to), one closure per local day of the calendar it touches.
absl::Status AddTimed(absl::Time from, absl::Time to, absl::TimeZone zone, int line, std::vector<Closure>& out) {
  const absl::CivilDay last = absl::CivilDay(zone.At(to - absl::Nanoseconds(1)).cs);
  for (absl::CivilDay d = absl::CivilDay(zone.At(from).cs); d <= last; ++d) {
    const absl::CivilSecond midnight(d);
    const absl::Time day_start = absl::FromCivil(midnight, zone);
    const absl::Time next = absl::FromCivil(absl::CivilSecond(d + 1), zone);
    const absl::Time a = std::max(from, day_start);
    const absl::Time b = std::min(to, next);
    const absl::Duration open_at = absl::Seconds(zone.At(a).cs - midnight);
    const absl::Duration close_at = b == next ? absl::Hours(24) : absl::Seconds(zone.At(b).cs - midnight);
    if (open_at == absl::ZeroDuration() && close_at == absl::Hours(24)) {
      SLAMON_RETURN_IF_ERROR(Close({d, std::nullopt}, line, out));
    } else if (open_at < close_at) {
      SLAMON_RETURN_IF_ERROR(Close({d, engine::OpenInterval{open_at, close_at}}, line, out));
    }
  }
  return absl::OkStatus();
}

// The last day an occurrence of a rule may start on, from its UNTIL: a
// date, or an instant (an occurrence starting later that day is past it).
absl::StatusOr<std::optional<absl::CivilDay>> LastDay(const Property& rrule, const RecurrenceRule& rule,
                                                      const When& start, const Zones& zones) {
  if (rule.until.empty()) return std::nullopt;
  absl::StatusOr<When> until = ParseWhen(Property{.line = rrule.line, .name = "RRULE UNTIL"}, rule.until,
                                         zones);
  if (!until.ok()) return until.status();
  if (until->all_day) return until->day;
  if (start.all_day) return absl::CivilDay(zones.calendar.At(until->instant).cs);
  const absl::CivilSecond local = start.zone.ToLocal(until->instant);
  const absl::CivilDay day(local);
  const bool before_start_time = local - absl::CivilSecond(day) < start.local - absl::CivilSecond(start.day);
  return before_start_time ? day - 1 : day;
}

// Adds the closures of one event, but for the occurrences `overridden`
// (replaced by events of their own) and its EXDATEs.
absl::Status AddEvent(const std::vector<Property>& event, int begin_line, const Zones& zones,
                      const Exclusions& overridden, std::vector<Closure>& out) {
  const Property* start = nullptr;
  const Property* end = nullptr;
  const Property* duration = nullptr;
  const Property* rrule = nullptr;
  Exclusions excluded = overridden;
  std::vector<When> added;  // RDATEs
  for (const Property& p : event) {
    if (p.name == "DTSTART") start = &p;
    if (p.name == "DTEND") end = &p;
    if (p.name == "DURATION") duration = &p;
    if (p.name == "RRULE") {
      if (rrule != nullptr) return LineError(p.line, "RRULE: more than one rule in an event is not supported");
      rrule = &p;
    }
    if (p.name == "RDATE") SLAMON_RETURN_IF_ERROR(AppendWhens(p, zones, added));
    if (p.name == "EXDATE") {
      std::vector<When> dates;
      SLAMON_RETURN_IF_ERROR(AppendWhens(p, zones, dates));
      for (const When& w : dates) excluded.Add(w, zones.calendar);
    }
    if (p.name == "STATUS" && Keyword(p) == "CANCELLED") {
      return absl::OkStatus();
    }
  }
  if (start == nullptr) return LineError(begin_line, "VEVENT without DTSTART");
  if (end != nullptr && duration != nullptr) {
    return LineError(duration->line, "DURATION: an event has DTEND or DURATION, not both");
  }
  std::optional<Length> length;
  if (duration != nullptr) {
    SLAMON_ASSIGN_OR_RETURN(length, ParseLength(*duration));
  }
  absl::StatusOr<When> from = ParseWhen(*start, zones);
  if (!from.ok()) return from.status();
  std::vector<absl::CivilDay> days = {from->day};
  if (rrule != nullptr) {
    absl::StatusOr<RecurrenceRule> rule = ParseRecurrenceRule(rrule->value);
    if (!rule.ok()) return LineError(rrule->line, absl::StrCat("RRULE: ", rule.status().message()));
    absl::StatusOr<std::optional<absl::CivilDay>> last = LastDay(*rrule, *rule, *from, zones);
    if (!last.ok()) return last.status();
    days = RecurrenceDays(*rule, from->day, *last);
  }
  if (from->all_day) {
    absl::CivilDay until = from->day + 1;  // DTEND of a date is exclusive; none means one day
    if (end != nullptr) {
      absl::StatusOr<When> to = ParseWhen(*end, zones);
      if (!to.ok()) return to.status();
      if (!to->all_day) return LineError(end->line, "DTEND: a date-time ends an all-day DTSTART");
      until = to->day;
    }
    if (length) {
      if (length->time != absl::ZeroDuration()) {
        return LineError(duration->line, "DURATION: an all-day event lasts whole days (P1D, P1W)");
      }
      until = from->day + length->days;
    }
    if (until <= from->day) return LineError(start->line, "the event ends before it starts");
    for (const When& w : added) {
      if (!w.all_day) return LineError(w.line, "RDATE: a date-time in an all-day event");
      days.push_back(w.day);
    }
    for (const absl::CivilDay first : days) {
      if (excluded.ExcludesDay(first)) continue;
      for (absl::CivilDay d = first; d < first + (until - from->day); ++d) {
        SLAMON_RETURN_IF_ERROR(Close({d, std::nullopt}, start->line, out));
      }
    }
    return absl::OkStatus();
  }
  absl::Time to;
  if (length) {
    to = from->zone.FromLocal(from->local + length->days * 86'400) + length->time;
  } else if (end != nullptr) {
    absl::StatusOr<When> end_when = ParseWhen(*end, zones);
    if (!end_when.ok()) return end_when.status();
    if (end_when->all_day) return LineError(end->line, "DTEND: a date ends a date-time DTSTART");
    to = end_when->instant;
  } else {
    return absl::OkStatus();  // a timed event without an end takes no time
  }
  if (to <= from->instant) return LineError(start->line, "the event ends before it starts");
  const absl::Duration lasts = to - from->instant;
  // Each occurrence starts at DTSTART's local time in DTSTART's zone (so
  // across a change of daylight saving time too).
  const absl::civil_diff_t into_day = from->local - absl::CivilSecond(from->day);
  std::vector<absl::Time> starts;
  for (const absl::CivilDay d : days) starts.push_back(from->zone.FromLocal(absl::CivilSecond(d) + into_day));
  for (const When& w : added) {
    if (w.all_day) return LineError(w.line, "RDATE: a date in an event with a start time");
    starts.push_back(w.instant);
  }
  for (const absl::Time t : starts) {
    if (excluded.ExcludesStart(t, absl::CivilDay(from->zone.ToLocal(t)))) continue;
    SLAMON_RETURN_IF_ERROR(AddTimed(t, t + lasts, zones.calendar, start->line, out));
  }
  return absl::OkStatus();
}

// A UTC offset (RFC 5545 §3.3.14): "+0100", "-0500", "+053000".
absl::StatusOr<absl::Duration> ParseOffset(const Property& p) {
  const absl::string_view v = absl::StripAsciiWhitespace(p.value);
  const bool digits = (v.size() == 5 || v.size() == 7) && absl::c_all_of(v.substr(1), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
  int h = 0, m = 0, sec = 0;
  if (!digits || (v[0] != '+' && v[0] != '-') || !absl::SimpleAtoi(v.substr(1, 2), &h) ||
      !absl::SimpleAtoi(v.substr(3, 2), &m) || (v.size() == 7 && !absl::SimpleAtoi(v.substr(5, 2), &sec)) ||
      h > 23 || m > 59 || sec > 59) {
    return LineError(p.line, absl::StrCat(p.name, ": '", p.value, "' is not a UTC offset like +0100 or -0500"));
  }
  const absl::Duration offset = absl::Hours(h) + absl::Minutes(m) + absl::Seconds(sec);
  return v[0] == '-' ? -offset : offset;
}

// A STANDARD or DAYLIGHT block of a VTIMEZONE.
struct Observance {
  int line = 0;
  std::string kind;  // STANDARD or DAYLIGHT
  std::vector<Property> properties;
};

// The offset changes of one observance: at DTSTART and each onset its RRULE
// and RDATEs give (local times in TZOFFSETFROM), to TZOFFSETTO. `from`: the
// offset before its first onset.
absl::Status AddOnsets(const Observance& o, std::vector<IcsZone::Transition>& out, absl::Duration* from) {
  const Zones local{.calendar = absl::UTCTimeZone(), .defined = {}};  // onsets are floating local times
  const Property* start = Find(o.properties, "DTSTART");
  const Property* offset_from = Find(o.properties, "TZOFFSETFROM");
  const Property* offset_to = Find(o.properties, "TZOFFSETTO");
  for (const auto& [property, name] : {std::pair{start, "DTSTART"}, std::pair{offset_from, "TZOFFSETFROM"},
                                       std::pair{offset_to, "TZOFFSETTO"}}) {
    if (property == nullptr) return LineError(o.line, absl::StrCat("a VTIMEZONE observance without ", name));
  }
  absl::StatusOr<When> first = ParseWhen(*start, local);
  if (!first.ok()) return first.status();
  if (first->all_day) return LineError(start->line, "DTSTART: a VTIMEZONE onset is a local date-time");
  SLAMON_ASSIGN_OR_RETURN(*from, ParseOffset(*offset_from));
  SLAMON_ASSIGN_OR_RETURN(const absl::Duration to, ParseOffset(*offset_to));
  // Local onset times read as UTC; less the offset before the change.
  std::vector<absl::Time> onsets = {first->instant};
  absl::Time until = absl::InfiniteFuture();
  for (const Property& p : o.properties) {
    if (p.name == "RDATE") {
      std::vector<When> dates;
      SLAMON_RETURN_IF_ERROR(AppendWhens(p, local, dates));
      for (const When& w : dates) {
        if (w.all_day) return LineError(p.line, "RDATE: a VTIMEZONE onset is a local date-time");
        onsets.push_back(w.instant);
      }
    }
    if (p.name != "RRULE") continue;
    absl::StatusOr<RecurrenceRule> rule = ParseRecurrenceRule(p.value);
    if (!rule.ok()) return LineError(p.line, absl::StrCat("RRULE: ", rule.status().message()));
    std::optional<absl::CivilDay> last;
    if (!rule->until.empty()) {
      // UNTIL is an instant in UTC (or a local date): as a local time read
      // as UTC, like the onsets, it bounds them.
      absl::StatusOr<When> w = ParseWhen(Property{.line = p.line, .name = "RRULE UNTIL"}, rule->until, local);
      if (!w.ok()) return w.status();
      until = w->all_day ? absl::FromCivil(absl::CivilSecond(w->day + 1), absl::UTCTimeZone()) - absl::Nanoseconds(1)
                         : w->instant + *from;
      last = absl::CivilDay(absl::UTCTimeZone().At(until).cs);
    }
    const absl::civil_diff_t into_day = first->local - absl::CivilSecond(first->day);
    for (const absl::CivilDay d : RecurrenceDays(*rule, first->day, last)) {
      onsets.push_back(absl::FromCivil(absl::CivilSecond(d) + into_day, absl::UTCTimeZone()));
    }
  }
  for (const absl::Time local_onset : onsets) {
    if (local_onset <= until) out.push_back({local_onset - *from, to});
  }
  return absl::OkStatus();
}

// The zone the VTIMEZONE at `line` defines: before its first onset, that
// onset's TZOFFSETFROM.
absl::StatusOr<IcsZone> DefinedZone(int line, const std::vector<Observance>& observances) {
  std::vector<IcsZone::Transition> transitions;
  absl::Time earliest = absl::InfiniteFuture();
  absl::Duration before;
  for (const Observance& o : observances) {
    const size_t had = transitions.size();
    absl::Duration from;
    SLAMON_RETURN_IF_ERROR(AddOnsets(o, transitions, &from));
    for (size_t i = had; i < transitions.size(); ++i) {
      if (transitions[i].at < earliest) {
        earliest = transitions[i].at;
        before = from;
      }
    }
  }
  if (transitions.empty()) return LineError(line, "VTIMEZONE without an onset (each UNTIL is before its DTSTART)");
  return IcsZone(before, std::move(transitions));
}

}  // namespace

absl::StatusOr<std::vector<Closure>> ParseIcsClosures(absl::string_view text, absl::TimeZone zone) {
  const std::vector<Property> properties = Properties(text);
  if (properties.empty() || properties[0].name != "BEGIN" ||
      Keyword(properties[0]) != "VCALENDAR") {
    return absl::InvalidArgumentError("not an iCalendar file (it must begin with BEGIN:VCALENDAR)");
  }
  struct Event {
    int line = 0;
    std::vector<Property> properties;
  };
  std::vector<Event> events;
  Zones zones{.calendar = zone, .defined = {}};
  bool in_event = false;
  // A VTIMEZONE being read: its own properties (TZID), and its observances.
  std::optional<Event> defining;
  std::vector<Observance> observances;
  bool in_observance = false;
  for (const Property& p : properties) {
    const std::string value = Keyword(p);
    if (defining) {
      const bool observance = value == "STANDARD" || value == "DAYLIGHT";
      if (in_observance && ((p.name == "END" && value == "VTIMEZONE") || (p.name == "BEGIN" && observance))) {
        // Its properties would go to the wrong block (or to none).
        const Observance& open = observances.back();
        return LineError(open.line, absl::StrCat(open.kind, " without END:", open.kind));
      }
      if (p.name == "END" && value == "VTIMEZONE") {
        const Property* tzid = Find(defining->properties, "TZID");
        if (tzid == nullptr) return LineError(defining->line, "VTIMEZONE without TZID");
        if (observances.empty()) return LineError(defining->line, "VTIMEZONE without STANDARD or DAYLIGHT");
        absl::StatusOr<IcsZone> defined = DefinedZone(defining->line, observances);
        if (!defined.ok()) return defined.status();
        zones.defined.insert_or_assign(std::string(absl::StripAsciiWhitespace(tzid->value)), *std::move(defined));
        defining.reset();
        observances.clear();
      } else if (p.name == "BEGIN" && observance) {
        observances.push_back({.line = p.line, .kind = value});
        in_observance = true;
      } else if (p.name == "END" && observance) {
        in_observance = false;
      } else {
        (in_observance ? observances.back().properties : defining->properties).push_back(p);
      }
      continue;
    }
    if (p.name == "BEGIN" && value == "VTIMEZONE") {
      defining = Event{.line = p.line};
    } else if (p.name == "BEGIN" && value == "VEVENT") {
      if (in_event) return LineError(p.line, "BEGIN:VEVENT inside another VEVENT");
      in_event = true;
      events.push_back({.line = p.line});
    } else if (p.name == "END" && value == "VEVENT") {
      if (!in_event) return LineError(p.line, "END:VEVENT without BEGIN:VEVENT");
      in_event = false;
    } else if (in_event) {
      events.back().properties.push_back(p);
    }
  }
  if (in_event) return LineError(events.back().line, "VEVENT without END:VEVENT");
  if (defining) return LineError(defining->line, "VTIMEZONE without END:VTIMEZONE");
  // An event with a RECURRENCE-ID replaces (or, cancelled, removes) that
  // occurrence of the recurring event with its UID.
  absl::flat_hash_map<std::string, Exclusions> replaced;
  for (const Event& e : events) {
    const Property* recurrence_id = Find(e.properties, "RECURRENCE-ID");
    if (recurrence_id == nullptr) continue;
    const Property* uid = Find(e.properties, "UID");
    if (uid == nullptr) return LineError(recurrence_id->line, "RECURRENCE-ID in an event without UID");
    absl::StatusOr<When> occurrence = ParseWhen(*recurrence_id, zones);
    if (!occurrence.ok()) return occurrence.status();
    replaced[absl::StripAsciiWhitespace(uid->value)].Add(*occurrence, zone);
  }
  std::vector<Closure> out;
  const Exclusions none;
  for (const Event& e : events) {
    const Property* uid = Find(e.properties, "UID");
    const bool recurring = uid != nullptr && Find(e.properties, "RECURRENCE-ID") == nullptr;
    const auto it = recurring ? replaced.find(absl::StripAsciiWhitespace(uid->value)) : replaced.end();
    SLAMON_RETURN_IF_ERROR(AddEvent(e.properties, e.line, zones, it == replaced.end() ? none : it->second, out));
  }
  return out;
}

std::vector<engine::OpenInterval> Subtract(const std::vector<engine::OpenInterval>& open,
                                           const engine::OpenInterval& closed) {
  std::vector<engine::OpenInterval> out;
  for (const engine::OpenInterval& i : open) {
    if (closed.end <= i.start || closed.start >= i.end) {
      out.push_back(i);
      continue;
    }
    if (i.start < closed.start) out.push_back({i.start, closed.start});
    if (closed.end < i.end) out.push_back({closed.end, i.end});
  }
  return out;
}

}  // namespace slamon::config
