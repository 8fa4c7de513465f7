#include "daemon/config/ics_zone.h"

#include <algorithm>

#include "common/check.h"

namespace slamon::config {

IcsZone::IcsZone(absl::Duration offset_before, std::vector<Transition> transitions) : offset_before_(offset_before) {
  SLAMON_CHECK(!transitions.empty());
  std::sort(transitions.begin(), transitions.end(),
            [](const Transition& a, const Transition& b) { return a.at < b.at; });
  transitions_ = std::make_shared<const std::vector<Transition>>(std::move(transitions));
}

std::vector<IcsZone::Transition>::const_iterator IcsZone::FirstAfter(absl::Time t) const {
  return std::upper_bound(transitions_->begin(), transitions_->end(), t,
                          [](absl::Time t, const Transition& tr) { return t < tr.at; });
}

absl::Duration IcsZone::OffsetAt(absl::Time t) const {
  const auto after = FirstAfter(t);
  return after == transitions_->begin() ? offset_before_ : std::prev(after)->offset;
}

absl::Time IcsZone::FromLocal(absl::CivilSecond local) const {
  if (transitions_ == nullptr) return absl::FromCivil(local, iana_);
  // The local time read as UTC, less the offset in force then. Offsets
  // change at most once within a day around it: try the one before and the
  // one after, the earlier instant first.
  const absl::Time as_utc = absl::FromCivil(local, absl::UTCTimeZone());
  const absl::Duration before = OffsetAt(as_utc - absl::Hours(24));
  const absl::Duration after = OffsetAt(as_utc + absl::Hours(24));
  const absl::Time earlier = as_utc - std::max(before, after);
  for (const absl::Time t : {earlier, as_utc - std::min(before, after)}) {
    if (OffsetAt(t) == as_utc - t) return t;
  }
  // Skipped: the change comes after `earlier` (offsets are under 24 h, so
  // before the day after, whose offset differs from `earlier`'s).
  const auto change = FirstAfter(earlier);
  SLAMON_CHECK(change != transitions_->end());
  return change->at;
}

absl::CivilSecond IcsZone::ToLocal(absl::Time t) const {
  if (transitions_ == nullptr) return iana_.At(t).cs;
  return absl::UTCTimeZone().At(t + OffsetAt(t)).cs;
}

}  // namespace slamon::config
