// CRC-32C (Castagnoli), the checksum of storage records and spool entries:
// it detects torn writes and flipped bits; it is not a defence against
// deliberate tampering.
#ifndef SLAMON_COMMON_CRC32C_H_
#define SLAMON_COMMON_CRC32C_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace slamon {

// Extends `crc` (the CRC of earlier bytes, 0 for none) over `data`.
uint32_t Crc32c(absl::string_view data, uint32_t crc = 0);

}  // namespace slamon

#endif  // SLAMON_COMMON_CRC32C_H_
