#include "common/interval.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace spark {
namespace {

int64_t Ms(const char* text) { return ParseTime(text)->epoch_ms; }

TEST(Interval, ParsesExactlyBinancesSixteenNames) {
    int parsed = 0;
    for (const char* name :
         {"1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"}) {
        ASSERT_TRUE(Interval::Parse(name).has_value()) << name;
        EXPECT_EQ(Interval::Parse(name)->Name(), name);
        ++parsed;
    }
    EXPECT_EQ(parsed, 16);
    for (const char* bad : {"1H", "60m", "1y", "", "1mo", "2w"}) EXPECT_FALSE(Interval::Parse(bad).has_value()) << bad;
}

TEST(Interval, TheSemanticsExampleHas168HourlyBars) {
    const Interval h = *Interval::Parse("1h");
    EXPECT_EQ(h.CountOpenTimes(Ms("2024-01-01"), Ms("2024-01-08")), 168);
}

TEST(Interval, PeriodsPerYear) {
    EXPECT_DOUBLE_EQ(Interval::Parse("1h")->PeriodsPerYear(), 8760);
    EXPECT_DOUBLE_EQ(Interval::Parse("1m")->PeriodsPerYear(), 525600);
    EXPECT_DOUBLE_EQ(Interval::Parse("1d")->PeriodsPerYear(), 365);
    EXPECT_DOUBLE_EQ(Interval::Parse("1w")->PeriodsPerYear(), 365.0 / 7.0);
    EXPECT_DOUBLE_EQ(Interval::Parse("1M")->PeriodsPerYear(), 12);
}

TEST(Interval, WeeklyBarsOpenOnMondays) {
    const Interval w = *Interval::Parse("1w");
    EXPECT_TRUE(w.IsAligned(Ms("2024-01-01")));  // a Monday
    EXPECT_FALSE(w.IsAligned(Ms("2024-01-04")));
    EXPECT_EQ(w.AlignUp(Ms("2024-01-02")), Ms("2024-01-08"));
    EXPECT_EQ(w.AlignDown(Ms("2024-01-07T23:59:59Z")), Ms("2024-01-01"));
    EXPECT_EQ(w.Next(Ms("2024-01-01")), Ms("2024-01-08"));
    EXPECT_EQ(w.CountOpenTimes(Ms("2024-01-01"), Ms("2025-01-01")), 53);
}

TEST(Interval, MonthlyBarsFollowTheCalendar) {
    const Interval m = *Interval::Parse("1M");
    EXPECT_TRUE(m.IsAligned(Ms("2024-02-01")));
    EXPECT_FALSE(m.IsAligned(Ms("2024-02-02")));
    EXPECT_EQ(m.Next(Ms("2024-01-01")), Ms("2024-02-01"));
    EXPECT_EQ(m.Next(Ms("2024-02-01")), Ms("2024-03-01"));  // 29 days in a leap year
    EXPECT_EQ(m.Next(Ms("2024-12-01")), Ms("2025-01-01"));
    EXPECT_EQ(m.AlignUp(Ms("2024-01-15")), Ms("2024-02-01"));
    EXPECT_EQ(m.AlignDown(Ms("2024-01-15")), Ms("2024-01-01"));
    EXPECT_EQ(m.CountOpenTimes(Ms("2024-01-01"), Ms("2025-01-01")), 12);
    EXPECT_EQ(m.CountOpenTimes(Ms("2024-01-02"), Ms("2024-02-01")), 0);
}

TEST(Interval, AlignmentOfFixedIntervals) {
    const Interval m15 = *Interval::Parse("15m");
    EXPECT_TRUE(m15.IsAligned(Ms("2024-01-01T00:45:00Z")));
    EXPECT_FALSE(m15.IsAligned(Ms("2024-01-01T00:44:00Z")));
    EXPECT_EQ(m15.AlignUp(Ms("2024-01-01T00:44:00Z")), Ms("2024-01-01T00:45:00Z"));
    EXPECT_EQ(m15.CountOpenTimes(Ms("2024-01-01T00:01:00Z"), Ms("2024-01-01T01:00:00Z")), 3);
}

}  // namespace
}  // namespace spark
