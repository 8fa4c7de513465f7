// Operator-facing logging for slamon binaries (spdlog, one line per event).
#ifndef SLAMON_DAEMON_APP_LOGGING_H_
#define SLAMON_DAEMON_APP_LOGGING_H_

#include <string>

#include "absl/status/status.h"

namespace slamon::app {

// Sets the level and an ISO-8601 line format. False (with a message on
// stderr) for an unknown level name.
bool SetUpLogging(const std::string& level);

// Logs `status` as a fatal start-up error and returns the exit code 1.
int ExitWithError(const absl::Status& status);

}  // namespace slamon::app

#endif  // SLAMON_DAEMON_APP_LOGGING_H_
