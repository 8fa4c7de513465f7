// Where the shards add their figures while Engine::Snapshot merges them: the
// queues of a snapshot being refilled, found where they were in it or by
// key. A scrape refills the snapshot of the scrape before it, whose queues
// are nearly always the same, so their vectors and strings are reused
// instead of some twenty objects per queue key being allocated and freed
// each time.
#ifndef SLAMON_DAEMON_ENGINE_SNAPSHOT_MERGE_H_
#define SLAMON_DAEMON_ENGINE_SNAPSHOT_MERGE_H_

#include <cstddef>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "daemon/engine/snapshot.h"

namespace slamon::engine {

// Asks the cache for `bytes` at `data` ahead of their use.
inline void Prefetch(const void* data, size_t bytes) {
  const char* p = static_cast<const char*>(data);
  for (size_t at = 0; at < bytes; at += 64) __builtin_prefetch(p + at);
}

class SnapshotMerge {
 public:
  // Refills `queues`, which must not be touched by anyone else until Finish.
  explicit SnapshotMerge(std::vector<QueueSnapshot>& queues) : queues_(queues), touched_(queues.size(), false) {}
  SnapshotMerge(const SnapshotMerge&) = delete;
  SnapshotMerge& operator=(const SnapshotMerge&) = delete;

  // The entry for `key`. Until the first shard that has the key fills it in,
  // its `windows` are empty (which is how a shard knows it comes first), its
  // totals stale (that shard copies its own over them) and its other
  // figures zero. `position`: where the key was in the snapshot refilled
  // (any value will do; it is checked), updated when it was elsewhere.
  QueueSnapshot& Find(const QueueKey& key, size_t& position);
  // Asks for the entry at `position` ahead of its Find.
  void Prefetch(size_t position) const {
    if (position < queues_.size()) engine::Prefetch(&queues_[position], sizeof(QueueSnapshot));
  }

  // Drops the queues no shard has any more, adds the new ones and leaves
  // `queues` sorted by key.
  void Finish();

 private:
  // Views into the entries' own keys: entries do not move until Finish.
  struct KeyView {
    absl::string_view queue, channel, policy;
    bool operator==(const KeyView&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const KeyView& k) {
      return H::combine(std::move(h), k.queue, k.channel, k.policy);
    }
  };
  static KeyView ViewOf(const QueueKey& key) { return {key.queue, key.channel, key.policy}; }
  QueueSnapshot& Touch(size_t position);

  std::vector<QueueSnapshot>& queues_;
  std::vector<bool> touched_;  // by position in queues_: filled by some shard
  // Built at the first key not at its position: a snapshot whose keys stayed
  // where they were is refilled without hashing any.
  absl::flat_hash_map<KeyView, size_t> index_;
  std::vector<std::unique_ptr<QueueSnapshot>> added_;  // keys new since the last fill
};

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_SNAPSHOT_MERGE_H_
