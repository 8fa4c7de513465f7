#include "daemon/engine/windows.h"

#include <cstdint>
#include <limits>

#include "gtest/gtest.h"
#include "tests/engine/test_util.h"

namespace slamon::engine {
namespace {

using testing::Zone;

absl::Time Utc(int y, int mo, int d, int h, int mi, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

TEST(IntervalStartTest, AlignsToLocalHalfHours) {
  const absl::TimeZone madrid = Zone("Europe/Madrid");
  // 2026-01-15 10:47 local (UTC+1) is 09:47 UTC; its interval starts 10:30 local.
  EXPECT_EQ(IntervalStart(Utc(2026, 1, 15, 9, 47), absl::Minutes(30), madrid),
            Utc(2026, 1, 15, 9, 30));
  // Kathmandu is UTC+5:45: local half hours fall at :15 and :45 UTC.
  const absl::TimeZone kathmandu = Zone("Asia/Kathmandu");
  EXPECT_EQ(IntervalStart(Utc(2026, 1, 15, 3, 20), absl::Minutes(30), kathmandu),
            Utc(2026, 1, 15, 3, 15));
}

TEST(IntervalStartTest, RepeatedHourAtFallBackStaysBeforeTheInstant) {
  const absl::TimeZone madrid = Zone("Europe/Madrid");
  // 2026-10-25: 03:00 CEST becomes 02:00 CET. 01:10 UTC is the second 02:10.
  EXPECT_EQ(IntervalStart(Utc(2026, 10, 25, 1, 10), absl::Minutes(30), madrid),
            Utc(2026, 10, 25, 1, 0));
  // 00:10 UTC is the first 02:10 (CEST).
  EXPECT_EQ(IntervalStart(Utc(2026, 10, 25, 0, 10), absl::Minutes(30), madrid),
            Utc(2026, 10, 25, 0, 0));
}

TEST(PeriodClockTest, PastIntervalsAreTheirOwnEvenWhenAskedInRuns) {
  // The clock remembers the last past interval it was asked for; every
  // answer must still be that of IntervalStart.
  PeriodClock clock(WindowOptions{}, Zone("Europe/Madrid"));
  clock.Advance(Utc(2026, 1, 15, 11, 10));  // 12:10 local: current interval 12:00
  EXPECT_EQ(clock.IntervalOf(Utc(2026, 1, 15, 11, 20)), Utc(2026, 1, 15, 11, 0));
  EXPECT_EQ(clock.IntervalOf(Utc(2026, 1, 15, 9, 40)), Utc(2026, 1, 15, 9, 30));
  EXPECT_EQ(clock.IntervalOf(Utc(2026, 1, 15, 9, 59, 59)), Utc(2026, 1, 15, 9, 30));
  EXPECT_EQ(clock.IntervalOf(Utc(2026, 1, 15, 10, 0)), Utc(2026, 1, 15, 10, 0));
  EXPECT_EQ(clock.IntervalOf(Utc(2026, 1, 15, 9, 30) - absl::Nanoseconds(1)), Utc(2026, 1, 15, 9, 0));
  EXPECT_EQ(clock.IntervalOf(Utc(2026, 1, 15, 9, 30)), Utc(2026, 1, 15, 9, 30));
  // Across the fall-back hour: 00:40 UTC is the first 02:40 (CEST), 01:10
  // UTC the second 02:10 (CET), half an hour later.
  EXPECT_EQ(clock.IntervalOf(Utc(2026, 10, 25, 0, 40)), Utc(2026, 10, 25, 0, 30));
  EXPECT_EQ(clock.IntervalOf(Utc(2026, 10, 25, 1, 10)), Utc(2026, 10, 25, 1, 0));
  EXPECT_EQ(clock.IntervalOf(Utc(2026, 10, 25, 0, 59)), Utc(2026, 10, 25, 0, 30));
}

TEST(DayStartTest, LocalMidnightAndConfiguredStart) {
  const absl::TimeZone ny = Zone("America/New_York");
  // 2026-07-01 03:00 UTC is 2026-06-30 23:00 EDT: the day began 06-30 04:00 UTC.
  EXPECT_EQ(DayStart(Utc(2026, 7, 1, 3, 0), absl::ZeroDuration(), ny), Utc(2026, 6, 30, 4, 0));
  // With days starting at 06:00 local, 05:00 EDT still belongs to the day before.
  EXPECT_EQ(DayStart(Utc(2026, 7, 1, 9, 0), absl::Hours(6), ny), Utc(2026, 6, 30, 10, 0));
}

TEST(PeriodWindowsTest, SpringForwardDayIsTwentyThreeHours) {
  WindowOptions options;
  PeriodClock clock(options, Zone("Europe/Madrid"));
  PeriodWindows periods(&clock, /*history_intervals=*/48);
  clock.Advance(Utc(2026, 3, 29, 12, 0));
  EXPECT_EQ(clock.day_start(), Utc(2026, 3, 28, 23, 0));
  periods.Add(Utc(2026, 3, 29, 21, 59), AnswerOutcome::kAnsweredWithin, absl::Seconds(3));
  // Local midnight after the 23-hour day is 22:00 UTC.
  clock.Advance(Utc(2026, 3, 29, 21, 59, 59));
  periods.Sync();
  EXPECT_EQ(periods.today().outcomes.answered(), 1u);
  clock.Advance(Utc(2026, 3, 29, 22, 0));
  periods.Sync();
  EXPECT_EQ(clock.day_start(), Utc(2026, 3, 29, 22, 0));
  EXPECT_EQ(periods.today().outcomes.answered(), 0u);
}

TEST(RollingWindowsTest, SumsMatchABruteForceRecount) {
  WindowOptions options;
  options.rolling = {absl::Seconds(60)};
  options.resolution = absl::Seconds(10);
  RollingWindows windows(options);
  const absl::Time t0 = absl::FromUnixSeconds(1'000'000);
  windows.Advance(t0);
  // One outcome every 7 seconds for 10 minutes, advancing as we go.
  std::vector<absl::Time> times;
  for (int s = 0; s < 600; s += 7) {
    const absl::Time t = t0 + absl::Seconds(s);
    windows.Advance(t);
    windows.Add(t, AnswerOutcome::kAnsweredWithin, absl::Seconds(1));
    times.push_back(t);
    // The window is the six 10-second steps ending with the current one.
    const absl::Time from = t0 + absl::Seconds((s / 10 - 5) * 10);
    uint64_t expected = 0;
    for (absl::Time x : times) expected += x >= from ? 1 : 0;
    ASSERT_EQ(windows.Sum(0).outcomes.answered(), expected) << "at +" << s << "s";
  }
}

// Times this far out come only from corrupt saved state (found by
// state_fuzz), but must not overflow the bucket arithmetic (UBSan checks).
TEST(RollingWindowsTest, TheFirstAndLastRepresentableTimesHaveBuckets) {
  WindowOptions options;
  options.rolling = {absl::Seconds(60)};
  options.resolution = absl::Seconds(10);
  for (const int64_t ns : {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    RollingWindows windows(options);
    const absl::Time t = absl::FromUnixNanos(ns);
    windows.Advance(t);
    windows.Add(t, AnswerOutcome::kAnsweredWithin, absl::Seconds(1));
    windows.Advance(t + absl::Nanoseconds(1));
    EXPECT_EQ(windows.Sum(0).outcomes.answered(), 1u) << ns;
  }
}

}  // namespace
}  // namespace slamon::engine
