#include "common/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace slamon {
namespace {

TEST(Utf8Test, WellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("sales"));
  EXPECT_TRUE(IsValidUtf8("Z\xc3\xbcrich"));                 // ü, two bytes
  EXPECT_TRUE(IsValidUtf8("\xe2\x82\xac"));                  // €, three bytes
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x93\x9e"));              // U+1F4DE, four bytes
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));          // NUL is a character
  EXPECT_TRUE(IsValidUtf8("\xc2\x80"));                      // U+0080, the first two-byte one
  EXPECT_TRUE(IsValidUtf8("\xed\x9f\xbf\xee\x80\x80"));      // U+D7FF and U+E000 around the surrogates
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));              // U+10FFFF, the last
}

TEST(Utf8Test, IllFormedText) {
  EXPECT_FALSE(IsValidUtf8("ventas-\xe9"));                  // Latin-1 é
  EXPECT_FALSE(IsValidUtf8("\xe9t\xe9"));
  EXPECT_FALSE(IsValidUtf8("\x80"));                         // a lone continuation byte
  EXPECT_FALSE(IsValidUtf8("\xc3"));                         // cut short
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));
  EXPECT_FALSE(IsValidUtf8("\xf0\x9f\x93"));
  EXPECT_FALSE(IsValidUtf8("\xc3\x28"));                     // not followed by a continuation
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));                     // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xc1\xbf"));
  EXPECT_FALSE(IsValidUtf8("\xe0\x9f\xbf"));                 // overlong three-byte
  EXPECT_FALSE(IsValidUtf8("\xf0\x8f\xbf\xbf"));             // overlong four-byte
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));                 // U+D800, a surrogate
  EXPECT_FALSE(IsValidUtf8("\xed\xbf\xbf"));                 // U+DFFF
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));             // U+110000
  EXPECT_FALSE(IsValidUtf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xe2\x82\xac\xe2\x82"));         // good, then cut short
}

}  // namespace
}  // namespace slamon
