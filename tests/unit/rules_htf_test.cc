// htf(timeframe, x): x on the higher timeframe's bars, as of the last one closed by each bar's
// close. Hand-worked values, the partly known first bucket, types and timeframes, and the
// look-ahead property on real data: values on bars 0..t alone equal the full series' up to t.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "rules/rule_definition.h"
#include "rules/rule_strategy.h"
#include "support/bars.h"

namespace spark::rules {
namespace {

const Interval kHour = *Interval::Parse("1h");

//! The values of a number expression per bar, read through a stopLoss rule (a level per bar).
std::vector<double> Values(const std::string& expression, std::span<const Candle> bars,
                           std::optional<Interval> timeframe = kHour) {
    auto made = MakeRulesStrategy({.entry = "true", .stop_loss = expression});
    EXPECT_TRUE(made.has_value()) << (made ? "" : FormatWithCaret(made.error()));
    if (!made) return {};
    const auto strategy = made->definition->create({});
    const SeriesContext context(bars, 0, timeframe);
    std::vector<Signal> signals(bars.size());
    std::vector<double> stop(bars.size()), target(bars.size()), stop_short(bars.size()), target_short(bars.size());
    strategy->SignalsAndLevels(context, signals, {stop, target, stop_short, target_short});
    return stop;
}

//! Hourly bars from 00:00 UTC (or `first_hour`), close = 1, 2, 3, ...
std::vector<Candle> Hours(size_t n, int64_t first_hour = 0) {
    std::vector<Candle> bars;
    for (size_t i = 0; i < n; ++i) {
        const double c = static_cast<double>(i + 1);
        bars.push_back(
            {testing::kTestEpochMs + (first_hour + static_cast<int64_t>(i)) * kMillisPerHour, c, c, c, c, 1});
    }
    return bars;
}

TEST(RulesHtf, TheLastClosedHigherBarNeverTheFormingOne) {
    // 4h buckets of hours 0-3, 4-7, 8-11: each closes with hour 3, 7, 11.
    const std::vector<double> v = Values("htf(\"4h\", close)", Hours(12));
    ASSERT_EQ(v.size(), 12u);
    for (size_t t = 0; t < 3; ++t) EXPECT_TRUE(std::isnan(v[t])) << t;
    for (size_t t = 3; t < 7; ++t) EXPECT_EQ(v[t], 4) << t;  // the close of hour 3
    for (size_t t = 7; t < 11; ++t) EXPECT_EQ(v[t], 8) << t;
    EXPECT_EQ(v[11], 12);
}

TEST(RulesHtf, IndicatorsRunOnTheHigherBars) {
    // sma of the 4h closes 4, 8, 12 over 2: 6 from hour 7, 10 from hour 11.
    const std::vector<double> v = Values("htf(\"4h\", sma(close, 2))", Hours(12));
    EXPECT_TRUE(std::isnan(v[6]));
    EXPECT_EQ(v[7], 6);
    EXPECT_EQ(v[10], 6);
    EXPECT_EQ(v[11], 10);
}

TEST(RulesHtf, AFirstBucketTheBarsStartInsideIsLeftOut) {
    // From 02:00: the 00:00-04:00 bucket has only hours 2 and 3, so it is not a 4h bar.
    const std::vector<double> v = Values("htf(\"4h\", close)", Hours(10, 2));
    for (size_t t = 0; t < 5; ++t) EXPECT_TRUE(std::isnan(v[t])) << t;
    EXPECT_EQ(v[5], 6);  // hour 7 closes the 04:00 bucket: the close of hour 7 is bar 5's, 6
}

TEST(RulesHtf, ConditionsAndNumbersBothWork) {
    auto condition = MakeRulesStrategy({.entry = "htf(\"4h\", close > close[1])"});
    ASSERT_TRUE(condition.has_value());
    auto wrong_timeframe = MakeRulesStrategy({.entry = "htf(\"5h\", close) > 1"});
    ASSERT_FALSE(wrong_timeframe.has_value());
    EXPECT_EQ(wrong_timeframe.error().reason, RuleErrorReason::kTypeMismatch);
    EXPECT_NE(wrong_timeframe.error().message.find("\"4h\""), std::string::npos) << wrong_timeframe.error().message;
    auto not_a_string = MakeRulesStrategy({.entry = "htf(close, close) > 1"});
    ASSERT_FALSE(not_a_string.has_value());
    auto finer_inside = MakeRulesStrategy({.entry = "htf(\"1w\", htf(\"1d\", close)) > 1"});
    ASSERT_FALSE(finer_inside.has_value());
    EXPECT_NE(finer_inside.error().message.find("nested htf"), std::string::npos) << finer_inside.error().message;
    EXPECT_TRUE(MakeRulesStrategy({.entry = "htf(\"1d\", htf(\"1w\", close)) > 1"}).has_value());
    auto option_name = MakeRulesStrategy({.params = {{"maxBarsInTrade", 5}}, .entry = "close > $maxBarsInTrade"});
    ASSERT_FALSE(option_name.has_value());
    EXPECT_EQ(option_name.error().reason, RuleErrorReason::kNameTaken);
    EXPECT_EQ(option_name.error().field, "strategy.params.maxBarsInTrade");
    auto checked = MakeRulesStrategy({.entry = "htf(\"1d\", close) > htf(\"4h\", close)"});
    ASSERT_TRUE(checked.has_value());
    EXPECT_EQ(checked->checked->timeframes, (std::set<std::string>{"1d", "4h"}));
}

TEST(RulesHtf, WithoutAKnownTimeframeThereIsNoValue) {
    const std::vector<double> v = Values("htf(\"4h\", close)", Hours(12), std::nullopt);
    for (const double x : v) EXPECT_TRUE(std::isnan(x));
}

TEST(RulesHtf, NoLookAheadOnRealData) {
    const std::vector<Candle> all = testing::LoadSampleBars("BTCUSDT-1h", kHour);
    ASSERT_GT(all.size(), 4000u);
    const std::vector<Candle> bars(all.begin(), all.begin() + 4000);
    const std::vector<std::string> expressions = {
        "htf(\"4h\", close)", "htf(\"4h\", ema(close, 5)) - htf(\"1d\", sma(close, 3))",
        "htf(\"1d\", atr(3)) + htf(\"12h\", highest(high, 2))",
        "iff(htf(\"4h\", close > sma(close, 6)), htf(\"1w\", close), low)", "htf(\"1d\", htf(\"1w\", close))"};
    std::mt19937_64 random(7);
    for (const std::string& expression : expressions) {
        SCOPED_TRACE(expression);
        const std::vector<double> full = Values(expression, bars);
        size_t defined = 0;
        for (const double x : full) defined += std::isfinite(x) ? 1 : 0;
        EXPECT_GT(defined, 3000u);
        for (int k = 0; k < 12; ++k) {
            const size_t m = 200 + random() % 3800;
            const std::vector<double> prefix = Values(expression, std::span<const Candle>(bars).first(m));
            for (size_t t = 0; t < m; ++t) {
                if (std::isnan(full[t])) {
                    ASSERT_TRUE(std::isnan(prefix[t])) << "t " << t << " of " << m;
                } else {
                    ASSERT_EQ(prefix[t], full[t]) << "t " << t << " of " << m;
                }
            }
        }
    }
}

}  // namespace
}  // namespace spark::rules
