#include "common/crc32c.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace slamon {
namespace {

using crc32c_internal::HasInstruction;
using crc32c_internal::Portable;
using crc32c_internal::WithInstruction;

std::string Bytes(int n, int first, int step) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(first + i * step));
  return s;
}

// Each way of computing, against published values: the CRC-32C check value
// and the test vectors of RFC 3720, appendix B.4.
TEST(Crc32cTest, PublishedValues) {
  std::vector<uint32_t (*)(absl::string_view, uint32_t)> ways = {&Portable};
  if (HasInstruction()) ways.push_back(&WithInstruction);
  for (auto crc : ways) {
    EXPECT_EQ(crc("123456789", 0), 0xE3069283u);
    EXPECT_EQ(crc(std::string(32, '\0'), 0), 0x8A9136AAu);
    EXPECT_EQ(crc(std::string(32, '\xff'), 0), 0x62A8AB43u);
    EXPECT_EQ(crc(Bytes(32, 0, 1), 0), 0x46DD794Eu);
    EXPECT_EQ(crc(Bytes(32, 31, -1), 0), 0x113FDB5Cu);
    EXPECT_EQ(crc("", 0), 0u);
  }
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
}

TEST(Crc32cTest, InstructionAgreesAtEveryLengthAndOffsetAndExtends) {
  if (!HasInstruction()) GTEST_SKIP() << "no CRC32 instruction on this processor";
  const std::string data = Bytes(300, 7, 13);
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t length = 0; offset + length <= data.size(); ++length) {
      const absl::string_view piece = absl::string_view(data).substr(offset, length);
      ASSERT_EQ(WithInstruction(piece, 0), Portable(piece, 0)) << offset << "+" << length;
    }
  }
  // A CRC carried over from earlier bytes, split at every point.
  const absl::string_view all(data);
  for (size_t cut = 0; cut <= all.size(); ++cut) {
    ASSERT_EQ(Crc32c(all.substr(cut), Crc32c(all.substr(0, cut))), Portable(all, 0)) << cut;
  }
}

}  // namespace
}  // namespace slamon
