// The collector spool: batches come back as written, acknowledged ones are
// forgotten (their segments deleted), and everything else survives a reopen.
#include "collectors/common/spool.h"

#include <fstream>

#include "common/files.h"
#include "gtest/gtest.h"
#include "tests/temp_dir.h"

namespace slamon::collectors {
namespace {

SpooledBatch BatchOf(uint64_t sequence, int events) {
  SpooledBatch b;
  b.message.set_sequence(sequence);
  for (int i = 0; i < events; ++i) {
    v1::ContactEvent* e = b.message.add_events();
    e->set_source("spool-test");
    e->set_event_id(absl::StrCat(sequence, "/", i));
    b.event_tags.push_back(sequence * 1000 + static_cast<uint64_t>(i));
  }
  return b;
}

TEST(SpoolTest, BatchesSurviveAReopenUntilAcknowledged) {
  testing::TempDir dir;
  {
    auto spool = Spool::Open(dir.path(), 1 << 20);
    ASSERT_TRUE(spool.ok()) << spool.status();
    for (uint64_t s = 1; s <= 3; ++s) ASSERT_TRUE((*spool)->Append(BatchOf(s, 2)).ok());
    ASSERT_TRUE((*spool)->Ack(1).ok());
  }
  auto spool = Spool::Open(dir.path(), 1 << 20);
  ASSERT_TRUE(spool.ok());
  EXPECT_EQ((*spool)->first_unacked(), 2u);
  EXPECT_EQ((*spool)->last(), 3u);
  absl::StatusOr<SpooledBatch> b = (*spool)->Read(3);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->message.sequence(), 3u);
  EXPECT_EQ(b->message.events(1).event_id(), "3/1");
  EXPECT_EQ(b->event_tags, (std::vector<uint64_t>{3000, 3001}));
  EXPECT_EQ((*spool)->Read(1).status().code(), absl::StatusCode::kNotFound);
  // New batches continue the numbering.
  ASSERT_TRUE((*spool)->Append(BatchOf(4, 1)).ok());
  EXPECT_EQ((*spool)->last(), 4u);
}

TEST(SpoolTest, TornLastRecordIsCutAndTheRestKept) {
  testing::TempDir dir;
  {
    auto spool = Spool::Open(dir.path(), 1 << 20);
    ASSERT_TRUE(spool.ok());
    ASSERT_TRUE((*spool)->Append(BatchOf(1, 3)).ok());
    ASSERT_TRUE((*spool)->Append(BatchOf(2, 3)).ok());
  }
  auto files = ListNumbered(dir.path(), "spool-", ".dat");
  ASSERT_TRUE(files.ok() && files->size() == 1);
  const std::string path = dir.path() + "/" + files->front().name;
  const uint64_t size = *FileSize(path);
  ASSERT_TRUE(TruncateFile(path, size - 5).ok());  // the second record is torn
  auto spool = Spool::Open(dir.path(), 1 << 20);
  ASSERT_TRUE(spool.ok());
  EXPECT_EQ((*spool)->last(), 1u);
  EXPECT_TRUE((*spool)->Read(1).ok());
  EXPECT_LT(*FileSize(path), size - 5);
}

TEST(SpoolTest, IsFullAtItsBoundAndEmptiesAsBatchesAreAcknowledged) {
  testing::TempDir dir;
  auto spool = Spool::Open(dir.path(), 600);
  ASSERT_TRUE(spool.ok());
  int appended = 0;
  while (!(*spool)->full()) {
    ASSERT_TRUE((*spool)->Append(BatchOf(static_cast<uint64_t>(++appended), 4)).ok());
  }
  EXPECT_GE((*spool)->bytes(), 600u);
  ASSERT_TRUE((*spool)->Ack(static_cast<uint64_t>(appended)).ok());
  EXPECT_EQ((*spool)->bytes(), 0u);
  EXPECT_FALSE((*spool)->full());
}

}  // namespace
}  // namespace slamon::collectors
