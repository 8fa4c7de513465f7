#include "common/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace slamon {
namespace crc32c_internal {
namespace {

// Reflected polynomial 0x1EDC6F41, one table entry per byte value.
constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kTable = MakeTable();

}  // namespace

uint32_t Portable(absl::string_view data, uint32_t crc) {
  crc = ~crc;
  for (unsigned char byte : data) crc = kTable[(crc ^ byte) & 0xff] ^ (crc >> 8);
  return ~crc;
}

#if defined(__x86_64__)
// Eight bytes per instruction instead of one table step per byte.
__attribute__((target("sse4.2"))) uint32_t WithInstruction(absl::string_view data, uint32_t crc) {
  const char* p = data.data();
  size_t n = data.size();
  uint64_t c = ~crc;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
  }
  auto c32 = static_cast<uint32_t>(c);
  for (; n > 0; ++p, --n) c32 = _mm_crc32_u8(c32, static_cast<unsigned char>(*p));
  return ~c32;
}

bool HasInstruction() { return __builtin_cpu_supports("sse4.2"); }
#else
uint32_t WithInstruction(absl::string_view data, uint32_t crc) { return Portable(data, crc); }
bool HasInstruction() { return false; }
#endif

}  // namespace crc32c_internal

uint32_t Crc32c(absl::string_view data, uint32_t crc) {
  static const bool has_instruction = crc32c_internal::HasInstruction();
  return has_instruction ? crc32c_internal::WithInstruction(data, crc) : crc32c_internal::Portable(data, crc);
}

}  // namespace slamon
