#include "collectors/replay/record_reader.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace slamon::collectors {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(SplitCsvLineTest, QuotesCommasAndEscapedQuotes) {
  EXPECT_THAT(*SplitCsvLine(R"(a,"b,c","say ""hi""",,d)"), ElementsAre("a", "b,c", "say \"hi\"", "", "d"));
  EXPECT_THAT(*SplitCsvLine("x,y\r"), ElementsAre("x", "y"));
  EXPECT_FALSE(SplitCsvLine(R"(a,"open)").ok());
}

TEST(RecordReaderTest, CsvRowsBecomeRecords) {
  std::istringstream in(
      "contact_id,channel,queue,arrived_at,answered_at,flow_out_reason,first_contact_resolution,csat,priority,colour\n"
      "c1,phone,sales,2026-03-02T09:00:00Z,2026-03-02T09:00:12.5+01:00,,true,4,2,blue\n"
      "\n"
      "c2,chat,web,2026-03-02T09:01:00Z,,callback_requested,,,,red\n");
  RecordReader reader(in, RecordReader::Format::kCsv, "files");
  std::optional<RecordReader::Item> a = reader.Next();
  ASSERT_TRUE(a && a->record.ok()) << (a ? a->record.status().ToString() : "end");
  EXPECT_EQ(a->line, 2);
  EXPECT_EQ(a->record->source(), "files");
  EXPECT_EQ(a->record->arrived_at().seconds(), 1772442000);
  // 09:00:12.5 at +01:00 is 08:00:12.5 UTC: before the arrival (the daemon rejects it).
  EXPECT_EQ(a->record->answered_at().seconds(), 1772442000 - 3600 + 12);
  EXPECT_EQ(a->record->answered_at().nanos(), 500'000'000);
  EXPECT_TRUE(a->record->first_contact_resolution());
  EXPECT_EQ(a->record->csat(), 4);
  EXPECT_EQ(a->record->priority(), 2);
  std::optional<RecordReader::Item> b = reader.Next();
  ASSERT_TRUE(b && b->record.ok());
  EXPECT_EQ(b->line, 4);  // blank lines count
  EXPECT_FALSE(b->record->has_answered_at());
  EXPECT_EQ(b->record->flow_out_reason(), v1::CALLBACK_REQUESTED);
  EXPECT_FALSE(reader.Next().has_value());
  EXPECT_THAT(reader.unknown_fields(), ElementsAre("colour"));
}

TEST(RecordReaderTest, JsonLinesWithTypedValues) {
  std::istringstream in(
      R"({"contact_id":"e1","channel":"email","queue":"inbox","arrived_at":"2026-03-02T09:00:00Z","csat":5,"first_contact_resolution":false,"answered_at":null})"
      "\n");
  RecordReader reader(in, RecordReader::Format::kJsonLines, "files");
  std::optional<RecordReader::Item> a = reader.Next();
  ASSERT_TRUE(a && a->record.ok()) << a->record.status();
  EXPECT_EQ(a->record->channel(), "email");
  EXPECT_EQ(a->record->csat(), 5);
  EXPECT_FALSE(a->record->has_answered_at());
}

TEST(RecordReaderTest, BadRowsSayWhatIsWrong) {
  std::istringstream in(
      "contact_id,channel,queue,arrived_at,flow_out_reason\n"
      "c1,phone,sales,yesterday,\n"
      ",phone,sales,2026-03-02T09:00:00Z,\n"
      "c3,phone,sales,2026-03-02T09:00:00Z,hung_up\n"
      "c4,phone\n");
  RecordReader reader(in, RecordReader::Format::kCsv, "files");
  EXPECT_THAT(std::string(reader.Next()->record.status().message()), HasSubstr("arrived_at: invalid timestamp 'yesterday'"));
  EXPECT_THAT(std::string(reader.Next()->record.status().message()), HasSubstr("contact_id is required"));
  EXPECT_THAT(std::string(reader.Next()->record.status().message()), HasSubstr("flow_out_reason: 'hung_up' is not one of"));
  EXPECT_THAT(std::string(reader.Next()->record.status().message()), HasSubstr("has 2 fields, the header has 5"));
  EXPECT_EQ(RecordReader::FormatOf("x.jsonl"), RecordReader::Format::kJsonLines);
  EXPECT_EQ(RecordReader::FormatOf("x.csv"), RecordReader::Format::kCsv);
}

}  // namespace
}  // namespace slamon::collectors
