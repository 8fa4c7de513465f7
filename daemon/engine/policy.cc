#include "daemon/engine/policy.h"

#include <algorithm>

namespace slamon::engine {
namespace {

constexpr absl::string_view kObjectiveNames[] = {
    "answer", "acknowledge", "next_response", "periodic_update", "callback", "resolution",
};

template <typename T, typename V>
bool AcceptsOrEmpty(const std::vector<T>& allowed, const V& value) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

}  // namespace

absl::string_view ObjectiveKindName(ObjectiveKind kind) {
  return kObjectiveNames[static_cast<int>(kind)];
}

std::optional<ObjectiveKind> ObjectiveKindFromName(absl::string_view name) {
  for (size_t i = 0; i < std::size(kObjectiveNames); ++i) {
    if (kObjectiveNames[i] == name) return static_cast<ObjectiveKind>(i);
  }
  return std::nullopt;
}

std::optional<absl::Duration> WarnPoint::At(absl::Duration threshold) const {
  if (fraction) return *fraction * threshold;
  if (before) return std::max(absl::ZeroDuration(), threshold - *before);
  return std::nullopt;
}

bool PolicyMatch::Matches(absl::string_view queue, absl::string_view channel,
                          absl::string_view category, int32_t priority) const {
  return AcceptsOrEmpty(queues, queue) && AcceptsOrEmpty(channels, channel) &&
         AcceptsOrEmpty(categories, category) && AcceptsOrEmpty(priorities, priority);
}

const Objective* Policy::Find(ObjectiveKind kind) const {
  for (const Objective& o : objectives) {
    if (o.kind == kind) return &o;
  }
  return nullptr;
}

bool Policy::SameDefinition(const Policy& other) const {
  return name == other.name && match == other.match && objectives == other.objectives &&
         time_zone == other.time_zone;
}

const Policy* PolicySet::Match(absl::string_view queue, absl::string_view channel,
                               absl::string_view category, int32_t priority) const {
  for (const Policy& p : policies_) {
    if (p.match.Matches(queue, channel, category, priority)) return &p;
  }
  return nullptr;
}

void PolicySet::CarryVersions(const PolicySet& previous, std::vector<Policy>& next) {
  for (Policy& p : next) {
    for (const Policy& old : previous.policies_) {
      if (old.name != p.name) continue;
      p.version = p.SameDefinition(old) ? old.version : old.version + 1;
    }
  }
}

}  // namespace slamon::engine
