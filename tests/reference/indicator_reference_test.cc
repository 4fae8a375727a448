// The project's indicators against an independent npm library (technicalindicators, and
// trading-signals for RSI) on the real BTCUSDT 1h candles; tests/indicators/ produces the values.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "indicators/atr.h"
#include "indicators/bollinger.h"
#include "indicators/donchian.h"
#include "indicators/ema.h"
#include "indicators/macd.h"
#include "indicators/roc.h"
#include "indicators/rsi.h"
#include "indicators/sma.h"
#include "indicators/wma.h"
#include "support/bars.h"

namespace spark::indicators {
namespace {

using nlohmann::json;

const json& Reference() {
    static const json reference = [] {
        std::ifstream in(SPARK_INDICATOR_REFERENCE);
        return json::parse(in);
    }();
    return reference;
}

const std::vector<Candle>& Bars() {
    static const std::vector<Candle> bars = testing::LoadSampleBars("BTCUSDT-1h", *Interval::Parse("1h"));
    return bars;
}

std::vector<double> Closes() {
    std::vector<double> closes;
    for (const Candle& c : Bars()) closes.push_back(c.close);
    return closes;
}

//! Every value within 1e-9 relative of the library's, with an absolute floor of 1e-12 of the
//! price for series that cross zero (MACD): there a relative test would measure rounding noise.
//! Warm-up must agree exactly: absent where the library has null.
void ExpectMatches(const std::string& name, const std::vector<double>& ours) {
    const json& series = Reference()["series"][name];
    ASSERT_EQ(series.size(), ours.size()) << name;
    size_t compared = 0;
    for (size_t t = 0; t < ours.size(); ++t) {
        if (series[t].is_null()) {
            ASSERT_TRUE(std::isnan(ours[t])) << name << " has a value during the library's warm-up at " << t;
            continue;
        }
        ASSERT_FALSE(std::isnan(ours[t])) << name << " is absent at " << t;
        const double expected = series[t].get<double>();
        const double tolerance = 1e-9 * std::abs(expected) + 1e-12 * Bars()[t].close;
        ASSERT_LE(std::abs(ours[t] - expected), tolerance)
            << name << " at " << t << ": " << ours[t] << " vs " << expected;
        ++compared;
    }
    EXPECT_GT(compared, ours.size() - 100) << name;
}

TEST(IndicatorReference, DescribesTheSameCandles) {
    EXPECT_EQ(Reference()["bars"], Bars().size());
    EXPECT_EQ(Reference()["library"]["name"], "technicalindicators");
}

TEST(IndicatorReference, Sma) {
    std::vector<double> out(Bars().size());
    ComputeSma(Closes(), 30, out);
    ExpectMatches("sma_30", out);
}

TEST(IndicatorReference, Ema) {
    std::vector<double> out(Bars().size());
    ComputeEma(Closes(), 26, out);
    ExpectMatches("ema_26", out);
}

TEST(IndicatorReference, Wma) {
    std::vector<double> out(Bars().size());
    ComputeWma(Closes(), 20, out);
    ExpectMatches("wma_20", out);
}

TEST(IndicatorReference, RsiAgainstTradingSignals) {
    // technicalindicators rounds RSI to 2 decimals; trading-signals does not (tests/indicators/README.md).
    std::vector<double> out(Bars().size());
    ComputeRsi(Closes(), 14, out);
    ExpectMatches("rsi_14", out);
}

TEST(IndicatorReference, Macd) {
    const size_t n = Bars().size();
    std::vector<double> line(n), signal(n), histogram(n);
    ComputeMacd(Closes(), 12, 26, 9, line, signal, histogram);
    ExpectMatches("macd_12_26_9_line", line);
    ExpectMatches("macd_12_26_9_signal", signal);
    ExpectMatches("macd_12_26_9_histogram", histogram);
}

TEST(IndicatorReference, Bollinger) {
    const size_t n = Bars().size();
    std::vector<double> lower(n), middle(n), upper(n);
    ComputeBollinger(Closes(), 20, 2, lower, middle, upper);
    ExpectMatches("bb_20_2_lower", lower);
    ExpectMatches("bb_20_2_middle", middle);
    ExpectMatches("bb_20_2_upper", upper);
}

TEST(IndicatorReference, Atr) {
    std::vector<double> out(Bars().size());
    ComputeAtr(Bars(), 14, out);
    ExpectMatches("atr_14", out);
}

TEST(IndicatorReference, Roc) {
    std::vector<double> out(Bars().size());
    ComputeRoc(Closes(), 12, out);
    ExpectMatches("roc_12", out);
}

TEST(IndicatorReference, DonchianAgainstHighestAndLowest) {
    const size_t n = Bars().size();
    std::vector<double> lower(n), upper(n);
    ComputeDonchian(Bars(), 20, lower, upper);
    ExpectMatches("donchian_20_lower", lower);
    ExpectMatches("donchian_20_upper", upper);
}

}  // namespace
}  // namespace spark::indicators
