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
            "line 3: DTSTART: unknown TZID 'Mars/Olympus' (IANA name expected)");
  EXPECT_EQ(error("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VCALENDAR\n"), "line 2: VEVENT without END:VEVENT");
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
