// libFuzzer target: text as an iCalendar holiday file (Outlook, Google and
// Exchange exports: VEVENTs, RRULEs, VTIMEZONEs). Errors name the line;
// nothing crashes or loops without end.
#include <cstddef>
#include <cstdint>

#include "absl/time/time.h"
#include "daemon/config/ics.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::TimeZone zone;
  (void)absl::LoadTimeZone("Europe/Berlin", &zone);
  (void)slamon::config::ParseIcsClosures(absl::string_view(reinterpret_cast<const char*>(data), size), zone);
  return 0;
}
