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

QueueSnapshot& SnapshotMerge::Touch(size_t position) {
  QueueSnapshot& q = queues_[position];
  if (!touched_[position]) {
    touched_[position] = true;
    ClearFigures(q);
  }
  return q;
}

QueueSnapshot& SnapshotMerge::Find(const QueueKey& key, size_t& position) {
  if (position < queues_.size() && queues_[position].key == key) return Touch(position);
  if (index_.empty()) {
    index_.reserve(queues_.size());
    for (size_t i = 0; i < queues_.size(); ++i) index_.emplace(ViewOf(queues_[i].key), i);
  }
  if (auto it = index_.find(ViewOf(key)); it != index_.end()) {
    if (it->second < queues_.size()) {
      position = it->second;
      return Touch(position);
    }
    return *added_[it->second - queues_.size()];
  }
  // New here: placed by Finish. (`position` is left as it is: it may be
  // right for the other snapshot this engine refills.)
  auto& added = added_.emplace_back(std::make_unique<QueueSnapshot>());
  added->key = key;
  index_.emplace(ViewOf(added->key), queues_.size() + added_.size() - 1);
  return *added;
}

void SnapshotMerge::Finish() {
  index_.clear();  // its views point into entries about to move
  // Entries no shard touched: the key is gone.
  size_t kept = 0;
  for (size_t i = 0; i < queues_.size(); ++i) {
    if (!touched_[i]) continue;
    if (kept != i) queues_[kept] = std::move(queues_[i]);
    ++kept;
  }
  queues_.erase(queues_.begin() + static_cast<std::ptrdiff_t>(kept), queues_.end());
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
