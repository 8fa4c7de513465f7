// The text format as Prometheus reads it (exposition format 0.0.4): each
// expected page below is written by hand from the format's description.
#include "daemon/export/exposition.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace slamon::exporter {
namespace {

std::string Value(double v) {
  TextBuffer out;
  AppendValue(v, out);
  return std::string(out.view());
}

TEST(ExpositionTest, FamiliesKeepTheirSeriesTogetherWithHelpAndTypeOnce) {
  Exposition out;
  out.Add("slamon_a_total", "A things.", MetricType::kCounter, Labels().With("queue", "q1"), 3);
  out.Add("slamon_b", "B now.", MetricType::kGauge, {}, 0.25);
  out.Add("slamon_a_total", "", MetricType::kCounter, Labels().With("queue", "q2"), 4);
  out.AppendFamilies("# TYPE other gauge\nother 1\n");
  EXPECT_EQ(out.series(), 3u);
  EXPECT_EQ(std::move(out).Text(),
            "# HELP slamon_a_total A things.\n"
            "# TYPE slamon_a_total counter\n"
            "slamon_a_total{queue=\"q1\"} 3\n"
            "slamon_a_total{queue=\"q2\"} 4\n"
            "# HELP slamon_b B now.\n"
            "# TYPE slamon_b gauge\n"
            "slamon_b 0.25\n"
            "# TYPE other gauge\n"
            "other 1\n");
}

TEST(ExpositionTest, LabelValuesAreEscaped) {
  // A queue named  say "hi"\now<newline>x  (quotes, a backslash, a newline).
  const Labels labels = Labels().With("queue", "say \"hi\"\\now\nx").With("channel", "phone");
  EXPECT_EQ(labels.text(), "queue=\"say \\\"hi\\\"\\\\now\\nx\",channel=\"phone\"");
  Exposition out;
  out.Add("g", "G.", MetricType::kGauge, labels, "state", "a\"b", 1);
  out.Add("g", "", MetricType::kGauge, {}, "state", "plain", 2);
  EXPECT_EQ(std::move(out).Text(),
            "# HELP g G.\n# TYPE g gauge\n"
            "g{queue=\"say \\\"hi\\\"\\\\now\\nx\",channel=\"phone\",state=\"a\\\"b\"} 1\n"
            "g{state=\"plain\"} 2\n");
}

TEST(ExpositionTest, ValuesReadBackExactly) {
  EXPECT_EQ(Value(14), "14");
  EXPECT_EQ(Value(0), "0");
  EXPECT_EQ(Value(-0.0), "0");
  EXPECT_EQ(Value(-2.5), "-2.5");
  EXPECT_EQ(Value(0.1), "0.1");
  EXPECT_EQ(Value(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(Value(123456789012), "123456789012");
  EXPECT_EQ(Value(1772442000.25), "1772442000.25");
  EXPECT_EQ(Value(std::ldexp(1.0, 53) - 1), "9007199254740991");  // largest written as an integer
  EXPECT_EQ(Value(1e20), "1e+20");
  EXPECT_EQ(Value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(Value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(Value(std::nan("")), "NaN");
}

TEST(ExpositionTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  // Observations 0.5, 2, 2, 7 under bounds {1, 2.5}.
  engine::Histogram h;
  const std::vector<double> bounds = {1, 2.5};
  for (const double v : {0.5, 2.0, 2.0, 7.0}) h.Observe(bounds, v);
  Exposition out;
  const FamilyId w = out.Declare("w_seconds", "W.", MetricType::kHistogram);
  const Labels outcome = Labels().With("outcome", "answered");
  out.AddHistogram(w, Labels().With("queue", "q"), outcome, h, bounds);
  out.AddHistogram(w, {}, {}, h, bounds);
  out.AddHistogram(w, {}, outcome, h, bounds);
  out.AddHistogram(w, Labels().With("queue", "empty"), {}, engine::Histogram{}, bounds);  // no lines
  EXPECT_EQ(out.series(), 3u);
  EXPECT_EQ(std::move(out).Text(),
            "# HELP w_seconds W.\n# TYPE w_seconds histogram\n"
            "w_seconds_bucket{queue=\"q\",outcome=\"answered\",le=\"1\"} 1\n"
            "w_seconds_bucket{queue=\"q\",outcome=\"answered\",le=\"2.5\"} 3\n"
            "w_seconds_bucket{queue=\"q\",outcome=\"answered\",le=\"+Inf\"} 4\n"
            "w_seconds_sum{queue=\"q\",outcome=\"answered\"} 11.5\n"
            "w_seconds_count{queue=\"q\",outcome=\"answered\"} 4\n"
            "w_seconds_bucket{le=\"1\"} 1\n"
            "w_seconds_bucket{le=\"2.5\"} 3\n"
            "w_seconds_bucket{le=\"+Inf\"} 4\n"
            "w_seconds_sum 11.5\n"
            "w_seconds_count 4\n"
            "w_seconds_bucket{outcome=\"answered\",le=\"1\"} 1\n"
            "w_seconds_bucket{outcome=\"answered\",le=\"2.5\"} 3\n"
            "w_seconds_bucket{outcome=\"answered\",le=\"+Inf\"} 4\n"
            "w_seconds_sum{outcome=\"answered\"} 11.5\n"
            "w_seconds_count{outcome=\"answered\"} 4\n");
}

TEST(ExpositionTest, DeclaredFamiliesComeInOrderAndEmptyOnesStayOut) {
  Exposition out;
  const FamilyId b = out.Declare("b", "B.", MetricType::kGauge);
  const FamilyId unused = out.Declare("unused", "Never written.", MetricType::kCounter);
  const FamilyId a = out.Declare("a_total", "A.", MetricType::kCounter);
  EXPECT_EQ(out.Declare("b", "", MetricType::kGauge), b);  // the same family
  EXPECT_NE(unused, a);
  const Labels queue = Labels().With("queue", "q");
  out.Add(a, queue, Labels().With("event", "arrived"), 3);
  out.Add(b, {}, Labels().With("window", "15m"), 0.5);
  out.Add(a, queue, 4);
  EXPECT_EQ(std::move(out).Text(),
            "# HELP b B.\n# TYPE b gauge\nb{window=\"15m\"} 0.5\n"
            "# HELP a_total A.\n# TYPE a_total counter\n"
            "a_total{queue=\"q\",event=\"arrived\"} 3\na_total{queue=\"q\"} 4\n");
}

// Pieces of every length up to past 64 bytes (how short ones are copied
// changes at 4, 8, 16 and 32).
TEST(ExpositionTest, LabelSetsOfEveryLengthAreWrittenWhole) {
  for (size_t n = 0; n <= 70; ++n) {
    const std::string value(n, 'x');
    Exposition out;
    const FamilyId g = out.Declare("g", "G.", MetricType::kGauge);
    out.Add(g, Labels().With("q", value), Labels().With("w", value.substr(0, n / 2)), static_cast<double>(n));
    EXPECT_EQ(std::move(out).Text(), "# HELP g G.\n# TYPE g gauge\ng{q=\"" + value + "\",w=\"" + value.substr(0, n / 2) +
                                         "\"} " + std::to_string(n) + "\n");
  }
}

TEST(ExpositionTest, SummaryIsASumAndACount) {
  Exposition out;
  out.AddSummary(out.Declare("csat_score", "S.", MetricType::kSummary), Labels().With("queue", "q"), 2, 7);
  EXPECT_EQ(std::move(out).Text(),
            "# HELP csat_score S.\n# TYPE csat_score summary\ncsat_score_sum{queue=\"q\"} 7\ncsat_score_count{queue=\"q\"} 2\n");
}

TEST(ExpositionTest, RecycledBuffersAreReusedInFamilyOrder) {
  Page recycled(2);
  recycled[0].Append("stale text of an earlier page");
  recycled[0].Reserve(4096);
  const char* first_buffer = recycled[0].data();
  Exposition out(0, std::move(recycled));
  out.Add("a", "A.", MetricType::kGauge, {}, 1);
  out.Add("b", "B.", MetricType::kGauge, {}, 2);
  out.Add("c", "C.", MetricType::kGauge, {}, 3);  // more families than buffers
  const Page page = std::move(out).TakePage();
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].view(), "# HELP a A.\n# TYPE a gauge\na 1\n");
  EXPECT_EQ(page[0].data(), first_buffer);  // the same memory, nothing stale left
  EXPECT_EQ(page[0].capacity(), 4096u);
  EXPECT_EQ(page[1].view(), "# HELP b B.\n# TYPE b gauge\nb 2\n");
  EXPECT_EQ(page[2].view(), "# HELP c C.\n# TYPE c gauge\nc 3\n");
}

TEST(TextBufferTest, GrowsKeepingWhatItHolds) {
  TextBuffer text;
  std::string expected;
  for (int i = 0; i < 1000; ++i) {  // past the first 4 KiB, twice over
    const std::string piece = std::to_string(i) + ",";
    text.Append(piece);
    expected += piece;
  }
  EXPECT_EQ(text.view(), expected);
  EXPECT_EQ(text.size(), 3890u);  // 10 + 90 * 2 + 900 * 3 digits, and 1000 commas
  char* room = text.Extend(10);
  std::memcpy(room, "abc", 3);
  text.TrimTo(room + 3);
  EXPECT_EQ(text.view().substr(text.size() - 7), "999,abc");
}

TEST(ExpositionTest, SameNameWithAnotherTypeIsABugAndCrashes) {
  Exposition out;
  out.Add("x", "X.", MetricType::kGauge, {}, 1);
  EXPECT_DEATH(out.Add("x", "", MetricType::kCounter, {}, 1), "check failed");
  // A series of the wrong kind for its family, too.
  const FamilyId h = out.Declare("h_seconds", "H.", MetricType::kHistogram);
  EXPECT_DEATH(out.Add(h, {}, 1), "check failed");
}

}  // namespace
}  // namespace slamon::exporter
