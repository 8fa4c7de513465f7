#include "daemon/engine/dedup.h"

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
  // Stable across processes and builds: persisted indexes rely on it.
  EXPECT_EQ(FingerprintOf("pbx1", "1700000000.42").lo, FingerprintOf("pbx1", "1700000000.42").lo);
}

}  // namespace
}  // namespace slamon::engine
