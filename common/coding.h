// Little-endian fixed-width integers in byte strings: the framing of the
// daemon's log records and the collectors' spool records.
#ifndef SLAMON_COMMON_CODING_H_
#define SLAMON_COMMON_CODING_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"
#include "common/check.h"

namespace slamon {

// Appends the low `bytes` (at most 8) bytes of `v`, least significant first.
// One append of a word copied whole, not a push_back per byte: snapshots
// write millions of these.
inline void PutFixed(std::string& out, uint64_t v, int bytes) {
  SLAMON_CHECK(bytes >= 0 && bytes <= 8);
  char buf[8];
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(buf, &v, 8);
  } else {
    for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  }
  out.append(buf, static_cast<size_t>(bytes));
}

// Reads `bytes` bytes written by PutFixed; `in` must hold at least that many.
inline uint64_t GetFixed(absl::string_view in, int bytes) {
  SLAMON_CHECK(bytes >= 0 && bytes <= 8);
  uint64_t v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, in.data(), static_cast<size_t>(bytes));  // one load where `bytes` is a constant
  } else {
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  }
  return v;
}

}  // namespace slamon

#endif  // SLAMON_COMMON_CODING_H_
