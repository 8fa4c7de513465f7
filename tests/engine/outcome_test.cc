#include "daemon/engine/outcome.h"

#include "gtest/gtest.h"

namespace slamon::engine {
namespace {

// sla-semantics §3 test vector: T = 20 s, S = 5 s; answered within 70, late 10,
// abandoned short 5, within 5, late 8, flowed out late 2 (offered 100).
OutcomeCounts SemanticsVector() {
  OutcomeCounts c;
  c[AnswerOutcome::kAnsweredWithin] = 70;
  c[AnswerOutcome::kAnsweredLate] = 10;
  c[AnswerOutcome::kAbandonedShort] = 5;
  c[AnswerOutcome::kAbandonedWithin] = 5;
  c[AnswerOutcome::kAbandonedLate] = 8;
  c[AnswerOutcome::kFlowedOutLate] = 2;
  return c;
}

TEST(ServiceLevelTest, AllSixFormulasMatchTheSemanticsVector) {
  const OutcomeCounts c = SemanticsVector();
  ASSERT_EQ(c.offered(), 100u);
  // Worked by hand: 70/80, 70/100, 70/98, 70/93, 80/98, 80/100.
  EXPECT_DOUBLE_EQ(*ServiceLevel(Formula::kAnsweredOnly, c), 70.0 / 80);
  EXPECT_DOUBLE_EQ(*ServiceLevel(Formula::kAbandonsNegative, c), 70.0 / 100);
  EXPECT_DOUBLE_EQ(*ServiceLevel(Formula::kAbandonsIn, c), 70.0 / 98);
  EXPECT_DOUBLE_EQ(*ServiceLevel(Formula::kShortAbandonsExcluded, c), 70.0 / 93);
  EXPECT_DOUBLE_EQ(*ServiceLevel(Formula::kAbandonsPositive, c), 80.0 / 98);
  EXPECT_DOUBLE_EQ(*ServiceLevel(Formula::kRemovedWithin, c), 80.0 / 100);
  // The percentages as sla-semantics prints them.
  EXPECT_EQ(std::lround(*ServiceLevel(Formula::kAnsweredOnly, c) * 10000), 8750);
  EXPECT_EQ(std::lround(*ServiceLevel(Formula::kAbandonsNegative, c) * 10000), 7000);
  EXPECT_EQ(std::lround(*ServiceLevel(Formula::kAbandonsIn, c) * 10000), 7143);
  EXPECT_EQ(std::lround(*ServiceLevel(Formula::kShortAbandonsExcluded, c) * 10000), 7527);
  EXPECT_EQ(std::lround(*ServiceLevel(Formula::kAbandonsPositive, c) * 10000), 8163);
  EXPECT_EQ(std::lround(*ServiceLevel(Formula::kRemovedWithin, c) * 10000), 8000);
}

TEST(ServiceLevelTest, NoDataIsNoFigure) {
  for (int f = 0; f < kFormulaCount; ++f) {
    EXPECT_FALSE(ServiceLevel(static_cast<Formula>(f), OutcomeCounts{}).has_value());
  }
  EXPECT_FALSE(AbandonRatio(OutcomeCounts{}).has_value());
}

TEST(AbandonRatioTest, ExcludesShortAbandons) {
  // (18 - 5) / (100 - 5)
  EXPECT_DOUBLE_EQ(*AbandonRatio(SemanticsVector()), 13.0 / 95);
}

TEST(ClassifyAnswerTest, ThresholdEdgesAreInclusive) {
  const absl::Duration t = absl::Seconds(20), s = absl::Seconds(5);
  EXPECT_EQ(ClassifyAnswer(AnswerEnd::kAnswered, absl::Seconds(20), t, s),
            AnswerOutcome::kAnsweredWithin);
  EXPECT_EQ(ClassifyAnswer(AnswerEnd::kAnswered, absl::Seconds(20) + absl::Nanoseconds(1), t, s),
            AnswerOutcome::kAnsweredLate);
  EXPECT_EQ(ClassifyAnswer(AnswerEnd::kAbandoned, absl::Seconds(5), t, s),
            AnswerOutcome::kAbandonedShort);
  EXPECT_EQ(ClassifyAnswer(AnswerEnd::kAbandoned, absl::Seconds(5.5), t, s),
            AnswerOutcome::kAbandonedWithin);
  EXPECT_EQ(ClassifyAnswer(AnswerEnd::kAbandoned, absl::Seconds(20), t, s),
            AnswerOutcome::kAbandonedWithin);
  EXPECT_EQ(ClassifyAnswer(AnswerEnd::kAbandoned, absl::Seconds(21), t, s),
            AnswerOutcome::kAbandonedLate);
  EXPECT_EQ(ClassifyAnswer(AnswerEnd::kFlowedOut, absl::Seconds(20), t, s),
            AnswerOutcome::kFlowedOutWithin);
  EXPECT_EQ(ClassifyAnswer(AnswerEnd::kFlowedOut, absl::Seconds(60), t, s),
            AnswerOutcome::kFlowedOutLate);
  // S = 0 disables short abandons: an instant hang-up is "within".
  EXPECT_EQ(ClassifyAnswer(AnswerEnd::kAbandoned, absl::ZeroDuration(), t, absl::ZeroDuration()),
            AnswerOutcome::kAbandonedWithin);
}

TEST(FormulaNameTest, RoundTrips) {
  for (int f = 0; f < kFormulaCount; ++f) {
    const Formula formula = static_cast<Formula>(f);
    EXPECT_EQ(FormulaFromName(FormulaName(formula)), formula);
  }
  EXPECT_FALSE(FormulaFromName("abandons_sideways").has_value());
}

}  // namespace
}  // namespace slamon::engine
