#include "daemon/config/ics.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

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

// A DTSTART / DTEND value: a date, or an instant.
struct When {
  bool all_day = false;
  absl::CivilDay day;
  absl::Time instant;
};

absl::StatusOr<When> ParseWhen(const Property& p, absl::TimeZone calendar_zone) {
  When w;
  absl::string_view v = absl::StripAsciiWhitespace(p.value);
  if (p.value_type == "DATE" || v.size() == 8) {
    if (!ParseDay(v, &w.day)) return LineError(p.line, absl::StrCat(p.name, ": '", v, "' is not a date like 20261225"));
    w.all_day = true;
    return w;
  }
  const bool utc = absl::ConsumeSuffix(&v, "Z");
  int h, mi, s;
  if (v.size() != 15 || v[8] != 'T' || !ParseDay(v.substr(0, 8), &w.day) || !absl::SimpleAtoi(v.substr(9, 2), &h) ||
      !absl::SimpleAtoi(v.substr(11, 2), &mi) || !absl::SimpleAtoi(v.substr(13, 2), &s) || h > 23 || mi > 59 || s > 60) {
    return LineError(p.line, absl::StrCat(p.name, ": '", p.value, "' is not a date-time like 20261224T130000"));
  }
  absl::TimeZone zone = calendar_zone;
  if (utc) {
    zone = absl::UTCTimeZone();
  } else if (!p.tzid.empty() && !absl::LoadTimeZone(p.tzid, &zone)) {
    return LineError(p.line, absl::StrCat(p.name, ": unknown TZID '", p.tzid, "' (IANA name expected)"));
  }
  w.instant = absl::FromCivil(absl::CivilSecond(w.day.year(), w.day.month(), w.day.day(), h, mi, s), zone);
  return w;
}

// Adds the closures of one event.
absl::Status AddEvent(const std::vector<Property>& event, int begin_line, absl::TimeZone zone,
                      std::vector<Closure>& out) {
  const Property* start = nullptr;
  const Property* end = nullptr;
  for (const Property& p : event) {
    if (p.name == "DTSTART") start = &p;
    if (p.name == "DTEND") end = &p;
    if (p.name == "RRULE" || p.name == "RDATE") {
      return LineError(p.line, absl::StrCat(p.name, ": recurring events are not supported; export each occurrence"));
    }
    if (p.name == "STATUS" && Keyword(p) == "CANCELLED") {
      return absl::OkStatus();
    }
  }
  if (start == nullptr) return LineError(begin_line, "VEVENT without DTSTART");
  absl::StatusOr<When> from = ParseWhen(*start, zone);
  if (!from.ok()) return from.status();
  if (from->all_day) {
    absl::CivilDay last = from->day + 1;  // DTEND of a date is exclusive; none means one day
    if (end != nullptr) {
      absl::StatusOr<When> to = ParseWhen(*end, zone);
      if (!to.ok()) return to.status();
      if (!to->all_day) return LineError(end->line, "DTEND: a date-time ends an all-day DTSTART");
      last = to->day;
    }
    if (last <= from->day) return LineError(start->line, "the event ends before it starts");
    for (absl::CivilDay d = from->day; d < last; ++d) out.push_back({d, std::nullopt});
    return absl::OkStatus();
  }
  if (end == nullptr) return absl::OkStatus();  // a timed event without an end takes no time
  absl::StatusOr<When> to = ParseWhen(*end, zone);
  if (!to.ok()) return to.status();
  if (to->all_day) return LineError(end->line, "DTEND: a date ends a date-time DTSTART");
  if (to->instant <= from->instant) return LineError(start->line, "the event ends before it starts");
  // One closure per local day of the calendar touched by [from, to).
  const absl::CivilDay last = absl::CivilDay(zone.At(to->instant - absl::Nanoseconds(1)).cs);
  for (absl::CivilDay d = absl::CivilDay(zone.At(from->instant).cs); d <= last; ++d) {
    const absl::CivilSecond midnight(d);
    const absl::Time day_start = absl::FromCivil(midnight, zone);
    const absl::Time next = absl::FromCivil(absl::CivilSecond(d + 1), zone);
    const absl::Time a = std::max(from->instant, day_start);
    const absl::Time b = std::min(to->instant, next);
    const absl::Duration open_at = absl::Seconds(zone.At(a).cs - midnight);
    const absl::Duration close_at = b == next ? absl::Hours(24) : absl::Seconds(zone.At(b).cs - midnight);
    if (open_at == absl::ZeroDuration() && close_at == absl::Hours(24)) {
      out.push_back({d, std::nullopt});
    } else if (open_at < close_at) {
      out.push_back({d, engine::OpenInterval{open_at, close_at}});
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<Closure>> ParseIcsClosures(absl::string_view text, absl::TimeZone zone) {
  const std::vector<Property> properties = Properties(text);
  if (properties.empty() || properties[0].name != "BEGIN" ||
      Keyword(properties[0]) != "VCALENDAR") {
    return absl::InvalidArgumentError("not an iCalendar file (it must begin with BEGIN:VCALENDAR)");
  }
  std::vector<Closure> out;
  std::vector<Property> event;
  int event_line = 0;
  for (const Property& p : properties) {
    const std::string value = Keyword(p);
    if (p.name == "BEGIN" && value == "VEVENT") {
      if (event_line != 0) return LineError(p.line, "BEGIN:VEVENT inside another VEVENT");
      event_line = p.line;
      event.clear();
    } else if (p.name == "END" && value == "VEVENT") {
      if (event_line == 0) return LineError(p.line, "END:VEVENT without BEGIN:VEVENT");
      if (absl::Status s = AddEvent(event, event_line, zone, out); !s.ok()) return s;
      event_line = 0;
    } else if (event_line != 0) {
      event.push_back(p);
    }
  }
  if (event_line != 0) return LineError(event_line, "VEVENT without END:VEVENT");
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
