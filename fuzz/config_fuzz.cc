// libFuzzer target: text as a slamond config file (YAML, with an iCalendar
// holiday file of the same bytes for any `holidays_ics` it names). A bad
// file must come back as an error naming it, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)slamon::config::ParseConfig(text, "fuzz.yaml", [&text](const std::string&) { return text; });
  return 0;
}
