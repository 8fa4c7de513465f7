#include "daemon/export/gzip.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/export/gunzip.h"

namespace slamon::exporter {
namespace {

std::string Joined(const Page& page) {
  std::string text;
  for (const TextBuffer& piece : page) absl::StrAppend(&text, piece.view());
  return text;
}

// The gzip trailer's last field (RFC 1952 §2.3.1): the text's length
// modulo 2^32, little-endian.
uint32_t TrailerLength(const TextBuffer& gzip) {
  const auto byte = [&](size_t from_end) {
    return static_cast<uint32_t>(static_cast<unsigned char>(gzip.data()[gzip.size() - from_end]));
  };
  return byte(4) | byte(3) << 8 | byte(2) << 16 | byte(1) << 24;
}

TEST(AcceptsGzipTest, FollowsTheCodingsAndWeightsOfTheHeader) {
  // What Prometheus sends, and the usual browser and client forms.
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("deflate;q=1.0, gzip;q=0.5"));
  EXPECT_TRUE(AcceptsGzip(" GZip ; Q=0.001 "));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("identity, *;q=0.1"));
  // No header, or only other codings: the identity.
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("deflate, br"));
  EXPECT_FALSE(AcceptsGzip("gzipped"));
  // A weight of 0 refuses, also when a wildcard would admit it.
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0.000"));
  EXPECT_FALSE(AcceptsGzip("*;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0, *"));
  // A weight that does not parse refuses its coding only.
  EXPECT_FALSE(AcceptsGzip("gzip;q=high"));
  EXPECT_TRUE(AcceptsGzip("gzip;q=high, x-gzip"));
  // Two headers joined: either may admit it.
  EXPECT_TRUE(AcceptsGzip("br,gzip"));
}

TEST(GzipPageTest, ThePiecesComeBackAsOneText) {
  Page page;
  page.emplace_back("# TYPE a gauge\na 1\n");
  page.emplace_back();  // an empty piece changes nothing
  page.emplace_back("# TYPE b gauge\nb 2\n");
  TextBuffer gzip("left over from an earlier page");
  GzipPage(page, gzip);
  ASSERT_GE(gzip.size(), 18u);  // a 10-byte header and an 8-byte trailer
  EXPECT_EQ(static_cast<unsigned char>(gzip.data()[0]), 0x1f);  // the gzip magic
  EXPECT_EQ(static_cast<unsigned char>(gzip.data()[1]), 0x8b);
  EXPECT_EQ(gzip.data()[2], 8);  // deflate
  EXPECT_EQ(TrailerLength(gzip), 38u);
  EXPECT_EQ(Gunzip(gzip.view()), "# TYPE a gauge\na 1\n# TYPE b gauge\nb 2\n");
}

TEST(GzipPageTest, AnEmptyPageIsAnEmptyMember) {
  TextBuffer gzip;
  GzipPage(Page(), gzip);
  EXPECT_EQ(TrailerLength(gzip), 0u);
  EXPECT_EQ(Gunzip(gzip.view()), "");
}

// Many output rounds: megabytes of series, and a piece that does not
// compress (its gzip is longer than it), so that deflate fills its output
// room again and again within one piece.
TEST(GzipPageTest, ALargePageRoundTripsExactly) {
  Page page;
  for (int family = 0; family < 40; ++family) {
    TextBuffer& piece = page.emplace_back();
    for (int queue = 0; queue < 2000; ++queue) {
      piece.Append(absl::StrCat("slamon_family_", family, "{queue=\"q", queue, "\",channel=\"phone\"} ",
                                queue * family, "\n"));
    }
  }
  TextBuffer& noise = page.emplace_back();
  uint64_t state = 88172645463325252ULL;  // xorshift64
  for (int i = 0; i < 300'000; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    noise.Append(static_cast<char>(state));
  }
  const std::string text = Joined(page);
  ASSERT_GT(text.size(), 4'000'000u);  // many times deflate's output room
  TextBuffer gzip;
  GzipPage(page, gzip);
  EXPECT_EQ(TrailerLength(gzip), static_cast<uint32_t>(text.size()));
  EXPECT_LT(gzip.size(), text.size() / 5);
  const std::optional<std::string> back = Gunzip(gzip.view());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->size(), text.size());
  EXPECT_TRUE(*back == text);  // not EXPECT_EQ: a failure would print megabytes
}

}  // namespace
}  // namespace slamon::exporter
