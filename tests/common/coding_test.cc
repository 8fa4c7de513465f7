#include "common/coding.h"

#include <string>

#include "gtest/gtest.h"

namespace slamon {
namespace {

// The byte order saved state and spool files were written in: least
// significant first, whatever the host.
TEST(CodingTest, FixedWidthIsLittleEndian) {
  std::string out = "x";
  PutFixed(out, 0x0102030405060708u, 8);
  PutFixed(out, 0xa1b2c3d4e5f60718u, 4);
  PutFixed(out, 0xffu, 0);
  EXPECT_EQ(out, std::string("x\x08\x07\x06\x05\x04\x03\x02\x01\x18\x07\xf6\xe5", 13));
  EXPECT_EQ(GetFixed(absl::string_view(out).substr(1), 8), 0x0102030405060708u);
  EXPECT_EQ(GetFixed(absl::string_view(out).substr(9), 4), 0xe5f60718u);
  EXPECT_EQ(GetFixed(absl::string_view(out).substr(9), 2), 0x0718u);
}

}  // namespace
}  // namespace slamon
