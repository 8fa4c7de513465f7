// Operator-facing logging shared by every slamon binary (spdlog, one line per event).
#ifndef SLAMON_COMMON_LOGGING_H_
#define SLAMON_COMMON_LOGGING_H_

#include <string>

#include "absl/status/status.h"

namespace slamon {

// Sets the level and an ISO-8601 line format. False (with a message on
// stderr) for an unknown level name.
bool SetUpLogging(const std::string& level);

// Logs `status` as a fatal start-up error and returns the exit code 1.
int ExitWithError(const absl::Status& status);

}  // namespace slamon

#endif  // SLAMON_COMMON_LOGGING_H_
