#include "daemon/ingest/wire_decoder.h"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "common/utf8.h"

namespace slamon::ingest {
namespace {

// Wire types (protobuf encoding guide).
constexpr uint32_t kVarint = 0;
constexpr uint32_t kFixed64 = 1;
constexpr uint32_t kLengthDelimited = 2;

constexpr uint64_t Tag(uint32_t field, uint32_t wire_type) { return (uint64_t{field} << 3) | wire_type; }

// A cursor over wire bytes. A read that would go past the end, or that
// protobuf might read otherwise (a varint over 64 bits), fails.
class Reader {
 public:
  explicit Reader(absl::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool done() const { return p_ == end_; }

  // At most `max_bytes` long: protobuf reads a tag from up to 5 bytes and a
  // length from up to 5, so a longer one is declined rather than guessed at.
  bool Varint(uint64_t* value, int max_bytes = 10) {
    if (p_ != end_ && static_cast<uint8_t>(*p_) < 0x80) {  // tags and small numbers
      *value = static_cast<uint8_t>(*p_++);
      return true;
    }
    if (end_ - p_ >= 8) {  // not within 8 bytes of the end: a word at a time
      uint64_t word;
      std::memcpy(&word, p_, 8);
      // The first byte without the continuation bit ends the varint.
      const uint64_t ends = ~word & 0x8080808080808080ULL;
      if (ends != 0) {
        const int length = (std::countr_zero(ends) + 1) / 8;
        if (length > max_bytes) return false;
        // Keep its bytes' low 7 bits, then close the gaps between them:
        // pairs of 7 into 14, 14 into 28, 28 into 56.
        uint64_t x = word & (length == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * length)) - 1) &
                     0x7f7f7f7f7f7f7f7fULL;
        x = (x & 0x007f007f007f007fULL) | ((x & 0x7f007f007f007f00ULL) >> 1);
        x = (x & 0x00003fff00003fffULL) | ((x & 0x3fff00003fff0000ULL) >> 2);
        x = (x & 0x000000000fffffffULL) | ((x & 0x0fffffff00000000ULL) >> 4);
        p_ += length;
        *value = x;
        return true;
      }
    }
    // Near the end, or 9 or 10 bytes long: the end and `max_bytes` checked
    // once, not per byte.
    const int limit = static_cast<int>(std::min<ptrdiff_t>(max_bytes, end_ - p_));
    uint64_t result = 0;
    for (int i = 0; i < limit; ++i) {
      const uint8_t byte = static_cast<uint8_t>(p_[i]);
      result |= uint64_t{byte & 0x7fu} << (7 * i);
      if (byte < 0x80) {
        if (i == 9 && byte > 1) return false;  // over 64 bits
        p_ += i + 1;
        *value = result;
        return true;
      }
    }
    return false;
  }
  // Every tag this decoder knows fits in 2 bytes.
  bool Tag(uint64_t* tag) { return Varint(tag, 2); }
  // An int32 or enum field: the varint's low 32 bits, as protobuf takes them.
  bool Int32(int32_t* value) {
    uint64_t v;
    if (!Varint(&v)) return false;
    *value = static_cast<int32_t>(static_cast<uint32_t>(v));
    return true;
  }
  bool Bool(bool* value) {
    uint64_t v;
    if (!Varint(&v)) return false;
    *value = v != 0;
    return true;
  }
  bool Double(double* value) {
    if (end_ - p_ < 8) return false;
    uint64_t bits;
    std::memcpy(&bits, p_, 8);  // little-endian on the wire, as on x86 and ARM
    static_assert(std::endian::native == std::endian::little);
    std::memcpy(value, &bits, 8);
    p_ += 8;
    return true;
  }
  bool LengthDelimited(absl::string_view* bytes) {
    uint64_t n;
    if (!Varint(&n, 5) || n > static_cast<uint64_t>(end_ - p_)) return false;
    *bytes = absl::string_view(p_, static_cast<size_t>(n));
    p_ += n;
    return true;
  }
  // A proto3 string: protobuf refuses the whole batch if one is not UTF-8.
  bool String(absl::string_view* out) { return LengthDelimited(out) && IsValidUtf8(*out); }

 private:
  const char* p_;
  const char* end_;
};

bool DecodeTimestamp(absl::string_view bytes, EventScalars* out) {
  Reader r(bytes);
  uint64_t tag, seconds;
  while (!r.done()) {
    if (!r.Tag(&tag)) return false;
    switch (tag) {
      case Tag(1, kVarint):
        if (!r.Varint(&seconds)) return false;
        out->occurred_seconds = static_cast<int64_t>(seconds);
        break;
      case Tag(2, kVarint):
        if (!r.Int32(&out->occurred_nanos)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

// One ContactEvent into `out`, which points into `bytes`; every field of
// `out` is set (a kept event holds an earlier one's).
bool DecodeEvent(absl::string_view bytes, engine::EventView* out, EventScalars* scalars) {
  *out = engine::EventView();
  Reader r(bytes);
  uint64_t tag;
  absl::string_view timestamp;
  while (!r.done()) {
    if (!r.Tag(&tag)) return false;
    bool ok = false;
    switch (tag) {
      case Tag(1, kLengthDelimited): ok = r.String(&out->event_id); break;
      case Tag(2, kLengthDelimited): ok = r.String(&out->source); break;
      case Tag(3, kLengthDelimited): ok = r.String(&out->contact_id); break;
      case Tag(4, kLengthDelimited):
        // A second occurrence is merged into the first by protobuf.
        ok = !scalars->has_occurred_at && r.LengthDelimited(&timestamp) && DecodeTimestamp(timestamp, scalars);
        scalars->has_occurred_at = true;
        break;
      case Tag(5, kVarint): ok = r.Int32(&scalars->kind); break;
      case Tag(6, kLengthDelimited): ok = r.String(&out->queue); break;
      case Tag(7, kLengthDelimited): ok = r.String(&out->channel); break;
      case Tag(8, kVarint): ok = r.Int32(&scalars->priority); break;
      case Tag(9, kLengthDelimited): ok = r.String(&out->category); break;
      case Tag(10, kLengthDelimited): ok = r.String(&out->customer_id); break;
      case Tag(11, kLengthDelimited): ok = r.String(&out->agent); break;
      case Tag(12, kVarint): ok = r.Int32(&scalars->flow_out_reason); break;
      case Tag(13, kVarint): ok = r.Bool(&scalars->first_contact_resolution); break;
      case Tag(14, kFixed64): ok = r.Double(&scalars->csat_score); break;
      case Tag(15, kFixed64): ok = r.Double(&scalars->csat_scale); break;
      case Tag(16, kVarint): ok = r.Int32(&scalars->escalation_level); break;
      default: break;  // an unknown field, or a known one in another wire type
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool DecodeBatch(absl::string_view wire, DecodedBatch* out) {
  out->Clear();
  Reader r(wire);
  uint64_t tag;
  absl::string_view event;
  while (!r.done()) {
    if (!r.Tag(&tag)) return false;
    if (tag == Tag(1, kVarint)) {
      if (!r.Varint(&out->sequence)) return false;
    } else if (tag == Tag(2, kLengthDelimited)) {
      EventScalars scalars;
      engine::EventView& slot = out->NextEvent();
      if (!r.LengthDelimited(&event) || !DecodeEvent(event, &slot, &scalars)) return false;
      out->AddEvent(SetScalars(scalars, &slot));
    } else {
      return false;  // records (left to protobuf), or a field this build does not know
    }
  }
  return true;
}

}  // namespace slamon::ingest
