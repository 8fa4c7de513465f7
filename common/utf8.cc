#include "common/utf8.h"

#include <cstdint>
#include <cstring>

namespace slamon {

namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;

template <typename Word>
Word Load(const uint8_t* p) {
  Word w;
  std::memcpy(&w, p, sizeof w);  // a fixed size: one load, no call
  return w;
}

// Whether every byte is below 0x80, a word at a time; a short string by
// two loads that overlap, not byte by byte (ids and names are mostly short
// and ASCII).
bool IsAscii(const uint8_t* p, size_t n) {
  if (n >= 8) {
    uint64_t any = Load<uint64_t>(p + n - 8);
    for (size_t i = 0; i + 8 <= n; i += 8) any |= Load<uint64_t>(p + i);
    return (any & kHighBits) == 0;
  }
  if (n >= 4) return ((Load<uint32_t>(p) | Load<uint32_t>(p + n - 4)) & 0x80808080u) == 0;
  uint8_t any = 0;
  for (size_t i = 0; i < n; ++i) any |= p[i];
  return any < 0x80;
}

}  // namespace

bool IsValidUtf8(absl::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  if (IsAscii(p, n)) return true;
  size_t i = 0;
  while (i < n) {
    const uint8_t lead = p[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    // The continuation bytes a lead byte needs, and the range its first one
    // must fall in (narrower where that excludes overlong forms, surrogates
    // or code points above U+10FFFF).
    size_t more = 0;
    uint8_t low = 0x80, high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      more = 1;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      more = 2;
      if (lead == 0xe0) low = 0xa0;
      if (lead == 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      more = 3;
      if (lead == 0xf0) low = 0x90;
      if (lead == 0xf4) high = 0x8f;
    } else {
      return false;  // a continuation byte, C0/C1 (overlong) or F5..FF
    }
    if (n - i <= more) return false;
    if (p[i + 1] < low || p[i + 1] > high) return false;
    for (size_t k = 2; k <= more; ++k) {
      if (p[i + k] < 0x80 || p[i + k] > 0xbf) return false;
    }
    i += more + 1;
  }
  return true;
}

}  // namespace slamon
