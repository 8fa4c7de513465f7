#include "daemon/config/config.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/duration.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "daemon/config/ics.h"
#include "yaml-cpp/yaml.h"

namespace slamon::config {
namespace {

using engine::Objective;
using engine::ObjectiveKind;
using engine::Policy;

// Reads one YAML document, turning every problem into an error that names
// file, line and dotted key path.
class Reader {
 public:
  Reader(std::string filename, FileReader read, std::map<std::string, std::string>* included)
      : filename_(std::move(filename)), read_(std::move(read)), included_(included) {}

  // A file the config names, recorded in Config::included_files.
  absl::StatusOr<std::string> Include(const YAML::Node& node, absl::string_view path, const std::string& file) const {
    absl::StatusOr<std::string> text = read_(file);
    if (!text.ok()) return Error(node, path, text.status().message());
    (*included_)[file] = *text;
    return text;
  }

  absl::Status Error(const YAML::Node& node, absl::string_view path, absl::string_view what) const {
    const int line = node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
    return absl::InvalidArgumentError(
        line > 0 ? absl::StrCat(filename_, ":", line, ": ", path, ": ", what)
                 : absl::StrCat(filename_, ": ", path, ": ", what));
  }

  // Rejects keys of a map outside `allowed`: a typo must not pass silently.
  absl::Status OnlyKeys(const YAML::Node& map, absl::string_view path,
                        std::initializer_list<absl::string_view> allowed) const {
    if (!map.IsMap()) return Error(map, path, "expected a mapping");
    for (const auto& kv : map) {
      const std::string key = kv.first.as<std::string>();
      bool ok = false;
      for (absl::string_view a : allowed) ok = ok || a == key;
      if (!ok) {
        return Error(kv.first, Join(path, key),
                     absl::StrCat("unknown key (expected one of: ", absl::StrJoin(allowed, ", "), ")"));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Scalar(const YAML::Node& node, absl::string_view path) const {
    if (!node.IsScalar()) return Error(node, path, "expected a single value");
    return node.Scalar();
  }

  absl::StatusOr<absl::Duration> Duration(const YAML::Node& node, absl::string_view path) const {
    absl::StatusOr<std::string> text = Scalar(node, path);
    if (!text.ok()) return text.status();
    absl::StatusOr<absl::Duration> d = ParseHumanDuration(*text);
    if (!d.ok()) return Error(node, path, d.status().message());
    return *d;
  }

  absl::StatusOr<double> Number(const YAML::Node& node, absl::string_view path, double lo,
                                double hi) const {
    absl::StatusOr<std::string> text = Scalar(node, path);
    if (!text.ok()) return text.status();
    double v = 0;
    if (!absl::SimpleAtod(*text, &v) || v < lo || v > hi) {
      return Error(node, path, absl::StrCat("expected a number from ", lo, " to ", hi));
    }
    return v;
  }

  // A scalar or a list of scalars.
  absl::StatusOr<std::vector<std::string>> Strings(const YAML::Node& node,
                                                   absl::string_view path) const {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.Scalar());
      return out;
    }
    if (!node.IsSequence()) return Error(node, path, "expected a value or a list of values");
    for (size_t i = 0; i < node.size(); ++i) {
      absl::StatusOr<std::string> s = Scalar(node[i], absl::StrCat(path, "[", i, "]"));
      if (!s.ok()) return s.status();
      out.push_back(*s);
    }
    return out;
  }

  static std::string Join(absl::string_view path, absl::string_view key) {
    return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
  }

 private:
  std::string filename_;
  FileReader read_;
  std::map<std::string, std::string>* included_;
};

absl::StatusOr<engine::OpenInterval> ParseOpenInterval(
    const Reader& r, const YAML::Node& node, absl::string_view path) {
  std::string text;
  SLAMON_ASSIGN_OR_RETURN(text, r.Scalar(node, path));
  std::vector<std::string> parts = absl::StrSplit(text, '-');
  absl::Time a, b;
  std::string err;
  if (parts.size() != 2 || !absl::ParseTime("%H:%M", parts[0], absl::UTCTimeZone(), &a, &err) ||
      !absl::ParseTime("%H:%M", parts[1], absl::UTCTimeZone(), &b, &err)) {
    return r.Error(node, path, absl::StrCat("'", text, "' is not an interval like 09:00-17:00"));
  }
  const absl::Duration start = a - absl::UnixEpoch();
  absl::Duration end = b - absl::UnixEpoch();
  if (end == absl::ZeroDuration()) end = absl::Hours(24);  // "18:00-00:00" runs to midnight
  if (end <= start) return r.Error(node, path, absl::StrCat("'", text, "' ends before it starts"));
  return engine::OpenInterval{start, end};
}

// A day's open intervals, in order and not overlapping (the calendar relies on it).
absl::StatusOr<std::vector<engine::OpenInterval>> ParseIntervals(const Reader& r, const YAML::Node& node,
                                                                 absl::string_view path) {
  if (!node.IsSequence()) {
    return r.Error(node, path, "expected a list of intervals like [\"09:00-17:00\"]");
  }
  std::vector<engine::OpenInterval> out;
  for (size_t i = 0; i < node.size(); ++i) {
    engine::OpenInterval iv;
    SLAMON_ASSIGN_OR_RETURN(iv, ParseOpenInterval(r, node[i], absl::StrCat(path, "[", i, "]")));
    if (!out.empty() && iv.start < out.back().end) {
      return r.Error(node[i], absl::StrCat(path, "[", i, "]"),
                     "intervals must be in order and must not overlap");
    }
    out.push_back(iv);
  }
  return out;
}

// Monday is 0, as in BusinessHours::weekly.
int WeekdayIndex(absl::CivilDay day) { return static_cast<int>(absl::GetWeekday(day)); }

absl::StatusOr<int> ParseWeekday(absl::string_view name) {
  static constexpr absl::string_view kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  for (int i = 0; i < 7; ++i) {
    if (kDays[i] == name) return i;
  }
  return absl::InvalidArgumentError(absl::StrCat("'", name, "' is not a weekday (mon..sun)"));
}

absl::StatusOr<engine::BusinessCalendar> ParseCalendar(const Reader& r, const YAML::Node& node,
                                                       const std::string& path) {
  SLAMON_RETURN_IF_ERROR(r.OnlyKeys(node, path, {"time_zone", "hours", "holidays", "holidays_ics"}));
  engine::BusinessHours cal;
  std::string zone;
  SLAMON_ASSIGN_OR_RETURN(zone, r.Scalar(node["time_zone"], path + ".time_zone"));
  if (!absl::LoadTimeZone(zone, &cal.zone)) {
    return r.Error(node["time_zone"], path + ".time_zone",
                   absl::StrCat("unknown time zone '", zone, "' (IANA name expected)"));
  }
  const YAML::Node hours = node["hours"];
  if (!hours.IsMap()) return r.Error(node, path + ".hours", "expected a mapping like {mon-fri: [\"09:00-17:00\"]}");
  for (const auto& kv : hours) {
    const std::string days = kv.first.as<std::string>();
    const std::string key_path = absl::StrCat(path, ".hours.", days);
    std::vector<std::string> range = absl::StrSplit(days, '-');
    absl::StatusOr<int> first = ParseWeekday(range[0]);
    absl::StatusOr<int> last = range.size() == 2 ? ParseWeekday(range[1]) : first;
    if (range.size() > 2 || !first.ok() || !last.ok() || *last < *first) {
      return r.Error(kv.first, key_path, "expected a weekday or a range like mon-fri");
    }
    std::vector<engine::OpenInterval> intervals;
    SLAMON_ASSIGN_OR_RETURN(intervals, ParseIntervals(r, kv.second, key_path));
    for (int d = *first; d <= *last; ++d) cal.weekly[static_cast<size_t>(d)] = intervals;
  }
  const YAML::Node holidays = node["holidays"];
  if (holidays.IsDefined()) {
    if (!holidays.IsSequence()) return r.Error(holidays, path + ".holidays", "expected a list");
    for (size_t i = 0; i < holidays.size(); ++i) {
      const std::string hpath = absl::StrCat(path, ".holidays[", i, "]");
      const YAML::Node h = holidays[i];
      std::vector<engine::OpenInterval> open;  // empty: closed all day
      const YAML::Node date = h.IsMap() ? h["date"] : h;
      if (h.IsMap()) {
        SLAMON_RETURN_IF_ERROR(r.OnlyKeys(h, hpath, {"date", "hours"}));
        SLAMON_ASSIGN_OR_RETURN(open, ParseIntervals(r, h["hours"], hpath + ".hours"));
      }
      std::string text;
      SLAMON_ASSIGN_OR_RETURN(text, r.Scalar(date, hpath));
      absl::CivilDay day;
      if (!absl::ParseCivilTime(text, &day)) {
        return r.Error(date, hpath, absl::StrCat("'", text, "' is not a date like 2026-12-25"));
      }
      cal.holidays[day] = std::move(open);
    }
  }
  if (const YAML::Node ics = node["holidays_ics"]; ics.IsDefined()) {
    std::string file;
    SLAMON_ASSIGN_OR_RETURN(file, r.Scalar(ics, path + ".holidays_ics"));
    std::string text;
    SLAMON_ASSIGN_OR_RETURN(text, r.Include(ics, path + ".holidays_ics", file));
    absl::StatusOr<std::vector<Closure>> closures = ParseIcsClosures(text, cal.zone);
    if (!closures.ok()) return r.Error(ics, path + ".holidays_ics", absl::StrCat(file, ": ", closures.status().message()));
    for (const Closure& c : *closures) {
      // A partial closure takes its time out of the day's hours (a holiday's
      // listed hours, or the weekday's).
      auto [it, added] = cal.holidays.try_emplace(c.day);
      if (added) it->second = cal.weekly[static_cast<size_t>(WeekdayIndex(c.day))];
      it->second = c.closed ? Subtract(it->second, *c.closed) : std::vector<engine::OpenInterval>{};
    }
  }
  return engine::BusinessCalendar(std::move(cal));
}

// "20s", "4h", "3 rings" (with ring), "5bd" (business days).
absl::Status ParseThreshold(const Reader& r, const YAML::Node& node, const std::string& path,
                            Objective& objective) {
  std::string text;
  SLAMON_ASSIGN_OR_RETURN(text, r.Scalar(node["threshold"], path + ".threshold"));
  absl::string_view t = absl::StripAsciiWhitespace(text);
  if (absl::ConsumeSuffix(&t, "rings") || absl::ConsumeSuffix(&t, "ring")) {
    double rings = 0;
    if (!absl::SimpleAtod(absl::StripAsciiWhitespace(t), &rings) || rings <= 0) {
      return r.Error(node["threshold"], path + ".threshold", "expected e.g. '3 rings'");
    }
    if (!node["ring"].IsDefined()) {
      return r.Error(node["threshold"], path + ".ring", "a threshold in rings needs 'ring' (the length of one ring, e.g. 6s)");
    }
    absl::Duration ring;
    SLAMON_ASSIGN_OR_RETURN(ring, r.Duration(node["ring"], path + ".ring"));
    objective.threshold = rings * ring;
    return absl::OkStatus();
  }
  if (absl::ConsumeSuffix(&t, "bd")) {
    if (objective.calendar == nullptr) {
      return r.Error(node["threshold"], path + ".threshold",
                     "a threshold in business days ('bd') needs a business calendar as 'basis'");
    }
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(t), &objective.business_days) ||
        objective.business_days < 1) {
      return r.Error(node["threshold"], path + ".threshold", "expected a whole number of business days, e.g. 5bd");
    }
    return absl::OkStatus();
  }
  SLAMON_ASSIGN_OR_RETURN(objective.threshold, r.Duration(node["threshold"], path + ".threshold"));
  if (objective.threshold <= absl::ZeroDuration()) {
    return r.Error(node["threshold"], path + ".threshold", "must be greater than zero");
  }
  return absl::OkStatus();
}

absl::StatusOr<Objective> ParseObjective(const Reader& r, const YAML::Node& node,
                                         ObjectiveKind kind, const std::string& path,
                                         const Calendars& calendars) {
  if (absl::Status s = r.OnlyKeys(node, path, {"threshold", "ring", "basis", "goal", "short_abandon",
                                               "give_up_after", "formula", "warn_at", "pausable"});
      !s.ok()) {
    return s;
  }
  Objective o;
  o.kind = kind;
  if (node["basis"].IsDefined()) {  // before the threshold, whose units depend on it
    SLAMON_ASSIGN_OR_RETURN(o.basis, r.Scalar(node["basis"], path + ".basis"));
    if (o.basis != "calendar") {
      auto it = calendars.find(o.basis);
      if (it == calendars.end()) {
        return r.Error(node["basis"], path + ".basis",
                       absl::StrCat("no calendar named '", o.basis, "' (define it under calendars)"));
      }
      o.calendar = it->second;
    }
  }
  if (!node["threshold"].IsDefined()) return r.Error(node, path + ".threshold", "is required");
  SLAMON_RETURN_IF_ERROR(ParseThreshold(r, node, path, o));
  if (node["goal"].IsDefined()) {
    SLAMON_ASSIGN_OR_RETURN(o.goal, r.Number(node["goal"], path + ".goal", 0, 1));
  }
  if (node["short_abandon"].IsDefined()) {
    SLAMON_ASSIGN_OR_RETURN(o.short_abandon, r.Duration(node["short_abandon"], path + ".short_abandon"));
  }
  if (const YAML::Node give_up = node["give_up_after"]; give_up.IsDefined()) {
    const std::string key = path + ".give_up_after";
    if (kind != ObjectiveKind::kAnswer) {
      return r.Error(give_up, key, "applies to the answer objective only (a contact's wait in a queue)");
    }
    SLAMON_ASSIGN_OR_RETURN(o.give_up_after, r.Duration(give_up, key));
    // A wait is given up on once it has breached: a shorter limit would
    // only be a second name for the threshold (compared in calendar time).
    if (o.give_up_after <= (o.calendar == nullptr ? o.threshold : absl::ZeroDuration())) {
      return r.Error(give_up, key,
                     o.calendar == nullptr ? "must be longer than the threshold" : "must be greater than zero");
    }
  }
  if (node["formula"].IsDefined()) {
    std::string name;
    SLAMON_ASSIGN_OR_RETURN(name, r.Scalar(node["formula"], path + ".formula"));
    std::optional<engine::Formula> f = engine::FormulaFromName(name);
    if (!f) {
      return r.Error(node["formula"], path + ".formula",
                     absl::StrCat("unknown formula '", name, "' (answered_only, abandons_negative, "
                                  "abandons_in, short_abandons_excluded, abandons_positive, removed_within)"));
    }
    o.formula = *f;
  }
  if (node["warn_at"].IsDefined()) {
    std::string text;
    SLAMON_ASSIGN_OR_RETURN(text, r.Scalar(node["warn_at"], path + ".warn_at"));
    double fraction = 0;
    if (absl::SimpleAtod(text, &fraction)) {
      if (fraction <= 0 || fraction >= 1) {
        return r.Error(node["warn_at"], path + ".warn_at",
                       "a fraction of the threshold must be between 0 and 1 (or give a duration before it, e.g. 5m)");
      }
      o.warn.fraction = fraction;
    } else {
      SLAMON_ASSIGN_OR_RETURN(o.warn.before, r.Duration(node["warn_at"], path + ".warn_at"));
    }
  }
  if (node["pausable"].IsDefined()) {
    std::string text;
    SLAMON_ASSIGN_OR_RETURN(text, r.Scalar(node["pausable"], path + ".pausable"));
    if (!absl::SimpleAtob(text, &o.pausable)) {
      return r.Error(node["pausable"], path + ".pausable", "expected true or false");
    }
  }
  return o;
}

absl::StatusOr<Policy> ParsePolicy(const Reader& r, const YAML::Node& node, const std::string& path,
                                   const Config& config, absl::TimeZone default_zone) {
  if (absl::Status s = r.OnlyKeys(node, path, {"name", "match", "objectives", "time_zone"}); !s.ok()) {
    return s;
  }
  Policy p;
  p.time_zone = default_zone;
  SLAMON_ASSIGN_OR_RETURN(p.name, r.Scalar(node["name"], path + ".name"));
  for (const Policy& other : config.policies) {
    if (other.name == p.name) return r.Error(node["name"], path + ".name", "duplicate policy name");
  }
  if (node["time_zone"].IsDefined()) {
    std::string zone;
    SLAMON_ASSIGN_OR_RETURN(zone, r.Scalar(node["time_zone"], path + ".time_zone"));
    if (!absl::LoadTimeZone(zone, &p.time_zone)) {
      return r.Error(node["time_zone"], path + ".time_zone", absl::StrCat("unknown time zone '", zone, "'"));
    }
  }
  const YAML::Node match = node["match"];
  if (match.IsDefined() && !(match.IsMap() && match.size() == 0)) {
    const std::string mpath = path + ".match";
    if (absl::Status s = r.OnlyKeys(match, mpath, {"queue", "channel", "category", "priority"}); !s.ok()) {
      return s;
    }
    if (match["queue"]) { SLAMON_ASSIGN_OR_RETURN(p.match.queues, r.Strings(match["queue"], mpath + ".queue")); }
    if (match["channel"]) { SLAMON_ASSIGN_OR_RETURN(p.match.channels, r.Strings(match["channel"], mpath + ".channel")); }
    if (match["category"]) { SLAMON_ASSIGN_OR_RETURN(p.match.categories, r.Strings(match["category"], mpath + ".category")); }
    if (match["priority"]) {
      std::vector<std::string> values;
      SLAMON_ASSIGN_OR_RETURN(values, r.Strings(match["priority"], mpath + ".priority"));
      for (const std::string& v : values) {
        int32_t prio = 0;
        if (!absl::SimpleAtoi(v, &prio)) return r.Error(match["priority"], mpath + ".priority", "expected integers");
        p.match.priorities.push_back(prio);
      }
    }
  }
  const YAML::Node objectives = node["objectives"];
  if (!objectives.IsMap()) return r.Error(node, path + ".objectives", "expected a mapping of objectives");
  for (const auto& kv : objectives) {
    const std::string name = kv.first.as<std::string>();
    const std::string opath = absl::StrCat(path, ".objectives.", name);
    std::optional<ObjectiveKind> kind = engine::ObjectiveKindFromName(name);
    if (!kind) {
      return r.Error(kv.first, opath, "unknown objective (answer, acknowledge, next_response, "
                                      "periodic_update, callback, resolution)");
    }
    Objective o;
    SLAMON_ASSIGN_OR_RETURN(o, ParseObjective(r, kv.second, *kind, opath, config.calendars));
    p.objectives.push_back(o);
  }
  return p;
}

absl::Status ParseWindows(const Reader& r, const YAML::Node& node, engine::WindowOptions& w) {
  const std::string path = "windows";
  if (absl::Status s = r.OnlyKeys(node, path, {"rolling", "interval", "day_start", "resolution",
                                               "at_risk_margin", "min_volume", "history"});
      !s.ok()) {
    return s;
  }
  if (node["rolling"]) {
    const YAML::Node list = node["rolling"];
    if (!list.IsSequence() || list.size() == 0) return r.Error(list, path + ".rolling", "expected a list like [15m, 1h]");
    w.rolling.clear();
    for (size_t i = 0; i < list.size(); ++i) {
      absl::Duration d;
      SLAMON_ASSIGN_OR_RETURN(d, r.Duration(list[i], absl::StrCat(path, ".rolling[", i, "]")));
      w.rolling.push_back(d);
    }
  }
  if (node["resolution"]) { SLAMON_ASSIGN_OR_RETURN(w.resolution, r.Duration(node["resolution"], path + ".resolution")); }
  if (node["interval"]) { SLAMON_ASSIGN_OR_RETURN(w.interval, r.Duration(node["interval"], path + ".interval")); }
  if (w.interval < absl::Minutes(1) || absl::Hours(24) % w.interval != absl::ZeroDuration()) {
    return r.Error(node["interval"], path + ".interval", "must divide a day (e.g. 15m, 30m, 1h)");
  }
  if (w.resolution < absl::Seconds(1)) return r.Error(node["resolution"], path + ".resolution", "must be at least 1s");
  for (absl::Duration d : w.rolling) {
    if (d < w.resolution || d > absl::Hours(24)) {
      return r.Error(node["rolling"], path + ".rolling", "each window must be between the resolution and 24h");
    }
  }
  if (node["history"]) { SLAMON_ASSIGN_OR_RETURN(w.history, r.Duration(node["history"], path + ".history")); }
  if (w.history < w.interval || w.history > absl::Hours(24 * 400)) {
    return r.Error(node["history"], path + ".history", "must be between the interval and 400d");
  }
  if (node["at_risk_margin"]) {
    SLAMON_ASSIGN_OR_RETURN(w.at_risk_margin, r.Number(node["at_risk_margin"], path + ".at_risk_margin", 0, 1));
  }
  if (node["min_volume"]) {
    double volume = 0;
    SLAMON_ASSIGN_OR_RETURN(volume, r.Number(node["min_volume"], path + ".min_volume", 0, 1e9));
    w.min_volume = static_cast<uint64_t>(volume);
  }
  if (node["day_start"]) {
    std::string text;
    SLAMON_ASSIGN_OR_RETURN(text, r.Scalar(node["day_start"], path + ".day_start"));
    absl::Time t;
    std::string err;
    if (!absl::ParseTime("%H:%M", text, absl::UTCTimeZone(), &t, &err)) {
      return r.Error(node["day_start"], path + ".day_start", "expected a local time like 00:00 or 06:00");
    }
    w.day_start = t - absl::UnixEpoch();
  }
  return absl::OkStatus();
}

absl::StatusOr<Config> ParseDocument(const Reader& r, const YAML::Node& root) {
  Config config;
  config.policies.clear();
  config.engine.shards = DefaultShards(std::thread::hardware_concurrency());
  if (root.IsNull()) return r.Error(root, "(document)", "the file is empty");
  if (absl::Status s = r.OnlyKeys(root, "", {"listen", "data_dir", "snapshot_every", "reorder_allowance", "future_tolerance",
                                             "contact_retention", "dedup_window", "dedup_max_entries", "time_zone", "shards",
                                             "calendars", "policies", "windows"});
      !s.ok()) {
    return s;
  }
  if (const YAML::Node listen = root["listen"]) {
    SLAMON_RETURN_IF_ERROR(r.OnlyKeys(listen, "listen", {"grpc", "metrics"}));
    if (listen["grpc"]) { SLAMON_ASSIGN_OR_RETURN(config.grpc_listen, r.Scalar(listen["grpc"], "listen.grpc")); }
    if (listen["metrics"]) { SLAMON_ASSIGN_OR_RETURN(config.metrics_listen, r.Scalar(listen["metrics"], "listen.metrics")); }
  }
  if (root["data_dir"]) { SLAMON_ASSIGN_OR_RETURN(config.data_dir, r.Scalar(root["data_dir"], "data_dir")); }
  if (root["snapshot_every"]) { SLAMON_ASSIGN_OR_RETURN(config.snapshot_every, r.Duration(root["snapshot_every"], "snapshot_every")); }
  engine::EngineOptions& e = config.engine;
  if (root["reorder_allowance"]) { SLAMON_ASSIGN_OR_RETURN(e.reorder_allowance, r.Duration(root["reorder_allowance"], "reorder_allowance")); }
  if (root["future_tolerance"]) { SLAMON_ASSIGN_OR_RETURN(e.future_tolerance, r.Duration(root["future_tolerance"], "future_tolerance")); }
  if (root["contact_retention"]) { SLAMON_ASSIGN_OR_RETURN(e.contact_retention, r.Duration(root["contact_retention"], "contact_retention")); }
  if (root["dedup_window"]) { SLAMON_ASSIGN_OR_RETURN(e.dedup_window, r.Duration(root["dedup_window"], "dedup_window")); }
  if (root["dedup_max_entries"]) {
    double entries = 0;
    SLAMON_ASSIGN_OR_RETURN(entries, r.Number(root["dedup_max_entries"], "dedup_max_entries", 1000, 1e9));
    e.dedup_max_entries = static_cast<size_t>(entries);
  }
  if (root["shards"]) {
    double shards = 0;
    SLAMON_ASSIGN_OR_RETURN(shards, r.Number(root["shards"], "shards", 1, 1024));
    e.shards = static_cast<int>(shards);
  }
  absl::TimeZone zone = absl::UTCTimeZone();
  if (root["time_zone"]) {
    std::string name;
    SLAMON_ASSIGN_OR_RETURN(name, r.Scalar(root["time_zone"], "time_zone"));
    if (!absl::LoadTimeZone(name, &zone)) {
      return r.Error(root["time_zone"], "time_zone", absl::StrCat("unknown time zone '", name, "'"));
    }
  }
  if (root["windows"]) {
    SLAMON_RETURN_IF_ERROR(ParseWindows(r, root["windows"], e.windows));
  }
  if (const YAML::Node calendars = root["calendars"]) {
    if (!calendars.IsMap()) return r.Error(calendars, "calendars", "expected a mapping of named calendars");
    for (const auto& kv : calendars) {
      const std::string name = kv.first.as<std::string>();
      absl::StatusOr<engine::BusinessCalendar> cal = ParseCalendar(r, kv.second, "calendars." + name);
      if (!cal.ok()) return cal.status();
      config.calendars.emplace(name, std::make_shared<const engine::BusinessCalendar>(*std::move(cal)));
    }
  }
  const YAML::Node policies = root["policies"];
  if (!policies.IsSequence() || policies.size() == 0) {
    return r.Error(policies.IsDefined() ? policies : root, "policies", "expected a non-empty list of policies");
  }
  for (size_t i = 0; i < policies.size(); ++i) {
    Policy p;
    SLAMON_ASSIGN_OR_RETURN(p, ParsePolicy(r, policies[i], absl::StrCat("policies[", i, "]"), config, zone));
    config.policies.push_back(std::move(p));
  }
  return config;
}

}  // namespace

int DefaultShards(unsigned hardware_threads) {
  constexpr unsigned kMaxDefaultShards = 8;
  if (hardware_threads == 0) return kMaxDefaultShards;
  return static_cast<int>(std::min(hardware_threads, kMaxDefaultShards));
}

Config DefaultConfig() {
  // The §8 sample policies in calendar time; kept in YAML so that the
  // defaults go through exactly the parser users' files do.
  static constexpr absl::string_view kDefaults = R"(
policies:
  - name: phone
    match: { channel: phone }
    objectives:
      answer: { threshold: 3 rings, ring: 6s, goal: 0.80, short_abandon: 5s, formula: short_abandons_excluded, warn_at: 0.75 }
      callback: { threshold: 30m }
  - name: email
    match: { channel: email }
    objectives:
      acknowledge: { threshold: 5m }
      answer: { threshold: 4h, goal: 0.95, warn_at: 0.75 }
      periodic_update: { threshold: 48h }
      resolution: { threshold: 72h }
  - name: chat
    match: { channel: chat }
    objectives: { answer: { threshold: 2m, goal: 0.85, formula: abandons_in, warn_at: 0.75 } }
  - name: walk-in
    match: { channel: in_person }
    objectives: { answer: { threshold: 60s, goal: 0.90, warn_at: 0.75 } }
)";
  absl::StatusOr<Config> config = ParseConfig(kDefaults, "built-in defaults");
  if (!config.ok()) std::abort();  // the defaults are part of the binary
  return *std::move(config);
}

absl::StatusOr<Config> ParseConfig(absl::string_view yaml, absl::string_view filename, const FileReader& read) {
  std::map<std::string, std::string> included;
  // Relative paths are from the config file's directory.
  const std::string dir = std::filesystem::path(std::string(filename)).parent_path().string();
  FileReader from_disk = [&dir](const std::string& file) -> absl::StatusOr<std::string> {
    const std::string path = std::filesystem::path(file).is_absolute() || dir.empty() ? file : dir + "/" + file;
    return ReadWholeFile(path);  // an error names the path and the system's reason
  };
  const Reader reader{std::string(filename), read ? read : from_disk, &included};
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(filename, ":", e.mark.line + 1, ": invalid YAML: ", e.msg));
  }
  try {
    absl::StatusOr<Config> config = ParseDocument(reader, root);
    if (config.ok()) {
      config->source = std::string(filename);
      config->yaml = std::string(yaml);
      config->included_files = std::move(included);
      engine::AddObjectiveBounds(engine::PolicySet(config->policies), &config->engine);
    }
    return config;
  } catch (const YAML::Exception& e) {  // a node of an unexpected type deep inside
    return absl::InvalidArgumentError(
        absl::StrCat(filename, ":", e.mark.line + 1, ": ", e.msg));
  }
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  SLAMON_ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(path));
  return ParseConfig(text, path);
}

}  // namespace slamon::config
