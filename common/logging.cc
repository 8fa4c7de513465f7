#include "common/logging.h"

#include <cstdio>

#include "spdlog/spdlog.h"

namespace slamon {

bool SetUpLogging(const std::string& level) {
  const spdlog::level::level_enum parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    std::fprintf(stderr, "unknown --log-level '%s' (trace, debug, info, warn, error)\n", level.c_str());
    return false;
  }
  spdlog::set_level(parsed);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %-5l %v");
  return true;
}

int ExitWithError(const absl::Status& status) {
  spdlog::critical("{}", std::string(status.message()));
  return 1;
}

}  // namespace slamon
