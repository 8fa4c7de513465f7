// The zone an iCalendar date-time is written in: an IANA zone, or one that a
// VTIMEZONE block of the file defines. Outlook and Exchange name theirs
// "W. Europe Standard Time" and the like, which no tz database holds; the
// block says when its UTC offset changes (RFC 5545 §3.6.5).
#ifndef SLAMON_DAEMON_CONFIG_ICS_ZONE_H_
#define SLAMON_DAEMON_CONFIG_ICS_ZONE_H_

#include <memory>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace slamon::config {

class IcsZone {
 public:
  // From one offset change to the next, local time is UTC + offset.
  struct Transition {
    absl::Time at;
    absl::Duration offset;
  };

  IcsZone() : IcsZone(absl::UTCTimeZone()) {}
  explicit IcsZone(absl::TimeZone iana) : iana_(iana) {}
  // A VTIMEZONE's zone: `offset_before` until the first transition.
  // `transitions` need not be sorted.
  IcsZone(absl::Duration offset_before, std::vector<Transition> transitions);

  // The instant of a local time. A local time that a change skips is the
  // instant of the change, and one that a change repeats the earlier of its
  // two instants, as absl::FromCivil reads them in an IANA zone.
  absl::Time FromLocal(absl::CivilSecond local) const;
  absl::CivilSecond ToLocal(absl::Time t) const;

 private:
  std::vector<Transition>::const_iterator FirstAfter(absl::Time t) const;
  absl::Duration OffsetAt(absl::Time t) const;

  absl::TimeZone iana_;  // used when transitions_ is null
  absl::Duration offset_before_;
  // Sorted by `at`; shared, as every date-time written in the zone has a copy.
  std::shared_ptr<const std::vector<Transition>> transitions_;
};

}  // namespace slamon::config

#endif  // SLAMON_DAEMON_CONFIG_ICS_ZONE_H_
