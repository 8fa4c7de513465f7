// Holidays from iCalendar files: what each VEVENT closes, worked by hand.
#include "daemon/config/ics.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "daemon/app/policy_origin.h"
#include "daemon/config/config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/temp_dir.h"

namespace slamon::config {
namespace {

using ::testing::HasSubstr;

absl::TimeZone Madrid() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Madrid", &zone));
  return zone;
}

Closure Whole(int y, int m, int d) { return {absl::CivilDay(y, m, d), std::nullopt}; }
Closure Part(int y, int m, int d, int from_h, int to_h) {
  return {absl::CivilDay(y, m, d), engine::OpenInterval{absl::Hours(from_h), absl::Hours(to_h)}};
}

TEST(IcsTest, AllDayTimedUtcAndOvernightEvents) {
  // CRLF line ends, a folded SUMMARY, an alarm inside an event, a cancelled
  // event: as calendar programs write them.
  const std::string ics =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
      "BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Christmas\r\n  Day\r\nDTSTART;VALUE=DATE:20261225\r\n"
      "BEGIN:VALARM\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20261231\r\nDTEND;VALUE=DATE:20270102\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:3\r\nDTSTART;TZID=Europe/Madrid:20261224T130000\r\n"
      "DTEND;TZID=Europe/Madrid:20261224T180000\r\nEND:VEVENT\r\n"
      // 12:00-14:00 UTC is 13:00-15:00 in Madrid (UTC+1 in December).
      "BEGIN:VEVENT\r\nUID:4\r\nDTSTART:20261223T120000Z\r\nDTEND:20261223T140000Z\r\nEND:VEVENT\r\n"
      // Floating time, in the calendar's zone, across midnight.
      "BEGIN:VEVENT\r\nUID:5\r\nDTSTART:20261229T220000\r\nDTEND:20261230T020000\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:6\r\nSTATUS:CANCELLED\r\nDTSTART;VALUE=DATE:20261228\r\nEND:VEVENT\r\n"
      "END:VCALENDAR\r\n";
  absl::StatusOr<std::vector<Closure>> closures = ParseIcsClosures(ics, Madrid());
  ASSERT_TRUE(closures.ok()) << closures.status();
  EXPECT_THAT(*closures, ::testing::ElementsAre(Whole(2026, 12, 25), Whole(2026, 12, 31), Whole(2027, 1, 1),
                                                Part(2026, 12, 24, 13, 18), Part(2026, 12, 23, 13, 15),
                                                Part(2026, 12, 29, 22, 24), Part(2026, 12, 30, 0, 2)));
}

// Holiday calendars keep recurring days as one event with a rule. Each
// occurrence closes what the first would, at the same local time in the
// event's zone.
TEST(IcsTest, RecurringEventsWithExceptionsAddedDaysAndReplacedOccurrences) {
  const std::string ics =
      "BEGIN:VCALENDAR\r\n"
      // Christmas for three years but 2027.
      "BEGIN:VEVENT\r\nUID:xmas\r\nDTSTART;VALUE=DATE:20261225\r\nRRULE:FREQ=YEARLY;COUNT=3\r\n"
      "EXDATE;VALUE=DATE:20271225\r\nEND:VEVENT\r\n"
      // Two days, twice.
      "BEGIN:VEVENT\r\nUID:ny\r\nDTSTART;VALUE=DATE:20261231\r\nDTEND;VALUE=DATE:20270102\r\n"
      "RRULE:FREQ=YEARLY;UNTIL=20271231\r\nEND:VEVENT\r\n"
      // 09:00-10:00 in New York each Monday from 8 March 2027. New York
      // moves to summer time on 14 March, Madrid on 28 March: in Madrid the
      // hour is 15:00 (UTC-5 / UTC+1), 14:00 twice (UTC-4 / UTC+1), 15:00
      // again (UTC-4 / UTC+2).
      "BEGIN:VEVENT\r\nUID:call\r\nDTSTART;TZID=America/New_York:20270308T090000\r\n"
      "DTEND;TZID=America/New_York:20270308T100000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nEND:VEVENT\r\n"
      // Monthly from 1 January; February's moved to the 2nd, March's cancelled.
      "BEGIN:VEVENT\r\nUID:m\r\nDTSTART;VALUE=DATE:20260101\r\nRRULE:FREQ=MONTHLY;COUNT=3\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:m\r\nRECURRENCE-ID;VALUE=DATE:20260201\r\nDTSTART;VALUE=DATE:20260202\r\n"
      "END:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:m\r\nRECURRENCE-ID;VALUE=DATE:20260301\r\nSTATUS:CANCELLED\r\n"
      "DTSTART;VALUE=DATE:20260301\r\nEND:VEVENT\r\n"
      // Easter Monday listed by date.
      "BEGIN:VEVENT\r\nUID:easter\r\nDTSTART;VALUE=DATE:20260406\r\nRDATE;VALUE=DATE:20270329,20280417\r\n"
      "END:VEVENT\r\n"
      "END:VCALENDAR\r\n";
  absl::StatusOr<std::vector<Closure>> closures = ParseIcsClosures(ics, Madrid());
  ASSERT_TRUE(closures.ok()) << closures.status();
  EXPECT_THAT(*closures,
              ::testing::ElementsAre(Whole(2026, 12, 25), Whole(2028, 12, 25),                            //
                                     Whole(2026, 12, 31), Whole(2027, 1, 1), Whole(2027, 12, 31),         //
                                     Whole(2028, 1, 1),                                                   //
                                     Part(2027, 3, 8, 15, 16), Part(2027, 3, 15, 14, 15),                 //
                                     Part(2027, 3, 22, 14, 15), Part(2027, 3, 29, 15, 16),                //
                                     Whole(2026, 1, 1), Whole(2026, 2, 2),                                //
                                     Whole(2026, 4, 6), Whole(2027, 3, 29), Whole(2028, 4, 17)));
}

// DURATION instead of DTEND: whole days for an all-day event; for a timed
// one, days that keep the local time, then hours.
TEST(IcsTest, EventsThatGiveADurationInsteadOfAnEnd) {
  const std::string ics =
      "BEGIN:VCALENDAR\n"
      "BEGIN:VEVENT\nDTSTART;VALUE=DATE:20261224\nDURATION:P2D\nEND:VEVENT\n"
      "BEGIN:VEVENT\nDTSTART:20261230T130000\nDURATION:PT1H30M\nEND:VEVENT\n"
      // Saturday 27 March 2027 22:00 in Madrid plus one day is Sunday 22:00
      // (23 hours later: the clocks moved forward that night), plus 2 h:
      // Monday 00:00.
      "BEGIN:VEVENT\nDTSTART;TZID=Europe/Madrid:20270327T220000\nDURATION:P1DT2H\nEND:VEVENT\n"
      "END:VCALENDAR\n";
  absl::StatusOr<std::vector<Closure>> closures = ParseIcsClosures(ics, Madrid());
  ASSERT_TRUE(closures.ok()) << closures.status();
  EXPECT_THAT(*closures, ::testing::ElementsAre(
                             Whole(2026, 12, 24), Whole(2026, 12, 25),
                             Closure{absl::CivilDay(2026, 12, 30),
                                     engine::OpenInterval{absl::Hours(13), absl::Hours(14) + absl::Minutes(30)}},
                             Part(2027, 3, 27, 22, 24), Whole(2027, 3, 28)));
}

// Outlook and Exchange write their own zone names, with a VTIMEZONE that
// gives the rules: Central Europe, UTC+1, UTC+2 from the last Sunday of
// March (29 March 2026) to the last Sunday of October (25 October 2026).
// The calendar here is in UTC, so each closure shows the conversion.
TEST(IcsTest, ZonesTheFileDefinesInAVtimezone) {
  const std::string ics =
      "BEGIN:VCALENDAR\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\n"
      "BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\n"
      "BEGIN:STANDARD\r\nDTSTART:16011028T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"
      "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n"
      "BEGIN:DAYLIGHT\r\nDTSTART:16010325T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n"
      "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
      // The day before the change (UTC+1) and the day of it (UTC+2 from 02:00).
      "BEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=W. Europe Standard Time:20260328T100000\r\n"
      "DTEND;TZID=W. Europe Standard Time:20260328T120000\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:b\r\nDTSTART;TZID=W. Europe Standard Time:20260329T100000\r\n"
      "DTEND;TZID=W. Europe Standard Time:20260329T120000\r\nEND:VEVENT\r\n"
      // Saturdays 13:00-14:00 across the October change: 11:00 UTC twice,
      // then 12:00.
      "BEGIN:VEVENT\r\nUID:c\r\nDTSTART;TZID=W. Europe Standard Time:20261017T130000\r\n"
      "DTEND;TZID=W. Europe Standard Time:20261017T140000\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\n"
      "END:VCALENDAR\r\n";
  absl::StatusOr<std::vector<Closure>> closures = ParseIcsClosures(ics, absl::UTCTimeZone());
  ASSERT_TRUE(closures.ok()) << closures.status();
  EXPECT_THAT(*closures, ::testing::ElementsAre(Part(2026, 3, 28, 9, 11), Part(2026, 3, 29, 8, 10),
                                                Part(2026, 10, 17, 11, 12), Part(2026, 10, 24, 11, 12),
                                                Part(2026, 10, 31, 12, 13)));
}

// UNTIL bounds a VTIMEZONE rule at an instant: the change of 29 March 2026
// (02:00 at UTC+1, 01:00 UTC) is the rule's last when UNTIL is 01:30 UTC,
// and never comes when it is 00:30 UTC, so that noon stays at UTC+1.
TEST(IcsTest, VtimezoneUntilEndsARuleAtItsInstant) {
  for (const auto& [until, noon_utc] : {std::pair{"20260329T013000Z", 10}, std::pair{"20260329T003000Z", 11}}) {
    const std::string ics = absl::StrCat(
        "BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\n"
        "BEGIN:STANDARD\nDTSTART:20001029T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\n"
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\nEND:STANDARD\n"
        "BEGIN:DAYLIGHT\nDTSTART:20000326T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\n"
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3;UNTIL=", until, "\nEND:DAYLIGHT\n"
        // The zone's TZID may come after its observances.
        "TZID:Office\nEND:VTIMEZONE\n"
        "BEGIN:VEVENT\nUID:x\nDTSTART;TZID=Office:20260329T120000\nDTEND;TZID=Office:20260329T130000\n"
        "END:VEVENT\nEND:VCALENDAR\n");
    absl::StatusOr<std::vector<Closure>> closures = ParseIcsClosures(ics, absl::UTCTimeZone());
    ASSERT_TRUE(closures.ok()) << closures.status();
    EXPECT_THAT(*closures, ::testing::ElementsAre(Part(2026, 3, 29, noon_utc, noon_utc + 1))) << until;
  }
}

// A VTIMEZONE with the history of its rules, each bounded by UNTIL (as
// tzurl.org and Apple write them): US Eastern time, whose daylight saving
// time began on the first Sunday of April until 2006 and on the second
// Sunday of March since 2007. Each instant equals the tz database's.
TEST(IcsTest, VtimezoneRulesBoundedByUntilMatchTheTzDatabase) {
  const std::string ics =
      "BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Eastern (old and new)\n"
      "BEGIN:DAYLIGHT\nDTSTART:19870405T020000\nTZOFFSETFROM:-0500\nTZOFFSETTO:-0400\n"
      "RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;UNTIL=20060402T070000Z\nEND:DAYLIGHT\n"
      "BEGIN:STANDARD\nDTSTART:19671029T020000\nTZOFFSETFROM:-0400\nTZOFFSETTO:-0500\n"
      "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20061029T060000Z\nEND:STANDARD\n"
      "BEGIN:DAYLIGHT\nDTSTART:20070311T020000\nTZOFFSETFROM:-0500\nTZOFFSETTO:-0400\n"
      "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\nEND:DAYLIGHT\n"
      "BEGIN:STANDARD\nDTSTART:20071104T020000\nTZOFFSETFROM:-0400\nTZOFFSETTO:-0500\n"
      "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\nEND:STANDARD\nEND:VTIMEZONE\n"
      "BEGIN:VEVENT\nUID:x\nDTSTART;TZID=Eastern (old and new):19990101T120000\n"
      "DTEND;TZID=Eastern (old and new):19990101T130000\nEND:VEVENT\nEND:VCALENDAR\n";
  absl::TimeZone new_york;
  ASSERT_TRUE(absl::LoadTimeZone("America/New_York", &new_york));
  // Noon on days either side of each rule's changes, old and new; and a
  // local time the spring change skips and one the autumn change repeats
  // (read as absl::FromCivil reads them).
  std::vector<std::pair<absl::CivilSecond, absl::CivilSecond>> events;
  for (const absl::CivilDay day :
       {absl::CivilDay(2006, 3, 12), absl::CivilDay(2006, 4, 1), absl::CivilDay(2006, 4, 2),
        absl::CivilDay(2006, 10, 28), absl::CivilDay(2006, 10, 29), absl::CivilDay(2006, 11, 4),
        absl::CivilDay(2007, 3, 10), absl::CivilDay(2007, 3, 11), absl::CivilDay(2007, 4, 1),
        absl::CivilDay(2007, 10, 28), absl::CivilDay(2007, 11, 3), absl::CivilDay(2007, 11, 4),
        absl::CivilDay(2026, 3, 8), absl::CivilDay(2026, 11, 1), absl::CivilDay(2026, 11, 2)}) {
    events.emplace_back(absl::CivilSecond(day) + 12 * 3600, absl::CivilSecond(day) + 13 * 3600);
  }
  events.emplace_back(absl::CivilSecond(2026, 3, 8, 2, 30, 0), absl::CivilSecond(2026, 3, 8, 4, 0, 0));
  events.emplace_back(absl::CivilSecond(2026, 11, 1, 1, 30, 0), absl::CivilSecond(2026, 11, 1, 3, 0, 0));
  const auto written = [](absl::CivilSecond local) {
    return absl::FormatTime("%Y%m%dT%H%M%S", absl::FromCivil(local, absl::UTCTimeZone()), absl::UTCTimeZone());
  };
  for (const auto& [start, end] : events) {
    std::string with_times = ics;
    with_times.replace(with_times.find("19990101T120000"), 15, written(start));
    with_times.replace(with_times.find("19990101T130000"), 15, written(end));
    absl::StatusOr<std::vector<Closure>> closures = ParseIcsClosures(with_times, absl::UTCTimeZone());
    ASSERT_TRUE(closures.ok()) << closures.status();
    const absl::CivilSecond utc_start = absl::UTCTimeZone().At(absl::FromCivil(start, new_york)).cs;
    const absl::CivilSecond utc_end = absl::UTCTimeZone().At(absl::FromCivil(end, new_york)).cs;
    const absl::CivilDay utc_day(utc_start);
    ASSERT_EQ(absl::CivilDay(utc_end), utc_day);
    EXPECT_THAT(*closures, ::testing::ElementsAre(Closure{
                               utc_day, engine::OpenInterval{absl::Seconds(utc_start - absl::CivilSecond(utc_day)),
                                                             absl::Seconds(utc_end - absl::CivilSecond(utc_day))}}))
        << start;
  }
}

TEST(IcsTest, ErrorsNameTheLine) {
  const auto error = [](const std::string& ics) {
    absl::StatusOr<std::vector<Closure>> c = ParseIcsClosures(ics, Madrid());
    return c.ok() ? std::string("ok") : std::string(c.status().message());
  };
  EXPECT_THAT(error("BEGIN:VEVENT\n"), HasSubstr("not an iCalendar file"));
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\nRRULE:FREQ=HOURLY\nEND:VEVENT\n"
                  "END:VCALENDAR\n"),
            "line 4: RRULE: FREQ: 'HOURLY' is not supported (DAILY, WEEKLY, MONTHLY or YEARLY)");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\nRRULE:FREQ=YEARLY;UNTIL=2027\n"
                  "END:VEVENT\nEND:VCALENDAR\n"),
            "line 4: RRULE UNTIL: '2027' is not a date-time like 20261224T130000");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\n"
                  "RDATE;VALUE=PERIOD:20260105T090000Z/PT1H\nEND:VEVENT\nEND:VCALENDAR\n"),
            "line 4: RDATE: periods are not supported");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VEVENT\nRDATE:20260105T090000Z\nDTSTART;VALUE=DATE:20260101\n"
                  "END:VEVENT\nEND:VCALENDAR\n"),
            "line 3: RDATE: a date-time in an all-day event");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VEVENT\nRECURRENCE-ID;VALUE=DATE:20260201\nDTSTART;VALUE=DATE:20260202\n"
                  "END:VEVENT\nEND:VCALENDAR\n"),
            "line 3: RECURRENCE-ID in an event without UID");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\nDURATION:PT4H\nEND:VEVENT\n"
                  "END:VCALENDAR\n"),
            "line 4: DURATION: an all-day event lasts whole days (P1D, P1W)");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260101T090000\nDTEND:20260101T100000\n"
                  "DURATION:PT1H\nEND:VEVENT\nEND:VCALENDAR\n"),
            "line 5: DURATION: an event has DTEND or DURATION, not both");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260101T090000\nDURATION:1H\nEND:VEVENT\n"
                  "END:VCALENDAR\n"),
            "line 4: DURATION: '1H' is not a duration like PT1H30M, P1D or P1W");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261332\nEND:VEVENT\nEND:VCALENDAR\n"),
            "line 3: DTSTART: '20261332' is not a date like 20261225");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;TZID=Mars/Olympus:20261224T130000\n"
                  "DTEND:20261224T140000Z\nEND:VEVENT\nEND:VCALENDAR\n"),
            "line 3: DTSTART: unknown TZID 'Mars/Olympus' (neither an IANA name nor a VTIMEZONE of this file)");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nBEGIN:STANDARD\nDTSTART:16010101T000000\nTZOFFSETFROM:+0100\n"
                  "TZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE\nEND:VCALENDAR\n"),
            "line 2: VTIMEZONE without TZID");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Office\nEND:VTIMEZONE\nEND:VCALENDAR\n"),
            "line 2: VTIMEZONE without STANDARD or DAYLIGHT");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Office\nBEGIN:STANDARD\nDTSTART:16010101T000000\n"
                  "TZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE\nEND:VCALENDAR\n"),
            "line 4: a VTIMEZONE observance without TZOFFSETFROM");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Office\nBEGIN:STANDARD\nDTSTART:16010101T000000\n"
                  "TZOFFSETFROM:+0100\nTZOFFSETTO:1 hour\nEND:STANDARD\nEND:VTIMEZONE\nEND:VCALENDAR\n"),
            "line 7: TZOFFSETTO: '1 hour' is not a UTC offset like +0100 or -0500");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Office\nBEGIN:STANDARD\nDTSTART:16010101T000000\n"
                  "TZOFFSETFROM:+01-5\nTZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE\nEND:VCALENDAR\n"),
            "line 6: TZOFFSETFROM: '+01-5' is not a UTC offset like +0100 or -0500");
  // Found by ics_fuzz: a zone with no offset change at all.
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Office\nBEGIN:DAYLIGHT\nDTSTART:20300310T020000\n"
                  "TZOFFSETFROM:-0500\nTZOFFSETTO:-0400\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU;UNTIL=20060402T070000Z\n"
                  "END:DAYLIGHT\nEND:VTIMEZONE\nEND:VCALENDAR\n"),
            "line 2: VTIMEZONE without an onset (each UNTIL is before its DTSTART)");
  // Found by ics_fuzz: an observance left open read past its VTIMEZONE.
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Office\nBEGIN:STANDARD\nDTSTART:16010101T000000\n"
                  "END:VTIMEZONE\nBEGIN:VTIMEZONE\nTZID:Home\nEND:VTIMEZONE\nEND:VCALENDAR\n"),
            "line 4: STANDARD without END:STANDARD");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Office\nBEGIN:DAYLIGHT\nBEGIN:STANDARD\n"
                  "END:STANDARD\nEND:VTIMEZONE\nEND:VCALENDAR\n"),
            "line 4: DAYLIGHT without END:DAYLIGHT");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Office\nEND:VCALENDAR\n"),
            "line 2: VTIMEZONE without END:VTIMEZONE");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VCALENDAR\n"), "line 2: VEVENT without END:VEVENT");
}

// Found by ics_fuzz: a long event that recurs often closed billions of days
// (and ran out of memory). 1000 occurrences of 1000 days each are the most
// a file may close; one more occurrence is refused, timed events likewise.
TEST(IcsTest, AFileClosesAtMostAMillionDaysOrPartsOfDays) {
  const auto all_day = [](int count) {
    return absl::StrCat("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20270101\nDURATION:P1000D\n",
                        "RRULE:FREQ=DAILY;COUNT=", count, "\nEND:VEVENT\nEND:VCALENDAR\n");
  };
  absl::StatusOr<std::vector<Closure>> closures = ParseIcsClosures(all_day(1000), absl::UTCTimeZone());
  ASSERT_TRUE(closures.ok()) << closures.status();
  EXPECT_EQ(closures->size(), 1'000'000u);
  const std::string too_many = "line 3: the calendar closes more than 1000000 days or parts of days"
                               " (an event that lasts long and recurs often?)";
  EXPECT_EQ(ParseIcsClosures(all_day(1001), absl::UTCTimeZone()).status().message(), too_many);
  // 09:00 to 09:00 three years on touches 1097 days; daily until 2100.
  EXPECT_EQ(ParseIcsClosures("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20270101T090000Z\n"
                             "DTEND:20300101T090000Z\nRRULE:FREQ=DAILY\nEND:VEVENT\nEND:VCALENDAR\n",
                             absl::UTCTimeZone())
                .status()
                .message(),
            too_many);
}

TEST(IcsTest, SubtractTakesTheClosureOutOfTheOpenHours) {
  const std::vector<engine::OpenInterval> day = {{absl::Hours(9), absl::Hours(14)}, {absl::Hours(15), absl::Hours(18)}};
  EXPECT_EQ(Subtract(day, {absl::Hours(13), absl::Hours(16)}),
            (std::vector<engine::OpenInterval>{{absl::Hours(9), absl::Hours(13)}, {absl::Hours(16), absl::Hours(18)}}));
  EXPECT_EQ(Subtract(day, {absl::Hours(0), absl::Hours(8)}), day);
  EXPECT_TRUE(Subtract(day, {absl::Hours(0), absl::Hours(24)}).empty());
}

// A calendar with holidays_ics: Mon-Fri 09:00-17:00 in Madrid; the file closes
// Christmas (Friday 25 December 2026) and Christmas Eve from 13:00. From
// Thursday 24 December 09:00 to Monday 28 December 10:00 that leaves 4 h on
// Thursday and 1 h on Monday.
TEST(IcsTest, CalendarHolidaysComeFromTheFileAndTravelWithThePolicies) {
  const testing::TempDir dir;
  dir.Write("holidays.ics",
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261225\nEND:VEVENT\n"
            "BEGIN:VEVENT\nDTSTART:20261224T130000\nDTEND:20261224T235959\nEND:VEVENT\nEND:VCALENDAR\n");
  const std::string config_path = dir.Write("slamon.yaml", R"(
calendars:
  office:
    time_zone: Europe/Madrid
    hours: { mon-fri: ["09:00-17:00"] }
    holidays_ics: holidays.ics
policies:
  - name: email
    objectives: { resolution: { threshold: 8h, basis: office } }
)");
  absl::StatusOr<Config> config = LoadConfigFile(config_path);
  ASSERT_TRUE(config.ok()) << config.status();
  const absl::TimeZone madrid = Madrid();
  const absl::Time from = absl::FromCivil(absl::CivilSecond(2026, 12, 24, 9, 0, 0), madrid);
  const absl::Time to = absl::FromCivil(absl::CivilSecond(2026, 12, 28, 10, 0, 0), madrid);
  EXPECT_EQ(config->calendars.at("office")->BusinessTimeBetween(from, to), absl::Hours(5));
  EXPECT_EQ(config->included_files.size(), 1u);

  // The policies rebuilt from their saved origin use the file as it was read,
  // even once it is gone.
  std::remove((dir.path() + "/holidays.ics").c_str());
  absl::StatusOr<std::shared_ptr<const engine::PolicySet>> rebuilt =
      app::DecodePolicyOrigin(app::PolicySetOf(*config)->origin());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  const engine::Objective& resolution = (*rebuilt)->policies()[0].objectives[0];
  EXPECT_EQ(resolution.calendar->BusinessTimeBetween(from, to), absl::Hours(5));
  // And a config naming a file that cannot be read says which key, which
  // file and why.
  absl::StatusOr<Config> missing = LoadConfigFile(config_path);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), config_path + ":6: calendars.office.holidays_ics: " + dir.path() +
                                            "/holidays.ics: cannot open: No such file or directory");
}

}  // namespace
}  // namespace slamon::config
