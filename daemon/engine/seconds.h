// Durations as seconds on the event path. absl::ToDoubleSeconds divides
// through FDivDuration (~100 instructions); waits and handle times fit in
// int64 nanoseconds, and dividing by 1e9 keeps whole seconds exact.
#ifndef SLAMON_DAEMON_ENGINE_SECONDS_H_
#define SLAMON_DAEMON_ENGINE_SECONDS_H_

#include "absl/time/time.h"
#include "daemon/engine/nanos.h"

namespace slamon::engine {

inline double Seconds(Nanos d) { return static_cast<double>(d) / 1e9; }
inline double Seconds(absl::Duration d) { return Seconds(absl::ToInt64Nanoseconds(d)); }

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_SECONDS_H_
