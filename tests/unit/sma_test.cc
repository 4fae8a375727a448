#include "indicators/sma.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace spark::indicators {
namespace {

TEST(Sma, StreamingIsAbsentUntilWarmedUp) {
    Sma sma(3);
    EXPECT_FALSE(sma.Update(1).has_value());
    EXPECT_FALSE(sma.Update(2).has_value());
    EXPECT_DOUBLE_EQ(*sma.Update(3), 2.0);
    EXPECT_DOUBLE_EQ(*sma.Update(10), 5.0);  // (2 + 3 + 10) / 3
    EXPECT_DOUBLE_EQ(*sma.Value(), 5.0);
    sma.Reset();
    EXPECT_FALSE(sma.Value().has_value());
}

TEST(Sma, BatchMatchesStreamingAndMarksWarmUpAsNaN) {
    const std::vector<double> values = {4, 8, 6, 2, 10, 12, 1};
    std::vector<double> batch(values.size());
    ComputeSma(values, 3, batch);
    Sma sma(3);
    for (size_t t = 0; t < values.size(); ++t) {
        const auto streamed = sma.Update(values[t]);
        if (t < 2) {
            EXPECT_TRUE(std::isnan(batch[t]));
            EXPECT_FALSE(streamed.has_value());
        } else {
            EXPECT_DOUBLE_EQ(batch[t], *streamed);
        }
    }
    EXPECT_DOUBLE_EQ(batch[2], 6.0);
    EXPECT_DOUBLE_EQ(batch[6], 23.0 / 3.0);
}

TEST(Sma, PeriodOneIsTheInput) {
    const std::vector<double> values = {5, 7, 9};
    std::vector<double> out(3);
    ComputeSma(values, 1, out);
    EXPECT_EQ(out, values);
}

}  // namespace
}  // namespace spark::indicators

namespace spark::indicators {
namespace {

// Alternating a, b: every even window has the same mean, so fast (2) and slow (4) are equal
// forever in exact arithmetic. A drifting rolling sum makes them differ in the last bits.
TEST(Sma, RollingSumsDoNotDrift) {
    std::vector<double> values;
    for (int i = 0; i < 200000; ++i) values.push_back(i % 2 == 0 ? 1.0001 : 0.9997);
    std::vector<double> fast(values.size());
    std::vector<double> slow(values.size());
    ComputeSma(values, 2, fast);
    ComputeSma(values, 4, slow);
    for (size_t t = 3; t < values.size(); ++t) ASSERT_EQ(fast[t], slow[t]) << "bar " << t;
    EXPECT_EQ(fast[3], fast[199999]);
}

TEST(Sma, MatchesAFreshSumOfEachWindow) {
    std::vector<double> values;
    double x = 42283.58;
    for (int i = 0; i < 50000; ++i) {
        x += (i * 7919 % 201 - 100) * 0.01;  // a deterministic random walk with cents
        values.push_back(x);
    }
    constexpr size_t kPeriod = 30;
    std::vector<double> batch(values.size());
    ComputeSma(values, kPeriod, batch);
    for (size_t t = kPeriod - 1; t < values.size(); t += 997) {
        // Exact reference: the window summed in long double, then rounded once.
        long double sum = 0;
        for (size_t i = t + 1 - kPeriod; i <= t; ++i) sum += values[i];
        EXPECT_EQ(batch[t], static_cast<double>(static_cast<double>(sum) / kPeriod)) << "bar " << t;
    }
}

}  // namespace
}  // namespace spark::indicators
