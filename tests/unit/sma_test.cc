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
