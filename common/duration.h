// Durations as people write them in configs and on command lines.
#ifndef SLAMON_COMMON_DURATION_H_
#define SLAMON_COMMON_DURATION_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace slamon {

// Parses "250ms", "20s", "1.5m", "4h", "2d" (d = 24 h), or a bare number of
// seconds. Combinations such as "1h30m" are accepted. Negative is an error.
absl::StatusOr<absl::Duration> ParseHumanDuration(absl::string_view text);

// RFC 3339 with an offset or Z, fractional seconds allowed.
absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view text);
std::string FormatRfc3339(absl::Time t);

}  // namespace slamon

#endif  // SLAMON_COMMON_DURATION_H_
