// Little-endian fixed-width integers in byte strings: the framing of the
// daemon's log records and the collectors' spool records.
#ifndef SLAMON_COMMON_CODING_H_
#define SLAMON_COMMON_CODING_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace slamon {

// Appends the low `bytes` bytes of `v`, least significant first.
inline void PutFixed(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// Reads `bytes` bytes written by PutFixed; `in` must hold at least that many.
inline uint64_t GetFixed(absl::string_view in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  return v;
}

}  // namespace slamon

#endif  // SLAMON_COMMON_CODING_H_
