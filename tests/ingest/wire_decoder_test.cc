// The wire decoder against protobuf's parser and ToEngine, which it stands in
// for: on every batch it reads, the two must give the same engine values,
// failures and sequence; what it declines, protobuf reads.
#include "daemon/ingest/wire_decoder.h"

#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "daemon/ingest/decoded_batch.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "gtest/gtest.h"

namespace slamon::ingest {
namespace {

// What protobuf's path makes of `wire`; nullopt if it does not parse.
std::optional<DecodedBatch> ByProtobuf(const std::string& wire) {
  DecodedBatch out;
  if (!out.message.ParseFromString(wire)) return std::nullopt;
  ConvertBatch(out.message, &out);
  return out;
}

void ExpectSame(const DecodedBatch& expected, const DecodedBatch& actual) {
  EXPECT_EQ(expected.sequence, actual.sequence);
  EXPECT_EQ(expected.n_events, actual.n_events);
  EXPECT_EQ(expected.n_items, actual.n_items);
  EXPECT_EQ(expected.origin, actual.origin);
  ASSERT_EQ(expected.n_converted, actual.n_converted);
  for (size_t i = 0; i < expected.n_converted; ++i) {
    EXPECT_TRUE(expected.events[i] == actual.events[i]) << "event " << i;
  }
  ASSERT_EQ(expected.failures.size(), actual.failures.size());
  for (size_t i = 0; i < expected.failures.size(); ++i) {
    EXPECT_EQ(expected.failures[i].item, actual.failures[i].item);
    EXPECT_EQ(expected.failures[i].error.reason, actual.failures[i].error.reason);
    EXPECT_EQ(expected.failures[i].error.detail, actual.failures[i].error.detail);
  }
}

// Random well-formed text: ASCII mostly, with 2-, 3- and 4-byte characters.
std::string RandomText(std::mt19937_64& rng) {
  static constexpr absl::string_view kPieces[] = {"a", "Z", "0", "-", "/", " ", "\xc3\xa9", "\xe2\x82\xac",
                                                  "\xf0\x9f\x93\x9e", "queue", "contact-center"};
  std::string s;
  const size_t pieces = std::uniform_int_distribution<size_t>(0, 12)(rng);
  for (size_t i = 0; i < pieces; ++i) {
    absl::StrAppend(&s, kPieces[std::uniform_int_distribution<size_t>(0, std::size(kPieces) - 1)(rng)]);
  }
  return s;
}

// Random values for every field, in and out of what the engine accepts.
v1::ContactEvent RandomEvent(std::mt19937_64& rng) {
  auto pick = [&rng](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  auto maybe = [&rng] { return std::bernoulli_distribution(0.5)(rng); };
  v1::ContactEvent e;
  e.set_event_id(RandomText(rng));
  e.set_source(RandomText(rng));
  e.set_contact_id(RandomText(rng));
  if (pick(0, 9) > 0) {  // absent one time in ten
    e.mutable_occurred_at()->set_seconds(maybe() ? pick(1'600'000'000, 1'900'000'000)
                                                 : pick(-70'000'000'000, 300'000'000'000));
    e.mutable_occurred_at()->set_nanos(static_cast<int32_t>(maybe() ? pick(0, 999'999'999) : pick(-5, 2'000'000'000)));
  }
  e.set_kind(static_cast<v1::EventKind>(pick(-2, 19)));
  if (maybe()) e.set_queue(RandomText(rng));
  if (maybe()) e.set_channel(RandomText(rng));
  if (maybe()) e.set_priority(static_cast<int32_t>(pick(INT32_MIN, INT32_MAX)));
  if (maybe()) e.set_category(RandomText(rng));
  if (maybe()) e.set_customer_id(RandomText(rng));
  if (maybe()) e.set_agent(RandomText(rng));
  if (maybe()) e.set_flow_out_reason(static_cast<v1::FlowOutReason>(pick(-1, 7)));
  e.set_first_contact_resolution(maybe());
  if (maybe()) e.set_csat_score(static_cast<double>(pick(-10, 100)) / 4);
  if (maybe()) e.set_csat_scale(static_cast<double>(pick(0, 10)));
  if (maybe()) e.set_escalation_level(static_cast<int32_t>(pick(-3, 5)));
  return e;
}

v1::EventBatch RandomBatch(std::mt19937_64& rng) {
  v1::EventBatch batch;
  batch.set_sequence(std::uniform_int_distribution<uint64_t>()(rng));
  const int events = std::uniform_int_distribution<int>(0, 8)(rng);
  for (int i = 0; i < events; ++i) *batch.add_events() = RandomEvent(rng);
  return batch;
}

TEST(WireDecoderTest, ReadsWhatCollectorsSendAsProtobufDoes) {
  std::mt19937_64 rng(20261123);
  DecodedBatch decoded;  // reused, as ingest reuses its batches
  size_t converted = 0, failed = 0;
  for (int i = 0; i < 20'000; ++i) {
    const std::string wire = RandomBatch(rng).SerializeAsString();
    const std::optional<DecodedBatch> expected = ByProtobuf(wire);
    ASSERT_TRUE(expected.has_value());
    ASSERT_TRUE(DecodeBatch(wire, &decoded)) << "batch " << i;
    ExpectSame(*expected, decoded);
    if (HasFatalFailure() || HasNonfatalFailure()) FAIL() << "batch " << i;
    converted += decoded.n_converted;
    failed += decoded.failures.size();
  }
  // Both kinds of outcome were exercised, many times.
  EXPECT_GT(converted, 5'000u);
  EXPECT_GT(failed, 20'000u);
}

// Bytes changed at random: whenever the decoder reads a batch, protobuf
// reads it too, to the same values. What it declines is left to protobuf.
TEST(WireDecoderTest, NeverReadsABatchOtherwiseThanProtobuf) {
  std::mt19937_64 rng(7);
  DecodedBatch decoded;
  size_t read = 0, declined = 0;
  for (int i = 0; i < 40'000; ++i) {
    std::string wire = RandomBatch(rng).SerializeAsString();
    if (wire.empty()) continue;
    const int changes = std::uniform_int_distribution<int>(1, 2)(rng);
    for (int c = 0; c < changes; ++c) {
      const size_t at = std::uniform_int_distribution<size_t>(0, wire.size() - 1)(rng);
      switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
        case 0: wire[at] = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng)); break;
        case 1: wire.erase(at, 1); break;
        case 2: wire.resize(at); break;
      }
      if (wire.empty()) break;
    }
    if (!DecodeBatch(wire, &decoded)) {
      ++declined;
      continue;
    }
    ++read;
    const std::optional<DecodedBatch> expected = ByProtobuf(wire);
    ASSERT_TRUE(expected.has_value()) << "the decoder read a batch protobuf refuses: " << i;
    ExpectSame(*expected, decoded);
    if (HasFatalFailure() || HasNonfatalFailure()) FAIL() << "batch " << i;
  }
  EXPECT_GT(read, 3'000u);
  EXPECT_GT(declined, 3'000u);
}

// A ContactEvent with `field` (number) appended again as raw bytes.
std::string WithExtraBytes(const v1::ContactEvent& event, absl::string_view extra) {
  const std::string body = absl::StrCat(event.SerializeAsString(), extra);
  // EventBatch field 2 (events), length-delimited; the body is under 128 bytes.
  EXPECT_LT(body.size(), 128u);
  return absl::StrCat(absl::string_view("\x12", 1), std::string(1, static_cast<char>(body.size())), body);
}

v1::ContactEvent Answered() {
  v1::ContactEvent e;
  e.set_kind(v1::ANSWERED);
  e.set_source("pbx");
  e.set_event_id("e1");
  e.set_contact_id("c1");
  e.mutable_occurred_at()->set_seconds(1'772'442'000);
  return e;
}

TEST(WireDecoderTest, DeclinesWhatItLeavesToProtobuf) {
  DecodedBatch decoded;
  const struct {
    const char* what;
    std::string wire;
  } cases[] = {
      // Field 99, a varint: unknown to this build (a newer collector's).
      {"unknown field", WithExtraBytes(Answered(), absl::string_view("\x98\x06\x01", 3))},
      // kind (5) sent length-delimited: protobuf keeps it as an unknown field.
      {"known field, other wire type", WithExtraBytes(Answered(), absl::string_view("\x2a\x01\x03", 3))},
      // occurred_at again: protobuf merges the two Timestamps.
      {"second occurred_at", WithExtraBytes(Answered(), absl::string_view("\x22\x02\x10\x05", 4))},
      // agent (11) with a lone continuation byte: protobuf refuses the batch.
      {"string not UTF-8", WithExtraBytes(Answered(), absl::string_view("\x5a\x01\x80", 3))},
      // agent's length 1 written in 6 bytes: protobuf reads a length from
      // at most 5 and refuses the batch.
      {"overlong length", WithExtraBytes(Answered(), absl::string_view("\x5a\x81\x80\x80\x80\x80\x00x", 8))},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(DecodeBatch(c.wire, &decoded)) << c.what;
  }
  v1::EventBatch with_record;
  with_record.add_records()->set_contact_id("c1");
  EXPECT_FALSE(DecodeBatch(with_record.SerializeAsString(), &decoded)) << "records";

  // ReadBatch then reads them as protobuf does: the field it does not know
  // skipped, the Timestamps merged, the record converted; the string that is
  // not UTF-8 refused.
  ASSERT_TRUE(ReadBatch(cases[0].wire, &decoded));
  ASSERT_EQ(decoded.n_converted, 1u);
  EXPECT_EQ(decoded.events[0].kind, engine::EventKind::kAnswered);
  ASSERT_TRUE(ReadBatch(cases[2].wire, &decoded));
  ASSERT_EQ(decoded.n_converted, 1u);
  EXPECT_EQ(decoded.events[0].occurred_at, absl::FromUnixSeconds(1'772'442'000) + absl::Nanoseconds(5));
  EXPECT_FALSE(ReadBatch(cases[3].wire, &decoded));
  EXPECT_FALSE(ReadBatch(cases[4].wire, &decoded));
  ASSERT_TRUE(ReadBatch(with_record.SerializeAsString(), &decoded));
  EXPECT_EQ(decoded.n_items, 1u);
  ASSERT_EQ(decoded.failures.size(), 1u);
  EXPECT_EQ(decoded.failures[0].error.detail, "arrived_at is required");
}

// Varints of every length, 1 to 10 bytes, at both ends of each length's
// range: read a word at a time where 8 bytes follow (a batch with an event
// after its sequence), a byte at a time near the end (the sequence last).
TEST(WireDecoderTest, ReadsVarintsOfEveryLengthExactly) {
  DecodedBatch decoded;
  for (int length = 1; length <= 10; ++length) {
    // 0 is not written at all (proto3's default), so 1 for one byte.
    const uint64_t lowest = length == 1 ? 1 : uint64_t{1} << (7 * (length - 1));
    const uint64_t highest = length == 10 ? ~uint64_t{0} : (uint64_t{1} << (7 * length)) - 1;
    for (const uint64_t value : {lowest, highest}) {
      for (const bool event_follows : {true, false}) {
        v1::EventBatch batch;
        batch.set_sequence(value);
        if (event_follows) *batch.add_events() = Answered();
        const std::string wire = batch.SerializeAsString();
        // Tag, then the varint: it is `length` bytes long.
        ASSERT_EQ(wire.size(), 1 + static_cast<size_t>(length) + (event_follows ? 2 + Answered().ByteSizeLong() : 0));
        ASSERT_TRUE(DecodeBatch(wire, &decoded)) << length << " bytes, " << value;
        EXPECT_EQ(decoded.sequence, value) << length << " bytes";
        EXPECT_EQ(decoded.n_converted, event_follows ? 1u : 0u);
      }
    }
  }
  // Over 64 bits: the decoder declines it, leaving it to protobuf.
  EXPECT_FALSE(DecodeBatch(std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 11), &decoded));
}

TEST(WireDecoderTest, LaterValuesOfAFieldWinAsInProtobuf) {
  // The same string and scalar fields twice, out of field order.
  const std::string wire = WithExtraBytes(Answered(), absl::string_view("\x12\x03" "acd" "\x28\x04" "\x1a\x02" "c2", 11));
  DecodedBatch decoded;
  ASSERT_TRUE(DecodeBatch(wire, &decoded));
  ASSERT_EQ(decoded.n_converted, 1u);
  EXPECT_EQ(decoded.events[0].source, "acd");
  EXPECT_EQ(decoded.events[0].kind, engine::EventKind::kAbandoned);
  EXPECT_EQ(decoded.events[0].contact_id, "c2");
  ExpectSame(*ByProtobuf(wire), decoded);
}

// A field added to ContactEvent must be taught to the decoder, or every batch
// carrying it goes the slow way: each field, set alone, is read here.
TEST(WireDecoderTest, KnowsEveryFieldOfContactEvent) {
  const google::protobuf::Descriptor* d = v1::ContactEvent::descriptor();
  DecodedBatch decoded;
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    v1::EventBatch batch;
    v1::ContactEvent* e = batch.add_events();
    const google::protobuf::Reflection* r = e->GetReflection();
    switch (f->cpp_type()) {
      case google::protobuf::FieldDescriptor::CPPTYPE_STRING: r->SetString(e, f, "x"); break;
      case google::protobuf::FieldDescriptor::CPPTYPE_INT32: r->SetInt32(e, f, -7); break;
      case google::protobuf::FieldDescriptor::CPPTYPE_INT64: r->SetInt64(e, f, -7); break;
      case google::protobuf::FieldDescriptor::CPPTYPE_ENUM: r->SetEnumValue(e, f, 3); break;
      case google::protobuf::FieldDescriptor::CPPTYPE_BOOL: r->SetBool(e, f, true); break;
      case google::protobuf::FieldDescriptor::CPPTYPE_DOUBLE: r->SetDouble(e, f, 2.5); break;
      case google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE: r->MutableMessage(e, f)->Clear(); break;
      default: FAIL() << f->name() << ": a field type the decoder does not read";
    }
    const std::string wire = batch.SerializeAsString();
    EXPECT_TRUE(DecodeBatch(wire, &decoded)) << f->name();
    ExpectSame(*ByProtobuf(wire), decoded);
  }
}

}  // namespace
}  // namespace slamon::ingest
