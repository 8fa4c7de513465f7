#include "common/duration.h"

#include <cctype>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace slamon {
namespace {

struct Unit {
  absl::string_view suffix;
  absl::Duration size;
};
// Longest suffixes first so that "ms" is not read as "m".
constexpr Unit kUnits[] = {
    {"ms", absl::Milliseconds(1)}, {"us", absl::Microseconds(1)},
    {"s", absl::Seconds(1)},       {"m", absl::Minutes(1)},
    {"h", absl::Hours(1)},         {"d", absl::Hours(24)},
};

}  // namespace

absl::StatusOr<absl::Duration> ParseHumanDuration(absl::string_view text) {
  absl::string_view rest = absl::StripAsciiWhitespace(text);
  if (rest.empty()) return absl::InvalidArgumentError("empty duration");
  double bare = 0;
  if (absl::SimpleAtod(rest, &bare)) {
    if (bare < 0) return absl::InvalidArgumentError(absl::StrCat("negative duration '", text, "'"));
    return absl::Seconds(bare);
  }
  absl::Duration total = absl::ZeroDuration();
  while (!rest.empty()) {
    size_t n = 0;
    while (n < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[n])) || rest[n] == '.')) ++n;
    double value = 0;
    if (n == 0 || !absl::SimpleAtod(rest.substr(0, n), &value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid duration '", text, "' (expected e.g. 20s, 5m, 4h, 2d, 250ms)"));
    }
    rest.remove_prefix(n);
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (absl::StartsWith(rest, u.suffix)) { unit = &u; break; }
    }
    if (unit == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid duration '", text, "': unit must be one of ms, s, m, h, d"));
    }
    rest.remove_prefix(unit->suffix.size());
    total += value * unit->size;
  }
  return total;
}

absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view text) {
  absl::Time t;
  std::string err;
  // %E*S accepts fractional seconds; %Ez accepts "Z" and "+hh:mm".
  if (!absl::ParseTime("%Y-%m-%d%ET%H:%M:%E*S%Ez", std::string(text), &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid timestamp '", text, "' (expected RFC 3339, e.g. 2026-03-02T09:00:00Z)"));
  }
  return t;
}

std::string FormatRfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

}  // namespace slamon
