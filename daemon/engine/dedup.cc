#include "daemon/engine/dedup.h"

#include <bit>
#include <cstring>

namespace slamon::engine {
namespace {

// The 64-bit finaliser of SplitMix64: a bijection that spreads every input
// bit over the output.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

template <typename T>
uint64_t Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);  // a fixed size: one load, no call
  return v;
}

// The last `n` (0-7) bytes of `s` as a little-endian word, zero above:
// what a memcpy of them into a zeroed word gives, without a memcpy of a
// variable size, which is a library call (~100 instructions per event).
uint64_t Tail(absl::string_view s, size_t n) {
  if (n == 0) return 0;
  const char* end = s.data() + s.size();
  if (s.size() >= 8) return Load<uint64_t>(end - 8) >> (8 * (8 - n));
  const char* p = end - n;
  if (n >= 4) {  // two 4-byte loads that overlap when n < 8
    return Load<uint32_t>(p) | (Load<uint32_t>(end - 4) << (8 * (n - 4)));
  }
  const auto byte = [](char c) { return static_cast<uint64_t>(static_cast<unsigned char>(c)); };
  return byte(p[0]) | (byte(p[n / 2]) << (8 * (n / 2))) | (byte(p[n - 1]) << (8 * (n - 1)));
}

// Two independent multiply-rotate lanes over 8-byte words; the full mix runs
// once at the end, not per word.
void Absorb(absl::string_view s, uint64_t& h1, uint64_t& h2) {
  auto lanes = [&h1, &h2](uint64_t word) {
    h1 = std::rotl((h1 ^ word) * 0x9e3779b97f4a7c15ULL, 29);
    h2 = std::rotl((h2 + word) * 0xd6e8feb86659fd93ULL, 31);
  };
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    lanes(word);
  }
  // The length is absorbed so that ("ab", "c") and ("a", "bc") differ.
  lanes(Tail(s, s.size() - i) ^ (static_cast<uint64_t>(s.size()) << 56));
}

// The two lanes, seeded; Finish absorbs the last string and mixes them.
struct Lanes {
  uint64_t h1 = 0x243f6a8885a308d3ULL;
  uint64_t h2 = 0x13198a2e03707344ULL;
};
Fingerprint Finish(Lanes lanes, absl::string_view b) {
  Absorb(b, lanes.h1, lanes.h2);
  return {Mix(lanes.h1 ^ Mix(lanes.h2)), Mix(lanes.h2 + lanes.h1)};
}

}  // namespace

Fingerprint FingerprintOf(absl::string_view a, absl::string_view b) {
  Lanes lanes;
  Absorb(a, lanes.h1, lanes.h2);
  return Finish(lanes, b);
}

std::pair<Fingerprint, Fingerprint> FingerprintsOf(absl::string_view a, absl::string_view b,
                                                   absl::string_view c) {
  Lanes lanes;
  Absorb(a, lanes.h1, lanes.h2);
  return {Finish(lanes, b), Finish(lanes, c)};
}

bool DedupIndex::Insert(const Fingerprint& f, Nanos now) {
  if (!set_.insert(f).second) return false;
  order_.emplace_back(PackedTime::OfNanos(now), f);
  if (set_.size() > max_entries_) EvictOldest();
  return true;
}

void DedupIndex::EvictOldest() {
  set_.erase(order_.front().second);
  order_.pop_front();
}

void DedupIndex::Expire(absl::Time now) {
  // Each erase reads a slot no cache holds; asking for the slot of the entry
  // kAhead places on lets the processor fetch several at once.
  constexpr size_t kAhead = 16;
  while (!order_.empty() && absl::Time(order_.front().first) + window_ <= now) {
    if (order_.size() > kAhead) set_.prefetch(order_[kAhead].second);
    EvictOldest();
  }
}

void DedupIndex::Save(StateWriter& out) const {
  out.Varint(order_.size());
  for (const auto& [seen, f] : order_) {
    out.Time(seen);
    out.U64(f.hi);
    out.U64(f.lo);
  }
}

void DedupIndex::Load(StateReader& in) {
  set_.clear();
  order_.clear();
  const size_t n = in.Count(24);
  set_.reserve(n);
  for (size_t i = 0; i < n && in.ok(); ++i) {
    const absl::Time seen = in.Time();
    const Fingerprint f{in.U64(), in.U64()};
    if (set_.insert(f).second) order_.emplace_back(seen, f);
  }
}

}  // namespace slamon::engine
