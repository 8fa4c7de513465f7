// Recurrence rules: expected days worked from the calendar (the fourth
// Thursday of November 2027 is the 25th, ...), from RFC 5545's own examples,
// and checked against python-dateutil's rrule where RFC 5545 and it agree
// (dateutil leaves out a DTSTART that the rule does not give; RFC 5545
// counts it as the first occurrence).
#include "daemon/config/recurrence.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace slamon::config {
namespace {

using absl::CivilDay;

std::vector<CivilDay> Days(const std::string& rrule, CivilDay first, std::optional<CivilDay> last = std::nullopt) {
  absl::StatusOr<RecurrenceRule> rule = ParseRecurrenceRule(rrule);
  EXPECT_TRUE(rule.ok()) << rrule << ": " << rule.status();
  return rule.ok() ? RecurrenceDays(*rule, first, last) : std::vector<CivilDay>{};
}

std::string Error(const std::string& rrule) {
  absl::StatusOr<RecurrenceRule> rule = ParseRecurrenceRule(rrule);
  return rule.ok() ? "ok" : std::string(rule.status().message());
}

TEST(RecurrenceTest, YearlyHolidaysOnADateAndOnANumberedWeekday) {
  EXPECT_THAT(Days("FREQ=YEARLY;COUNT=3", CivilDay(2026, 12, 25)),
              ::testing::ElementsAre(CivilDay(2026, 12, 25), CivilDay(2027, 12, 25), CivilDay(2028, 12, 25)));
  // Thanksgiving, the fourth Thursday of November, through UNTIL.
  EXPECT_THAT(Days("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", CivilDay(2026, 11, 26), CivilDay(2029, 12, 31)),
              ::testing::ElementsAre(CivilDay(2026, 11, 26), CivilDay(2027, 11, 25), CivilDay(2028, 11, 23),
                                     CivilDay(2029, 11, 22)));
  // Memorial Day, the last Monday of May (31 May 2027: five Mondays).
  EXPECT_THAT(Days("FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO;COUNT=3", CivilDay(2026, 5, 25)),
              ::testing::ElementsAre(CivilDay(2026, 5, 25), CivilDay(2027, 5, 31), CivilDay(2028, 5, 29)));
  // BYMONTHDAY alone in a yearly rule: that day of every month.
  EXPECT_THAT(Days("FREQ=YEARLY;BYMONTHDAY=1;COUNT=3", CivilDay(2026, 11, 1)),
              ::testing::ElementsAre(CivilDay(2026, 11, 1), CivilDay(2026, 12, 1), CivilDay(2027, 1, 1)));
}

TEST(RecurrenceTest, MonthlyRulesSkipMonthsWithoutTheDay) {
  EXPECT_THAT(Days("FREQ=MONTHLY;COUNT=4", CivilDay(2026, 1, 31)),
              ::testing::ElementsAre(CivilDay(2026, 1, 31), CivilDay(2026, 3, 31), CivilDay(2026, 5, 31),
                                     CivilDay(2026, 7, 31)));
  EXPECT_THAT(Days("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3", CivilDay(2026, 1, 31)),
              ::testing::ElementsAre(CivilDay(2026, 1, 31), CivilDay(2026, 2, 28), CivilDay(2026, 3, 31)));
  EXPECT_THAT(Days("FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", CivilDay(2026, 1, 30)),
              ::testing::ElementsAre(CivilDay(2026, 1, 30), CivilDay(2026, 2, 27), CivilDay(2026, 3, 27)));
  // RFC 5545's "every Friday the 13th": BYDAY and BYMONTHDAY both hold.
  EXPECT_THAT(Days("FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13;COUNT=4", CivilDay(1998, 2, 13)),
              ::testing::ElementsAre(CivilDay(1998, 2, 13), CivilDay(1998, 3, 13), CivilDay(1998, 11, 13),
                                     CivilDay(1999, 8, 13)));
}

TEST(RecurrenceTest, WeeklyRulesCountWeeksFromTheirWeekStart) {
  // RFC 5545 §3.3.10's WKST example: the same rule gives other days when
  // weeks start on Sunday.
  EXPECT_THAT(Days("FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO", CivilDay(1997, 8, 5)),
              ::testing::ElementsAre(CivilDay(1997, 8, 5), CivilDay(1997, 8, 10), CivilDay(1997, 8, 19),
                                     CivilDay(1997, 8, 24)));
  EXPECT_THAT(Days("FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU", CivilDay(1997, 8, 5)),
              ::testing::ElementsAre(CivilDay(1997, 8, 5), CivilDay(1997, 8, 17), CivilDay(1997, 8, 19),
                                     CivilDay(1997, 8, 31)));
}

TEST(RecurrenceTest, TheStartIsTheFirstOccurrenceAndUnboundedRulesEndBefore2100) {
  // DTSTART counts even where the rule would not give it (RFC 5545 §3.8.5.3).
  EXPECT_THAT(Days("FREQ=DAILY;BYMONTH=1;COUNT=3", CivilDay(2026, 12, 30)),
              ::testing::ElementsAre(CivilDay(2026, 12, 30), CivilDay(2027, 1, 1), CivilDay(2027, 1, 2)));
  const std::vector<CivilDay> christmas = Days("FREQ=YEARLY", CivilDay(2026, 12, 25));
  ASSERT_EQ(christmas.size(), 74u);  // 2026 to 2099
  EXPECT_EQ(christmas.back(), CivilDay(2099, 12, 25));
  // A rule that gives nothing after its start still ends.
  EXPECT_THAT(Days("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", CivilDay(2026, 1, 5)),
              ::testing::ElementsAre(CivilDay(2026, 1, 5)));
}

TEST(RecurrenceTest, RulesItCannotExpandAreRefusedByName) {
  EXPECT_EQ(Error("FREQ=HOURLY"), "FREQ: 'HOURLY' is not supported (DAILY, WEEKLY, MONTHLY or YEARLY)");
  EXPECT_EQ(Error("FREQ=YEARLY;BYMONTH=3;BYDAY=SU;BYSETPOS=-1"), "BYSETPOS: not supported; export each occurrence");
  EXPECT_EQ(Error("FREQ=YEARLY;BYDAY=20MO"),
            "BYDAY: in a yearly rule, BYDAY needs BYMONTH (weekdays of the whole year are not supported)");
  EXPECT_EQ(Error("FREQ=WEEKLY;BYDAY=2MO"), "BYDAY: a numbered weekday (4TH) needs FREQ=MONTHLY or YEARLY");
  EXPECT_EQ(Error("FREQ=WEEKLY;BYMONTHDAY=2"), "BYMONTHDAY: not allowed with FREQ=WEEKLY");
  EXPECT_EQ(Error("FREQ=MONTHLY;BYDAY=XX"), "BYDAY: 'XX' is not a weekday like MO, 4TH or -1FR");
  EXPECT_EQ(Error("FREQ=YEARLY;BYMONTH=13"), "BYMONTH: '13' is not a number from 1 to 12");
  EXPECT_EQ(Error("FREQ=YEARLY;INTERVAL=0"), "INTERVAL: '0' is not a number from 1 to 1000000");
  EXPECT_EQ(Error("FREQ=YEARLY;COUNT=2;UNTIL=20270101"), "COUNT and UNTIL exclude each other");
  EXPECT_EQ(Error("BYMONTH=11"), "FREQ is missing");
  EXPECT_EQ(Error("FREQ=YEARLY;COLOR=RED"), "COLOR: not a rule part of RFC 5545");
}

}  // namespace
}  // namespace slamon::config
