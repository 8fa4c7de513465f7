// Business-calendar vectors worked by hand (issue 3's list). 2026-03-02 is a
// Monday; Madrid moves to CEST on 2026-03-29 and back on 2026-10-25; New York
// to EDT on 2026-03-08 and back on 2026-11-01.
#include "daemon/engine/calendar.h"

#include "gtest/gtest.h"
#include "tests/engine/test_util.h"

namespace slamon::engine {
namespace {

using testing::Zone;

absl::Time Utc(int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), absl::UTCTimeZone());
}
absl::Time Local(const BusinessCalendar& c, int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), c.hours().zone);
}
OpenInterval Hours(int from_h, int from_m, int to_h, int to_m = 0) {
  return {absl::Hours(from_h) + absl::Minutes(from_m), absl::Hours(to_h) + absl::Minutes(to_m)};
}

// Mon-Fri 09:00-17:00.
BusinessCalendar Office(const char* zone, std::map<absl::CivilDay, std::vector<OpenInterval>> holidays = {}) {
  BusinessHours h;
  h.zone = Zone(zone);
  for (int d = 0; d < 5; ++d) h.weekly[d] = {Hours(9, 0, 17)};
  h.holidays = std::move(holidays);
  return BusinessCalendar(std::move(h));
}

// sla-semantics §8's madrid-office: Mon-Thu 09:00-14:00 and 15:00-18:00, Fri 09:00-15:00.
BusinessCalendar MadridOffice() {
  BusinessHours h;
  h.zone = Zone("Europe/Madrid");
  for (int d = 0; d < 4; ++d) h.weekly[d] = {Hours(9, 0, 14), Hours(15, 0, 18)};
  h.weekly[4] = {Hours(9, 0, 15)};
  return BusinessCalendar(std::move(h));
}

TEST(BusinessCalendarTest, FridayEmailWithFourBusinessHours) {
  const BusinessCalendar office = Office("Europe/Madrid");
  // Friday 16:30: 30 min on Friday, 3 h 30 on Monday from 09:00.
  EXPECT_EQ(office.AddBusinessTime(Local(office, 2026, 3, 6, 16, 30), absl::Hours(4)),
            Local(office, 2026, 3, 9, 12, 30));
  // Monday a holiday: Tuesday 12:30.
  const BusinessCalendar closed_monday = Office("Europe/Madrid", {{absl::CivilDay(2026, 3, 9), {}}});
  EXPECT_EQ(closed_monday.AddBusinessTime(Local(closed_monday, 2026, 3, 6, 16, 30), absl::Hours(4)),
            Local(closed_monday, 2026, 3, 10, 12, 30));
}

TEST(BusinessCalendarTest, ComplaintOnMondayWithOneBusinessDay) {
  const BusinessCalendar office = Office("Europe/Madrid");
  EXPECT_EQ(office.EndOfBusinessDays(Local(office, 2026, 3, 2, 10), 1), Local(office, 2026, 3, 3, 17));
  const BusinessCalendar madrid = MadridOffice();
  EXPECT_EQ(madrid.EndOfBusinessDays(Local(madrid, 2026, 3, 2, 10), 1), Local(madrid, 2026, 3, 3, 18));
  // 5 business days from Monday: Tue, Wed, Thu, Fri, then Monday's close.
  EXPECT_EQ(madrid.EndOfBusinessDays(Local(madrid, 2026, 3, 2, 10), 5), Local(madrid, 2026, 3, 9, 18));
  // From Saturday, the first open day after it is Monday.
  EXPECT_EQ(office.EndOfBusinessDays(Local(office, 2026, 3, 7, 11), 1), Local(office, 2026, 3, 9, 17));
}

TEST(BusinessCalendarTest, LunchBreakIsNotBusinessTime) {
  const BusinessCalendar madrid = MadridOffice();
  // Monday 13:30 + 1 h: 13:30-14:00, then 15:00-15:30.
  EXPECT_EQ(madrid.AddBusinessTime(Local(madrid, 2026, 3, 2, 13, 30), absl::Hours(1)), Local(madrid, 2026, 3, 2, 15, 30));
  EXPECT_EQ(madrid.BusinessTimeBetween(Local(madrid, 2026, 3, 2, 13), Local(madrid, 2026, 3, 2, 16)), absl::Hours(2));
  // A whole Monday is 8 hours; a Friday 6.
  EXPECT_EQ(madrid.BusinessTimeBetween(Local(madrid, 2026, 3, 2, 0), Local(madrid, 2026, 3, 3, 0)), absl::Hours(8));
  EXPECT_EQ(madrid.BusinessTimeBetween(Local(madrid, 2026, 3, 6, 0), Local(madrid, 2026, 3, 9, 0)), absl::Hours(6));
}

TEST(BusinessCalendarTest, MadridAcrossDaylightSavingChanges) {
  const BusinessCalendar office = Office("Europe/Madrid");
  // Friday 2026-03-27 16:00 CET (15:00 UTC) + 2 h: 1 h on Friday, then Monday
  // 09:00-10:00 CEST, which is 08:00 UTC.
  EXPECT_EQ(office.AddBusinessTime(Utc(2026, 3, 27, 15), absl::Hours(2)), Utc(2026, 3, 30, 8));
  EXPECT_EQ(office.BusinessTimeBetween(Utc(2026, 3, 27, 15), Utc(2026, 3, 30, 8)), absl::Hours(2));
  // Always open: the spring-forward Sunday has 23 hours, the fall-back one 25.
  BusinessHours always;
  always.zone = Zone("Europe/Madrid");
  for (auto& day : always.weekly) day = {Hours(0, 0, 24)};
  const BusinessCalendar open(always);
  EXPECT_EQ(open.BusinessTimeBetween(Local(open, 2026, 3, 29, 0), Local(open, 2026, 3, 30, 0)), absl::Hours(23));
  EXPECT_EQ(open.BusinessTimeBetween(Local(open, 2026, 10, 25, 0), Local(open, 2026, 10, 26, 0)), absl::Hours(25));
  // Open all the time, business time is elapsed time.
  EXPECT_EQ(open.AddBusinessTime(Utc(2026, 3, 28, 11), absl::Hours(24)), Utc(2026, 3, 29, 11));
}

TEST(BusinessCalendarTest, NewYorkAcrossDaylightSavingChanges) {
  const BusinessCalendar office = Office("America/New_York");
  // Friday 2026-03-06 15:00 EST (20:00 UTC) + 4 h: 2 h Friday, Monday 09:00-11:00 EDT (15:00 UTC).
  EXPECT_EQ(office.AddBusinessTime(Utc(2026, 3, 6, 20), absl::Hours(4)), Utc(2026, 3, 9, 15));
  // Friday 2026-10-30 16:00 EDT (20:00 UTC) + 2 h: 1 h Friday, Monday 09:00-10:00 EST (15:00 UTC).
  EXPECT_EQ(office.AddBusinessTime(Utc(2026, 10, 30, 20), absl::Hours(2)), Utc(2026, 11, 2, 15));
}

TEST(BusinessCalendarTest, HolidaysWholeAndPartial) {
  // Christmas Eve (Thursday) open 09:00-13:00, Christmas (Friday) closed.
  const BusinessCalendar office = Office("Europe/Madrid", {{absl::CivilDay(2026, 12, 24), {Hours(9, 0, 13)}},
                                                           {absl::CivilDay(2026, 12, 25), {}}});
  // Thursday 12:00 + 2 h: 12:00-13:00, then Monday the 28th 09:00-10:00.
  EXPECT_EQ(office.AddBusinessTime(Local(office, 2026, 12, 24, 12), absl::Hours(2)), Local(office, 2026, 12, 28, 10));
  EXPECT_EQ(office.BusinessTimeBetween(Local(office, 2026, 12, 24, 0), Local(office, 2026, 12, 28, 0)), absl::Hours(4));
  // One business day from Wednesday the 23rd ends at the short day's close.
  EXPECT_EQ(office.EndOfBusinessDays(Local(office, 2026, 12, 23, 10), 1), Local(office, 2026, 12, 24, 13));
  EXPECT_EQ(office.EndOfBusinessDays(Local(office, 2026, 12, 23, 10), 2), Local(office, 2026, 12, 28, 17));
}

TEST(BusinessCalendarTest, AddAndBetweenAgree) {
  const BusinessCalendar madrid = MadridOffice();
  for (int start_hour : {0, 8, 9, 13, 14, 17, 23}) {
    for (int minutes : {1, 59, 60, 300, 480, 3000}) {
      const absl::Time from = Local(madrid, 2026, 3, 26, start_hour);  // a Thursday, before the DST change
      const absl::Time due = madrid.AddBusinessTime(from, absl::Minutes(minutes));
      EXPECT_EQ(madrid.BusinessTimeBetween(from, due), absl::Minutes(minutes)) << start_hour << "h +" << minutes;
    }
  }
}

TEST(BusinessCalendarTest, NeverOpenNeverDue) {
  BusinessHours never;
  never.zone = absl::UTCTimeZone();
  const BusinessCalendar closed(never);
  EXPECT_EQ(closed.AddBusinessTime(Utc(2026, 1, 1, 0), absl::Seconds(1)), absl::InfiniteFuture());
  EXPECT_EQ(closed.EndOfBusinessDays(Utc(2026, 1, 1, 0), 1), absl::InfiniteFuture());
  EXPECT_EQ(closed.BusinessTimeBetween(Utc(2026, 1, 1, 0), Utc(2026, 2, 1, 0)), absl::ZeroDuration());
}

}  // namespace
}  // namespace slamon::engine
