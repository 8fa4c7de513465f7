// Instants kept as int64 Unix nanoseconds: half the 16 bytes of an
// absl::Time, which matters for what a million open contacts hold. The
// engine refuses event times before kEarliestTime and the daemon clock bounds
// them from above, so that any two of them are less than the 292 years an
// int64 count of nanoseconds spans apart.
#ifndef SLAMON_DAEMON_ENGINE_NANOS_H_
#define SLAMON_DAEMON_ENGINE_NANOS_H_

#include <cstdint>
#include <limits>

#include "absl/time/time.h"

namespace slamon::engine {

using Nanos = int64_t;
// absl::InfiniteFuture() and absl::InfinitePast() map to these.
inline constexpr Nanos kNeverNanos = std::numeric_limits<int64_t>::max();
inline constexpr Nanos kInfinitePastNanos = std::numeric_limits<int64_t>::min();

// Event and record times before this are refused (invalid_field).
inline constexpr absl::Time kEarliestTime = absl::UnixEpoch();

inline Nanos ToNanos(absl::Time t) {
  if (t == absl::InfiniteFuture()) return kNeverNanos;
  if (t == absl::InfinitePast()) return kInfinitePastNanos;
  return absl::ToUnixNanos(t);  // saturates outside the range
}

// A duration in nanoseconds, saturating (InfiniteDuration() is kNeverNanos).
inline Nanos DurationNanos(absl::Duration d) { return absl::ToInt64Nanoseconds(d); }

inline absl::Time FromNanos(Nanos n) {
  if (n == kNeverNanos) return absl::InfiniteFuture();
  if (n == kInfinitePastNanos) return absl::InfinitePast();
  return absl::FromUnixNanos(n);
}

// An absl::Time stored in 8 bytes. It converts both ways implicitly so that
// a struct's time fields keep reading and assigning as absl::Time.
class PackedTime {
 public:
  constexpr PackedTime() = default;
  PackedTime(absl::Time t) : nanos_(ToNanos(t)) {}  // NOLINT(google-explicit-constructor)
  operator absl::Time() const { return FromNanos(nanos_); }  // NOLINT(google-explicit-constructor)

  static constexpr PackedTime Never() { return PackedTime(kNeverNanos); }
  // For arithmetic in nanoseconds: absl::Time's is out-of-line library calls.
  static constexpr PackedTime OfNanos(Nanos nanos) { return PackedTime(nanos); }
  constexpr Nanos nanos() const { return nanos_; }
  constexpr bool is_never() const { return nanos_ == kNeverNanos; }

 private:
  constexpr explicit PackedTime(Nanos nanos) : nanos_(nanos) {}

  Nanos nanos_ = 0;
};

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_NANOS_H_
