#include "daemon/engine/snapshot_merge.h"

#include <algorithm>
#include <tuple>

namespace slamon::engine {
namespace {

bool KeyLess(const QueueSnapshot& a, const QueueSnapshot& b) {
  return std::tie(a.key.queue, a.key.channel, a.key.policy) < std::tie(b.key.queue, b.key.channel, b.key.policy);
}

// Zero figures, memory kept; the key stays (it is what finds the entry).
// The totals are left: the first shard with the key copies its own over
// them (Shard::Collect), which costs less than zeroing and adding.
void ClearFigures(QueueSnapshot& q) {
  q.answer.reset();
  q.objectives.clear();
  q.items = {};
  q.waiting = 0;
  q.oldest_wait = absl::ZeroDuration();
  q.waiting_past_threshold = 0;
  q.waiting_past_warning = 0;
  q.windows.clear();
}

}  // namespace

SnapshotMerge::SnapshotMerge(std::vector<QueueSnapshot>& queues) : queues_(queues) {
  index_.reserve(queues_.size());
  for (QueueSnapshot& q : queues_) {
    ClearFigures(q);
    index_.emplace(ViewOf(q.key), &q);
  }
}

QueueSnapshot& SnapshotMerge::Find(const QueueKey& key) {
  auto it = index_.find(ViewOf(key));
  if (it != index_.end()) return *it->second;
  auto& added = added_.emplace_back(std::make_unique<QueueSnapshot>());
  added->key = key;
  index_.emplace(ViewOf(added->key), added.get());
  return *added;
}

void SnapshotMerge::Finish() {
  index_.clear();  // its views point into entries about to move
  // No shard filled it in: the key is gone (every filled entry has windows).
  std::erase_if(queues_, [](const QueueSnapshot& q) { return q.windows.empty(); });
  if (added_.empty()) return;  // kept entries keep their order
  // Sorted through pointers, each entry moved once: a QueueSnapshot is 1.6 KB.
  std::vector<QueueSnapshot*> order;
  order.reserve(queues_.size() + added_.size());
  for (QueueSnapshot& q : queues_) order.push_back(&q);
  for (const auto& q : added_) order.push_back(q.get());
  std::sort(order.begin(), order.end(), [](const QueueSnapshot* a, const QueueSnapshot* b) { return KeyLess(*a, *b); });
  std::vector<QueueSnapshot> sorted;
  sorted.reserve(order.size());
  for (QueueSnapshot* q : order) sorted.push_back(std::move(*q));
  queues_.swap(sorted);
  added_.clear();
}

}  // namespace slamon::engine
