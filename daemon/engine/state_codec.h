// A compact binary encoding of engine state, for snapshots and the log:
// little-endian fixed-width integers, varint lengths and counts, times as
// Unix nanoseconds. Pure: it only fills and reads byte strings; the storage
// adapter decides where they go and checksums them.
//
// The reader is sticky: after the first malformed or short read every getter
// returns a zero value and status() names the first failure, so decoders can
// read a whole structure and check once.
#ifndef SLAMON_DAEMON_ENGINE_STATE_CODEC_H_
#define SLAMON_DAEMON_ENGINE_STATE_CODEC_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace slamon::engine {

class StateWriter {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void Bool(bool v) { U8(v ? 1 : 0); }
  void U64(uint64_t v);
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Varint(uint64_t v);
  void Double(double v);
  void String(absl::string_view s);
  // InfinitePast and InfiniteFuture round-trip; finite times to the
  // nanosecond.
  void Time(absl::Time t);
  void Duration(absl::Duration d);

  const std::string& data() const { return out_; }
  std::string Release() { return std::move(out_); }

 private:
  std::string out_;
};

class StateReader {
 public:
  explicit StateReader(absl::string_view data) : in_(data) {}

  // The format version of the state being read, once its header is read:
  // decoders of fields added later skip them for older formats.
  uint64_t format() const { return format_; }
  void set_format(uint64_t format) { format_ = format; }

  uint8_t U8();
  bool Bool();
  uint64_t U64();
  int64_t I64() { return static_cast<int64_t>(U64()); }
  uint64_t Varint();
  // A count of items that each take at least `min_item_bytes`: larger than
  // what is left means corruption, caught before anything is allocated.
  size_t Count(size_t min_item_bytes = 1);
  double Double();
  std::string String();
  absl::Time Time();
  absl::Duration Duration();
  // An enum stored as one byte, checked against its number of values.
  template <typename E>
  E Enum(int count) {
    const uint8_t v = U8();
    if (v >= count) Fail("enum value out of range");
    return static_cast<E>(v >= count ? 0 : v);
  }

  // Marks the input malformed (keeps the first reason).
  void Fail(absl::string_view why);
  bool ok() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }
  size_t remaining() const { return in_.size(); }
  bool done() const { return in_.empty(); }

 private:
  bool Take(size_t n, absl::string_view* out);

  absl::string_view in_;
  absl::Status status_;
  uint64_t format_ = UINT64_MAX;  // the newest, until set
};

}  // namespace slamon::engine

#endif  // SLAMON_DAEMON_ENGINE_STATE_CODEC_H_
