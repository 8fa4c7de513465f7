#include "daemon/engine/dedup.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace slamon::engine {
namespace {

TEST(DedupIndexTest, RemembersForTheWindowThenForgets) {
  DedupIndex index(absl::Minutes(10), 100);
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  EXPECT_TRUE(index.Insert("pbx", "e1", t0));
  EXPECT_FALSE(index.Insert("pbx", "e1", t0 + absl::Minutes(9)));
  EXPECT_TRUE(index.Insert("other", "e1", t0));  // ids are unique per source only
  index.Expire(t0 + absl::Minutes(10));
  EXPECT_EQ(index.size(), 0u);
  EXPECT_TRUE(index.Insert("pbx", "e1", t0 + absl::Minutes(10)));
}

// More entries expire at once than Expire reads ahead (it asks for the
// slots of later entries while it erases): exactly those past the window go.
TEST(DedupIndexTest, ExpiresExactlyTheEntriesPastTheWindowAmongMany) {
  DedupIndex index(absl::Minutes(10), 1000);
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(index.Insert("pbx", absl::StrCat("e", i), t0 + absl::Seconds(i)));
  }
  index.Expire(t0 + absl::Minutes(10) + absl::Seconds(49));  // e0 .. e49 are 10 minutes old or more
  EXPECT_EQ(index.size(), 50u);
  EXPECT_FALSE(index.Insert("pbx", "e50", t0 + absl::Minutes(11)));
  EXPECT_FALSE(index.Insert("pbx", "e99", t0 + absl::Minutes(11)));
  EXPECT_TRUE(index.Insert("pbx", "e49", t0 + absl::Minutes(11)));
  EXPECT_TRUE(index.Insert("pbx", "e0", t0 + absl::Minutes(11)));
  EXPECT_EQ(index.size(), 52u);
}

TEST(DedupIndexTest, BoundedByEntriesOldestFirst) {
  DedupIndex index(absl::Hours(1), 2);
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  EXPECT_TRUE(index.Insert("s", "a", t0));
  EXPECT_TRUE(index.Insert("s", "b", t0));
  EXPECT_TRUE(index.Insert("s", "c", t0));  // evicts "a"
  EXPECT_EQ(index.size(), 2u);
  EXPECT_FALSE(index.Insert("s", "c", t0));
  EXPECT_TRUE(index.Insert("s", "a", t0));
}

TEST(FingerprintTest, SplitsBetweenFieldsMatter) {
  EXPECT_FALSE(FingerprintOf("ab", "c") == FingerprintOf("a", "bc"));
  EXPECT_FALSE(FingerprintOf("", "abcdefgh") == FingerprintOf("abcdefgh", ""));
  EXPECT_TRUE(FingerprintOf("source", "event-123") == FingerprintOf("source", "event-123"));
}

// Saved dedup indexes and the shard of every saved contact depend on these
// values: they are those of the release that wrote state format 1 and 2, and
// must never change.
// An event's id and contact are fingerprinted together, hashing the source
// once: each must be what FingerprintOf gives alone (both are saved).
TEST(FingerprintTest, TwoAtOnceAreEachAsAlone) {
  const char* const kStrings[] = {"", "a", "load", "abcdefg", "abcdefgh", "abcdefghijklmnopq", "contact-center-east"};
  for (const char* a : kStrings) {
    for (const char* b : kStrings) {
      for (const char* c : kStrings) {
        const auto [ab, ac] = FingerprintsOf(a, b, c);
        EXPECT_TRUE(ab == FingerprintOf(a, b)) << a << " " << b;
        EXPECT_TRUE(ac == FingerprintOf(a, c)) << a << " " << c;
      }
    }
  }
}

TEST(FingerprintTest, StableAcrossReleases) {
  struct Pinned {
    const char* a;
    const char* b;
    uint64_t hi;
    uint64_t lo;
  };
  constexpr Pinned kPinned[] = {
      {"pbx1", "1700000000.42", 0xf2a4bfb105a1634bULL, 0xe509810392dce539ULL},
      {"", "", 0x9abea685fd1db870ULL, 0xf65373b42a67cfafULL},
      {"load", "c1", 0xb5efc66c27c4c19aULL, 0x11c2a07352e28d9fULL},
      {"s", "abcdefghijklmno", 0x55d5afa740e5b543ULL, 0xe6b10fd23abc48d5ULL},
      // Computed with the code before tails were read with fixed-size loads:
      // every tail length 0-7, of strings shorter and longer than a word.
      {"abc", "defghi", 0x9314ef546cf4db45ULL, 0xb1ebc23dd3141718ULL},
      {"abcdefgh", "abcdefghi", 0x9e19042066bd3e78ULL, 0x09bec75e6a064255ULL},
      {"abcdefghijk", "abcdefghijklmn", 0xb1ce104ca37b7626ULL, 0xc2573b965d9394e3ULL},
      {"abcdefghijklmnop", "q", 0x499fb95de189163dULL, 0x35cf6dbe42e5137dULL},
      {"0123456789abcdefghijklm", "xy", 0x94f3783676a0fc9aULL, 0x5d3c10c489a00e47ULL},
      {"abcdefghij", "abcdefghijkl", 0xfb6c38649c67b8a2ULL, 0xb11a7dd5736d9e5cULL},
  };
  for (const Pinned& p : kPinned) {
    const Fingerprint f = FingerprintOf(p.a, p.b);
    EXPECT_EQ(f.hi, p.hi) << p.a << " " << p.b;
    EXPECT_EQ(f.lo, p.lo) << p.a << " " << p.b;
  }
}

}  // namespace
}  // namespace slamon::engine
