// CRC-32C (Castagnoli), the checksum of storage records and spool entries:
// it detects torn writes and flipped bits; it is not a defence against
// deliberate tampering.
#ifndef SLAMON_COMMON_CRC32C_H_
#define SLAMON_COMMON_CRC32C_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace slamon {

// Extends `crc` (the CRC of earlier bytes, 0 for none) over `data`. Uses the
// processor's CRC32 instruction where it has one (x86-64 with SSE4.2): the
// write-ahead log checksums every batch it logs.
uint32_t Crc32c(absl::string_view data, uint32_t crc = 0);

namespace crc32c_internal {
// The two ways Crc32c computes, for tests that hold them to the same values.
uint32_t Portable(absl::string_view data, uint32_t crc);
// Only where HasInstruction().
uint32_t WithInstruction(absl::string_view data, uint32_t crc);
bool HasInstruction();
}  // namespace crc32c_internal

}  // namespace slamon

#endif  // SLAMON_COMMON_CRC32C_H_
