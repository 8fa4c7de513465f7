// Builders that keep engine tests short and readable.
#ifndef SLAMON_TESTS_ENGINE_TEST_UTIL_H_
#define SLAMON_TESTS_ENGINE_TEST_UTIL_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "daemon/engine/engine.h"

namespace slamon::engine::testing {

// A time zone from the system's tzdata; fails the test if it is missing.
inline absl::TimeZone Zone(const char* name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
  return zone;
}

// 2026-03-02 09:00:00 UTC, a Monday.
inline absl::Time T0() { return absl::FromUnixSeconds(1772442000); }
inline absl::Time At(double seconds) { return T0() + absl::Seconds(seconds); }

// A business calendar open Monday to Friday, 09:00-17:00, in `zone`.
inline std::shared_ptr<const BusinessCalendar> NineToFive(const char* zone = "Europe/Madrid") {
  BusinessHours h;
  h.zone = Zone(zone);
  for (int d = 0; d < 5; ++d) h.weekly[d] = {{absl::Hours(9), absl::Hours(17)}};
  return std::make_shared<const BusinessCalendar>(h);
}

inline Event MakeEvent(EventKind kind, std::string contact, double at_seconds,
                       std::string event_id = "") {
  Event e;
  e.kind = kind;
  e.source = "test";
  e.contact_id = contact;
  e.event_id = event_id.empty() ? contact + "/" + std::string(EventKindName(kind)) : event_id;
  e.occurred_at = At(at_seconds);
  return e;
}

inline Event Arrival(std::string contact, double at, std::string queue = "sales",
                     std::string channel = "phone") {
  Event e = MakeEvent(EventKind::kArrived, std::move(contact), at);
  e.queue = std::move(queue);
  e.channel = std::move(channel);
  return e;
}

inline Objective AnswerObjective(double threshold_s, double short_s = 0,
                                 Formula formula = Formula::kAbandonsIn, double goal = 0.8) {
  Objective o;
  o.kind = ObjectiveKind::kAnswer;
  o.threshold = absl::Seconds(threshold_s);
  o.short_abandon = absl::Seconds(short_s);
  o.formula = formula;
  o.goal = goal;
  return o;
}

inline std::shared_ptr<const PolicySet> OnePolicy(Objective answer, std::string name = "phone") {
  Policy p;
  p.name = std::move(name);
  p.objectives.push_back(answer);
  return std::make_shared<PolicySet>(std::vector<Policy>{p});
}

inline const QueueSnapshot* FindQueue(const EngineSnapshot& s, absl::string_view queue,
                                      absl::string_view channel = "phone") {
  for (const QueueSnapshot& q : s.queues) {
    if (q.key.queue == queue && q.key.channel == channel) return &q;
  }
  return nullptr;
}

}  // namespace slamon::engine::testing

#endif  // SLAMON_TESTS_ENGINE_TEST_UTIL_H_
