#include "common/time_format.h"

#include <gtest/gtest.h>

namespace spark {
namespace {

constexpr int64_t kJan1st2024 = 1704067200000;

TEST(ParseTime, DateOnlyIsMidnightUtcAndFlagged) {
    const auto t = ParseTime("2024-01-01");
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->epoch_ms, kJan1st2024);
    EXPECT_TRUE(t->date_only);
}

TEST(ParseTime, DateTimesWithZonesAndFractions) {
    EXPECT_EQ(ParseTime("2024-01-01T00:00:00Z")->epoch_ms, kJan1st2024);
    EXPECT_FALSE(ParseTime("2024-01-01T00:00:00Z")->date_only);
    EXPECT_EQ(ParseTime("2024-01-01T02:00:00+02:00")->epoch_ms, kJan1st2024);
    EXPECT_EQ(ParseTime("2023-12-31T19:30:00-04:30")->epoch_ms, kJan1st2024);
    EXPECT_EQ(ParseTime("2024-01-01T00:00")->epoch_ms, kJan1st2024);
    EXPECT_EQ(ParseTime("2024-01-01T00:00:00.250Z")->epoch_ms, kJan1st2024 + 250);
    EXPECT_EQ(ParseTime("2024-01-01T00:00:00.5Z")->epoch_ms, kJan1st2024 + 500);
}

TEST(ParseTime, EpochMillisecondsAsText) {
    EXPECT_EQ(ParseTime("1704067200000")->epoch_ms, kJan1st2024);
    EXPECT_FALSE(ParseTime("1704067200000")->date_only);
}

TEST(ParseTime, RejectsMalformedAndImpossibleDates) {
    for (const char* bad :
         {"", "2024-13-01", "2024-02-30", "2023-02-29", "2024-1-01", "yesterday", "2024-01-01T25:00Z",
          "2024-01-01T00:00:00+25:00", "2024-01-01 00:00:00", "2024-01-01T00:00:00ZZ", "17040672OO000"}) {
        EXPECT_FALSE(ParseTime(bad).has_value()) << bad;
    }
    EXPECT_TRUE(ParseTime("2024-02-29").has_value());
}

TEST(FormatIsoUtc, FormatsWithAndWithoutMilliseconds) {
    EXPECT_EQ(FormatIsoUtc(kJan1st2024), "2024-01-01T00:00:00Z");
    EXPECT_EQ(FormatIsoUtc(1679661581646), "2023-03-24T12:39:41.646Z");
}

TEST(CivilDays, RoundTripsAcrossLeapYears) {
    for (int64_t days = -800; days < 30000; days += 7) {
        const CivilDate d = CivilFromDays(days);
        EXPECT_EQ(DaysFromCivil(d.year, d.month, d.day), days);
    }
}

}  // namespace
}  // namespace spark
