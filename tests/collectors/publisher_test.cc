#include "collectors/common/publisher.h"

#include <random>
#include <string>

#include <google/protobuf/stubs/logging.h>

#include "common/utf8.h"
#include "gtest/gtest.h"

namespace slamon::collectors {
namespace {

TEST(PublisherTest, NonUtf8FieldNamesTheField) {
  v1::ContactEvent event;
  event.set_source("pbx");
  event.set_queue("ventas");
  event.set_agent("Jos\xc3\xa9");
  EXPECT_EQ(Publisher::NonUtf8Field(event), std::nullopt);
  event.set_queue("ventas-\xe9");  // Latin-1
  EXPECT_EQ(Publisher::NonUtf8Field(event), "queue");
  event.set_queue("ventas");
  event.set_agent("Jos\xe9");
  EXPECT_EQ(Publisher::NonUtf8Field(event), "agent");
  v1::ContactRecord record;
  record.set_channel("t\xe9l\xe9phone");
  EXPECT_EQ(Publisher::NonUtf8Field(record), "channel");
}

// Whatever the check lets through, the daemon's parser must accept, and the
// other way round: protobuf's own parse of a string field is the oracle.
TEST(PublisherTest, Utf8CheckAgreesWithProtobufsParser) {
  // Protobuf logs every string it refuses.
  google::protobuf::LogHandler* previous = google::protobuf::SetLogHandler(nullptr);
  constexpr unsigned char kBytes[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
                                      0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf3, 0xf4, 0xf5, 0xff};
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> pick(0, sizeof kBytes - 1), length(0, 6);
  int valid = 0, invalid = 0;
  for (int i = 0; i < 50000; ++i) {
    std::string s;
    for (size_t n = length(rng); n > 0; --n) s.push_back(static_cast<char>(kBytes[pick(rng)]));
    // A ContactEvent holding `s` as its queue, encoded by hand.
    std::string wire;
    wire.push_back(static_cast<char>((v1::ContactEvent::kQueueFieldNumber << 3) | 2));
    wire.push_back(static_cast<char>(s.size()));
    wire += s;
    v1::ContactEvent parsed;
    const bool parses = parsed.ParseFromString(wire);
    ASSERT_EQ(IsValidUtf8(s), parses) << testing::PrintToString(s);
    (parses ? valid : invalid) += 1;
  }
  google::protobuf::SetLogHandler(previous);
  // Both kinds were tried many times.
  EXPECT_GT(valid, 5000);
  EXPECT_GT(invalid, 5000);
}

}  // namespace
}  // namespace slamon::collectors
