// Resampling: which intervals build which, Binance's aggregation on hand-checked cases, the real
// 1h bars rebuilt from the bundled 1m ones, and a property test against an independent grouping.
#include "model/resample.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "common/time_format.h"
#include "support/bars.h"

namespace spark {
namespace {

Interval I(const char* name) { return *Interval::Parse(name); }

int64_t At(const char* iso) { return ParseTime(iso)->epoch_ms; }

TEST(Resample, WhichIntervalsDivideWhich) {
    for (const auto& [finer, coarser] : std::vector<std::pair<const char*, const char*>>{{"1m", "5m"},
                                                                                         {"1m", "15m"},
                                                                                         {"1m", "1h"},
                                                                                         {"1m", "4h"},
                                                                                         {"1m", "1d"},
                                                                                         {"1h", "2h"},
                                                                                         {"1h", "4h"},
                                                                                         {"1h", "6h"},
                                                                                         {"1h", "8h"},
                                                                                         {"1h", "12h"},
                                                                                         {"1h", "1d"},
                                                                                         {"1h", "3d"},
                                                                                         {"1h", "1w"},
                                                                                         {"1d", "1w"},
                                                                                         {"1d", "1M"},
                                                                                         {"1h", "1M"},
                                                                                         {"2h", "6h"},
                                                                                         {"1s", "1m"}}) {
        EXPECT_TRUE(I(finer).Divides(I(coarser))) << finer << " -> " << coarser;
    }
    for (const auto& [finer, coarser] : std::vector<std::pair<const char*, const char*>>{
             {"1h", "1h"}, {"4h", "6h"}, {"3d", "1w"}, {"1w", "1M"}, {"1d", "1h"}, {"1M", "1M"}, {"3d", "1M"}}) {
        EXPECT_FALSE(I(finer).Divides(I(coarser))) << finer << " -> " << coarser;
    }
    const std::vector<Interval> all = Interval::All();
    ASSERT_EQ(all.size(), 16u);
    EXPECT_EQ(all.front().Name(), "1s");
    EXPECT_EQ(all.back().Name(), "1M");
}

TEST(Resample, HandCheckedFourHourBucketsWithAGapInsideAndAnEmptyBucket) {
    // 1h bars from 00:00: hours 0-3 (hour 2 missing: an outage inside the bucket), nothing in 4-7,
    // hours 8-9 only (the rest of that bucket has not been traded).
    const int64_t t0 = At("2024-01-01T00:00:00Z");
    const auto hour = [t0](int h, double o, double hi, double lo, double c, double v) {
        return Candle{t0 + h * kMillisPerHour, o, hi, lo, c, v};
    };
    const std::vector<Candle> finer = {hour(0, 10, 12, 9, 11, 1.5), hour(1, 11, 15, 10, 14, 2.25),
                                       hour(3, 14, 14.5, 7, 8, 0.125), hour(8, 20, 21, 19, 20.5, 3),
                                       hour(9, 20.5, 22, 20, 21, 4)};
    const std::vector<Candle> coarse = Resample(finer, I("4h"));
    ASSERT_EQ(coarse.size(), 2u);  // the 04:00 bucket has no bar: a gap, as on Binance
    EXPECT_EQ(coarse[0], (Candle{t0, 10, 15, 7, 8, 3.875}));
    EXPECT_EQ(coarse[1], (Candle{t0 + 8 * kMillisPerHour, 20, 22, 19, 21, 7}));
}

TEST(Resample, WeeksStartOnMondayAndMonthsOnTheCalendar) {
    // Daily bars from Thursday 2024-01-04 to Tuesday 2024-03-05 (a leap February).
    std::vector<Candle> days;
    for (int64_t t = At("2024-01-04"); t < At("2024-03-06"); t += kMillisPerDay) {
        const double price = static_cast<double>(days.size()) + 100;
        days.push_back({t, price, price + 1, price - 1, price + 0.5, 1});
    }
    const std::vector<Candle> weeks = Resample(days, I("1w"));
    EXPECT_EQ(weeks.front().open_time_ms, At("2024-01-01"));  // Monday; Thursday to Sunday of it traded
    EXPECT_EQ(weeks.front().open, 100);
    EXPECT_EQ(weeks.front().close, 103.5);  // Sunday 2024-01-07
    EXPECT_EQ(weeks.front().volume, 4);
    EXPECT_EQ(weeks[1].open_time_ms, At("2024-01-08"));
    EXPECT_EQ(weeks[1].volume, 7);
    const std::vector<Candle> months = Resample(days, I("1M"));
    ASSERT_EQ(months.size(), 3u);
    EXPECT_EQ(months[0].open_time_ms, At("2024-01-01"));
    EXPECT_EQ(months[0].volume, 28);  // January 4 to 31
    EXPECT_EQ(months[1].open_time_ms, At("2024-02-01"));
    EXPECT_EQ(months[1].volume, 29);  // a leap February
    EXPECT_EQ(months[1].open, 128);
    EXPECT_EQ(months[2].open_time_ms, At("2024-03-01"));
    EXPECT_EQ(months[2].volume, 5);
}

TEST(Resample, OneHourBarsRebuiltFromTheBundledMinutesEqualBinancesOwn) {
    // Both files are Binance's (data/sample/README.md): 30,000 minutes from 2024-01-01 and the
    // hourly bars of the same hours, every field the engine reads.
    const std::vector<Candle> minutes = testing::LoadSampleBars("BTCUSDT-1m", I("1m"));
    const std::vector<Candle> hours = testing::LoadSampleBars("BTCUSDT-1h", I("1h"));
    ASSERT_EQ(minutes.size(), 30000u);
    const std::vector<Candle> rebuilt = Resample(minutes, I("1h"));
    ASSERT_EQ(rebuilt.size(), 500u);
    const auto first = std::lower_bound(hours.begin(), hours.end(), rebuilt.front().open_time_ms,
                                        [](const Candle& c, int64_t t) { return c.open_time_ms < t; });
    ASSERT_LE(first + 500, hours.end());
    for (size_t i = 0; i < rebuilt.size(); ++i) {
        ASSERT_EQ(rebuilt[i], first[i]) << FormatIsoUtc(rebuilt[i].open_time_ms) << " volume " << rebuilt[i].volume
                                        << " vs " << first[i].volume;
    }
    // And 4h and 1d, each also built from the hourly bars: both paths agree.
    for (const char* coarser : {"4h", "1d"}) {
        const std::vector<Candle> from_minutes = Resample(minutes, I(coarser));
        const std::vector<Candle> from_hours = Resample(std::span(first, 500), I(coarser));
        EXPECT_EQ(from_minutes, from_hours) << coarser;
    }
}

//! An independent grouping: buckets by integer division of the time since the interval's first
//! open, fields by the standard algorithms, volumes in long double rounded to 8 decimals.
std::vector<Candle> GroupNaively(const std::vector<Candle>& bars, int64_t bucket_ms, int64_t offset_ms) {
    std::map<int64_t, std::vector<Candle>> buckets;
    for (const Candle& c : bars) {
        const int64_t since = c.open_time_ms - offset_ms;
        buckets[since / bucket_ms * bucket_ms + offset_ms].push_back(c);
    }
    std::vector<Candle> out;
    for (const auto& [start, members] : buckets) {
        long double volume = 0;
        for (const Candle& c : members) volume += c.volume;
        out.push_back({start, members.front().open,
                       std::max_element(members.begin(), members.end(),
                                        [](const Candle& a, const Candle& b) { return a.high < b.high; })
                           ->high,
                       std::min_element(members.begin(), members.end(),
                                        [](const Candle& a, const Candle& b) { return a.low < b.low; })
                           ->low,
                       members.back().close,
                       // The nearest double to the 8-decimal sum: an exact count of 1e-8 units, divided once.
                       static_cast<double>(std::llroundl(volume * 1e8L)) / 1e8});
    }
    return out;
}

TEST(Resample, PropertyAgreesWithAnIndependentGroupingOnRandomSeries) {
    std::mt19937_64 random(20261130);
    const std::vector<std::pair<const char*, int64_t>> targets = {{"5m", 5 * kMillisPerMinute},
                                                                  {"15m", 15 * kMillisPerMinute},
                                                                  {"1h", kMillisPerHour},
                                                                  {"4h", 4 * kMillisPerHour},
                                                                  {"1d", kMillisPerDay}};
    for (int trial = 0; trial < 200; ++trial) {
        // Minutes from a random start, with random outages; prices a random walk, volumes with up
        // to 8 decimals as Binance quotes them.
        std::vector<Candle> minutes;
        int64_t t = At("2024-01-01") + static_cast<int64_t>(random() % 10000) * kMillisPerMinute;
        double price = 100;
        const int count = 1 + static_cast<int>(random() % 3000);
        for (int i = 0; i < count; ++i) {
            if (random() % 20 == 0) t += static_cast<int64_t>(random() % 500) * kMillisPerMinute;
            const double open = price;
            price *= 1 + (static_cast<double>(random() % 2001) - 1000) / 1e5;
            const double high = std::max(open, price) * (1 + static_cast<double>(random() % 100) / 1e5);
            const double low = std::min(open, price) * (1 - static_cast<double>(random() % 100) / 1e5);
            const double volume = static_cast<double>(random() % 10'000'000'000ull) / 1e8;
            minutes.push_back({t, open, high, low, price, volume});
            t += kMillisPerMinute;
        }
        const auto& [name, bucket_ms] = targets[static_cast<size_t>(trial) % targets.size()];
        const std::vector<Candle> expected = GroupNaively(minutes, bucket_ms, 0);
        const std::vector<Candle> actual = Resample(minutes, I(name));
        ASSERT_EQ(actual.size(), expected.size()) << "trial " << trial << " " << name;
        for (size_t i = 0; i < actual.size(); ++i) {
            ASSERT_EQ(actual[i], expected[i]) << "trial " << trial << " " << name << " bucket " << i;
        }
    }
}

}  // namespace
}  // namespace spark
