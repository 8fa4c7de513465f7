// Remembers (source, event_id) pairs for a while so that a retried event is
// counted once. Stores a 128-bit fingerprint, not the strings: fixed memory
// per entry, no allocation per event, and stable across processes so that it
// can be persisted.
#ifndef SLAMON_DAEMON_ENGINE_DEDUP_H_
#define SLAMON_DAEMON_ENGINE_DEDUP_H_

#include <cstdint>
#include <deque>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "daemon/engine/nanos.h"
#include "daemon/engine/state_codec.h"

namespace slamon::engine {

struct Fingerprint {
  uint64_t hi = 0;
  uint64_t lo = 0;
  bool operator==(const Fingerprint&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const Fingerprint& f) {
    return H::combine(std::move(h), f.lo);  // already uniformly mixed
  }
};

// A deterministic 128-bit hash of two strings (not cryptographic).
Fingerprint FingerprintOf(absl::string_view a, absl::string_view b);
// FingerprintOf(a, b) and FingerprintOf(a, c), hashing `a` once: an event's
// id and its contact share the source.
std::pair<Fingerprint, Fingerprint> FingerprintsOf(absl::string_view a, absl::string_view b,
                                                   absl::string_view c);

class DedupIndex {
 public:
  // Entries are forgotten `window` after they were first seen (daemon time),
  // or earlier, oldest first, when more than `max_entries` are held.
  DedupIndex(absl::Duration window, size_t max_entries)
      : window_(window), max_entries_(max_entries) {}

  // True if the pair was new (and is now remembered).
  bool Insert(absl::string_view source, absl::string_view event_id, absl::Time now) {
    return Insert(FingerprintOf(source, event_id), ToNanos(now));
  }
  // The same for the pair's FingerprintOf(source, event_id), at `now` in
  // nanoseconds.
  bool Insert(const Fingerprint& pair, Nanos now);
  // Asks the processor for the memory Insert(pair) reads first. The set
  // outgrows every cache: an insert is a cache miss, 21 % of an in-memory
  // daemon's CPU in `perf` before a batch asked for all of its events'
  // slots before applying the first.
  void Prefetch(const Fingerprint& pair) const { set_.prefetch(pair); }
  void Expire(absl::Time now);
  size_t size() const { return set_.size(); }

  // The remembered fingerprints with the time each was first seen.
  void Save(StateWriter& out) const;
  void Load(StateReader& in);

 private:
  void EvictOldest();

  absl::Duration window_;
  size_t max_entries_;
  absl::flat_hash_set<Fingerprint> set_;
  // 24 bytes an entry with an 8-byte time (10M entries by default).
  std::deque<std::pair<PackedTime, Fingerprint>> order_;
};

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_DEDUP_H_
