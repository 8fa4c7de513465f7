#include "daemon/engine/state_codec.h"

#include <bit>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/coding.h"

namespace slamon::engine {
namespace {

constexpr int64_t kPastSentinel = std::numeric_limits<int64_t>::min();
constexpr int64_t kFutureSentinel = std::numeric_limits<int64_t>::max();

}  // namespace

void StateWriter::U64(uint64_t v) { PutFixed(out_, v, 8); }

void StateWriter::Varint(uint64_t v) {
  char buf[10];  // 7 bits a byte: 64 bits take at most 10
  size_t n = 0;
  for (; v >= 0x80; v >>= 7) buf[n++] = static_cast<char>(v | 0x80);
  buf[n++] = static_cast<char>(v);
  out_.append(buf, n);
}

void StateWriter::Double(double v) { U64(std::bit_cast<uint64_t>(v)); }

void StateWriter::String(absl::string_view s) {
  Varint(s.size());
  out_.append(s.data(), s.size());
}

void StateWriter::Time(absl::Time t) {
  if (t == absl::InfinitePast()) return I64(kPastSentinel);
  if (t == absl::InfiniteFuture()) return I64(kFutureSentinel);
  I64(absl::ToUnixNanos(t));
}

void StateWriter::Duration(absl::Duration d) { I64(absl::ToInt64Nanoseconds(d)); }

bool StateReader::Take(size_t n, absl::string_view* out) {
  if (!ok()) return false;
  if (in_.size() < n) {
    Fail(absl::StrCat("truncated: ", n, " bytes wanted, ", in_.size(), " left"));
    return false;
  }
  *out = in_.substr(0, n);
  in_.remove_prefix(n);
  return true;
}

void StateReader::Fail(absl::string_view why) {
  if (status_.ok()) status_ = absl::DataLossError(why);
  in_ = {};
}

uint8_t StateReader::U8() {
  absl::string_view b;
  return Take(1, &b) ? static_cast<uint8_t>(b[0]) : 0;
}

bool StateReader::Bool() {
  const uint8_t v = U8();
  if (v > 1) Fail("boolean out of range");
  return v == 1;
}

uint64_t StateReader::U64() {
  absl::string_view b;
  return Take(8, &b) ? GetFixed(b, 8) : 0;
}

uint64_t StateReader::Varint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    const uint8_t byte = U8();
    if (!ok()) return 0;
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return v;
  }
  Fail("varint longer than 10 bytes");
  return 0;
}

size_t StateReader::Count(size_t min_item_bytes) {
  const uint64_t n = Varint();
  if (ok() && n > in_.size() / std::max<size_t>(1, min_item_bytes)) {
    Fail(absl::StrCat("count ", n, " exceeds what is left"));
    return 0;
  }
  return static_cast<size_t>(n);
}

double StateReader::Double() { return std::bit_cast<double>(U64()); }

std::string StateReader::String() {
  const size_t n = Count(1);
  absl::string_view b;
  return Take(n, &b) ? std::string(b) : std::string();
}

absl::Time StateReader::Time() {
  const int64_t ns = I64();
  if (ns == kPastSentinel) return absl::InfinitePast();
  if (ns == kFutureSentinel) return absl::InfiniteFuture();
  return absl::FromUnixNanos(ns);
}

absl::Duration StateReader::Duration() { return absl::Nanoseconds(I64()); }

}  // namespace slamon::engine
